import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RemoteHTTP
import SyncCore

/// How to reach one Dinero organisation.
public struct DineroSettings: Sendable {
    /// Dinero's docs, "Base URL".
    public static let defaultBaseURL = URL(string: "https://api.dinero.dk")!
    /// Dinero's docs, "Authentication endpoint".
    public static let defaultAuthURL = URL(string: "https://authz.dinero.dk/dineroapi/oauth/token")!
    /// "100 requests a minute pr. organization" (developer.dinero.dk, "Rate limit in effect").
    public static let documentedRequestsPerMinute = 100

    public var baseURL: URL
    public var authURL: URL
    public var clientId: String
    public var clientSecret: String
    public var apiKey: String
    public var organizationId: String
    public var timeout: Double = 30
    public var requestsPerMinute = DineroSettings.documentedRequestsPerMinute
    /// Contacts a page (Dinero allows at most 1000).
    public var pageSize = 1000
    /// Seconds one call may spend retrying: past a minute, so a 429 ("wait a minute and
    /// continue") is waited out rather than failed.
    public var retryBudget = 90.0

    public init(baseURL: URL = DineroSettings.defaultBaseURL, authURL: URL = DineroSettings.defaultAuthURL, clientId: String,
                clientSecret: String, apiKey: String, organizationId: String) {
        self.baseURL = baseURL
        self.authURL = authURL
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.apiKey = apiKey
        self.organizationId = organizationId
    }
}

/// Dinero's contacts as a `RemoteConnector`.
///
/// A contact's key is its `ContactGuid`; the number the window shows is its
/// `ExternalReference`, where we write our number. Fields: `Name`, `Street`, `ZipCode`,
/// `City`, `CountryKey` (an ISO code already), `Email`, `Phone`, `VatNumber` (our `cvr`),
/// `EanNumber`, `AttPerson` (our `contact`). Every other property (payment conditions, web
/// page, person or company…) is kept through an update: the contact is read, our fields
/// changed, and the whole writable contact written back, whatever PUT leaves out.
///
/// Tokens: a password grant with the organisation's API key (Dinero's docs,
/// "Authentication"), renewed before it expires and once more on a 401, so a long pull
/// never fails for an expired token. Requests are paced to Dinero's 100 a minute.
public final class DineroConnector: RemoteConnector, @unchecked Sendable {
    // Unchecked: the token and the reference map sit behind `lock`; the rest is constant.
    public let system = "Dinero"
    public var baseURL: String { settings.baseURL.absoluteString }
    let settings: DineroSettings
    let api: HTTPClient
    let auth: HTTPClient
    private let lock = NSLock()
    private var token: (value: String, renewAt: Date)?
    /// ExternalReference → ContactGuid of the contacts there, read by `prepareToCreate`.
    private var references: [String: String] = [:]

    public init(settings: DineroSettings) {
        self.settings = settings
        api = HTTPClient(baseURL: settings.baseURL, system: "Dinero",
                         policy: .init(timeout: settings.timeout, retryBudget: settings.retryBudget,
                                       rateLimit: (settings.requestsPerMinute, 60)))
        auth = HTTPClient(baseURL: settings.authURL, system: "Dinero's authentication",
                          policy: .init(timeout: settings.timeout, retryBudget: settings.retryBudget))
    }

    /// Requests sent to the API and for tokens, retries included.
    public var requestCount: Int { api.requestCount + auth.requestCount }

    public var traffic: RemoteTraffic {
        let waited = api.waited
        return RemoteTraffic(requests: requestCount, pacedSeconds: waited.pacing, retryAfterSeconds: waited.retryAfter + auth.waited.retryAfter)
    }

    /// Dinero's docs give no lengths for these properties but the external reference (128),
    /// which holds our number.
    public var fieldLimits: [SyncField: Int] { [:] }

    // MARK: Tokens

    /// A token good for a while yet: renewed a minute before it expires.
    func bearer(renew: Bool = false) throws(ConnectorError) -> [String: String] {
        if !renew, let token = lock.withLock({ token }), token.renewAt > Date() {
            return ["Authorization": "Bearer \(token.value)"]
        }
        let basic = Data("\(settings.clientId):\(settings.clientSecret)".utf8).base64EncodedString()
        let form = "grant_type=password&scope=\(Self.formEncoded("read write"))&username=\(Self.formEncoded(settings.apiKey))&password=\(Self.formEncoded(settings.apiKey))"
        let answer = try auth.idempotent("POST", "", body: Data(form.utf8), contentType: "application/x-www-form-urlencoded",
                                         url: settings.authURL, headers: { ["Authorization": "Basic \(basic)"] })
        guard answer.status == 200, let value = answer.object?["access_token"] as? String else {
            let reason = (answer.object?["error_description"] as? String) ?? (answer.object?["error"] as? String) ?? "status \(answer.status)"
            throw ConnectorError(.unauthorized, "Dinero refused the client id, client secret or API key (\(answer.status)): \(reason)", status: answer.status)
        }
        let seconds = (answer.object?["expires_in"] as? NSNumber)?.doubleValue ?? 3600
        let renewAt = Date().addingTimeInterval(max(seconds * 0.5, seconds - 60))
        lock.withLock { token = (value, renewAt) }
        return ["Authorization": "Bearer \(value)"]
    }

    static func formEncoded(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    /// A request with a token, retried as the policy says; a 401 renews the token once (it
    /// may have expired or been revoked since it was had).
    func request(_ method: String, _ path: String, query: [URLQueryItem] = [], body: Data? = nil) throws(ConnectorError) -> HTTPClient.Answer {
        var answer = try api.idempotent(method, path, query: query, body: body, headers: { () throws(ConnectorError) in try bearer() })
        if answer.status == 401 {
            answer = try api.idempotent(method, path, query: query, body: body, headers: { () throws(ConnectorError) in try bearer(renew: true) })
        }
        return answer
    }

    var contactsPath: String { "v1/\(settings.organizationId)/contacts" }

    // MARK: RemoteConnector

    public func verify() throws(ConnectorError) {
        _ = try bearer(renew: true)
        let answer = try request("GET", contactsPath, query: [.init(name: "page", value: "0"), .init(name: "pageSize", value: "1")])
        guard answer.status == 200 else { throw Self.failure(answer, "GET /contacts") }
    }

    static let listedFields = "ContactGuid,ExternalReference,Name,Street,ZipCode,City,CountryKey,Phone,Email,AttPerson,VatNumber,EanNumber,UpdatedAt,DeletedAt"

    public func pull(since mark: String?, onPage: (RemotePage) throws -> Void) throws -> RemotePull {
        // The next mark: the system's time as this pull starts (its Date header), less a
        // margin for writes in flight; contacts changed during the pull are read again.
        var started: Date?
        var page = 0
        while true {
            var query: [URLQueryItem] = [.init(name: "fields", value: Self.listedFields), .init(name: "page", value: String(page)),
                                         .init(name: "pageSize", value: String(settings.pageSize))]
            if let mark { query.append(.init(name: "changesSince", value: mark)) }
            let answer = try request("GET", contactsPath, query: query)
            guard answer.status == 200, let collection = answer.object?["Collection"] as? [[String: Any]] else {
                throw answer.status == 200 ? ConnectorError(.badResponse, "Dinero's contact page \(page) is not a collection") : Self.failure(answer, "GET /contacts")
            }
            if started == nil { started = HTTPClient.date(answer.headers["date"]) ?? Date() }
            let pagination = answer.object?["Pagination"] as? [String: Any]
            let total = (pagination?["Result"] as? NSNumber)?.intValue
            let customers = try collection.compactMap { json throws(ConnectorError) in try remote(json) }
            try onPage(RemotePage(customers: customers, index: page, total: total))
            page += 1
            if collection.isEmpty || total.map({ page * settings.pageSize >= $0 }) ?? (collection.count < settings.pageSize) { break }
        }
        // Since a mark, Dinero lists the contacts deleted meanwhile (`deletedOnly`).
        var deleted: [String] = []
        if let mark {
            var page = 0
            while true {
                let answer = try request("GET", contactsPath, query: [.init(name: "fields", value: "ContactGuid,DeletedAt"), .init(name: "deletedOnly", value: "true"),
                                                                     .init(name: "changesSince", value: mark), .init(name: "page", value: String(page)),
                                                                     .init(name: "pageSize", value: String(settings.pageSize))])
                guard answer.status == 200, let collection = answer.object?["Collection"] as? [[String: Any]] else { throw Self.failure(answer, "GET /contacts?deletedOnly") }
                deleted += collection.compactMap { $0["ContactGuid"] as? String }
                page += 1
                let total = ((answer.object?["Pagination"] as? [String: Any])?["Result"] as? NSNumber)?.intValue
                if collection.isEmpty || total.map({ page * settings.pageSize >= $0 }) ?? true { break }
            }
        }
        let next = Self.stamp((started ?? Date()).addingTimeInterval(-300))
        return RemotePull(mark: next, deleted: deleted)
    }

    public func fetch(key: String) throws(ConnectorError) -> RemoteCustomer? {
        guard let json = try contactJSON(key) else { return nil }
        return try remote(json)
    }

    /// The contact, or nil when there is none or it is deleted.
    func contactJSON(_ guid: String) throws(ConnectorError) -> [String: Any]? {
        let answer = try request("GET", "\(contactsPath)/\(guid)")
        if answer.status == 404 { return nil }
        guard answer.status == 200, let json = answer.object else { throw Self.failure(answer, "GET /contacts/\(guid)") }
        if let deleted = json["DeletedAt"], !(deleted is NSNull) { return nil }
        return json
    }

    public func prepareToCreate(numbers: [String]) throws(ConnectorError) {
        // One read of every contact's external reference (a page of 1,000 a request), rather
        // than one a customer: what an earlier push landed is adopted, not made again.
        var found: [String: String] = [:]
        var page = 0
        while true {
            let answer = try request("GET", contactsPath, query: [.init(name: "fields", value: "ContactGuid,ExternalReference"), .init(name: "page", value: String(page)),
                                                                 .init(name: "pageSize", value: String(settings.pageSize))])
            guard answer.status == 200, let collection = answer.object?["Collection"] as? [[String: Any]] else { throw Self.failure(answer, "GET /contacts") }
            for contact in collection {
                if let reference = (contact["ExternalReference"] as? String).flatMap(Normalize.clean), let guid = contact["ContactGuid"] as? String {
                    found[reference] = guid
                }
            }
            page += 1
            let total = ((answer.object?["Pagination"] as? [String: Any])?["Result"] as? NSNumber)?.intValue
            if collection.isEmpty || total.map({ page * settings.pageSize >= $0 }) ?? true { break }
        }
        lock.withLock { references = found }
    }

    /// The contact under our number, if one landed (an earlier push, a lost reply).
    func landed(number: String) throws(ConnectorError) -> RemoteCustomer? {
        let answer = try request("GET", contactsPath, query: [.init(name: "fields", value: Self.listedFields),
                                                             .init(name: "queryFilter", value: "ExternalReference eq '\(number)'")])
        guard answer.status == 200, let collection = answer.object?["Collection"] as? [[String: Any]] else { return nil }
        return try collection.first.flatMap { json throws(ConnectorError) in try remote(json) }
    }

    public func create(number: String, fields: CustomerFields) throws(ConnectorError) -> RemoteCustomer {
        if let guid = lock.withLock({ references[number] }), let existing = try fetch(key: guid) { return existing }
        var body: [String: Any] = ["ExternalReference": number, "IsPerson": false]
        Self.write(fields, into: &body)
        let data = try JSONBody.encode(body, what: "a contact")
        let started = ContinuousClock.now
        var attempt = 0
        var lastProblem = ""
        while true {
            let headers = try bearer(renew: attempt > 0 && lastProblem == "401")
            switch api.exchange("POST", contactsPath, body: data, headers: headers) {
            case .answered(let status, let reply, _) where status == 200 || status == 201:
                guard let guid = ((try? JSONSerialization.jsonObject(with: reply)) as? [String: Any])?["ContactGuid"] as? String else {
                    throw ConnectorError(.badResponse, "Dinero's reply to creating contact \(number) has no ContactGuid")
                }
                lock.withLock { references[number] = guid }
                // What Dinero holds now is what was sent (a country key it needs included).
                var held = body
                held["ContactGuid"] = guid
                return try remote(held) ?? RemoteCustomer(key: guid, number: number, fields: fields)
            case .answered(401, _, _) where lastProblem != "401":
                lastProblem = "401"
            case .answered(let status, _, let headers) where HTTPClient.isTransient(status):
                // A 5xx may have landed: look before sending again (a 429 was not taken).
                lastProblem = "Dinero answered \(status)"
                if status != 429, let landed = try landed(number: number) { return landed }
                guard api.wait(attempt, retryAfter: HTTPClient.retryAfter(headers["retry-after"]), since: started) else {
                    throw ConnectorError(.unavailable, "Dinero did not take contact \(number): \(lastProblem)")
                }
            case .answered(let status, let reply, let headers):
                throw Self.failure(HTTPClient.Answer(status: status, body: reply, headers: headers), "POST /contacts")
            case .noReply(let reason):
                lastProblem = reason
                if let landed = try landed(number: number) { return landed }
                guard attempt + 1 < api.policy.noReplyAttempts, api.wait(attempt, retryAfter: nil, since: started) else {
                    throw ConnectorError(.unavailable, "Dinero did not take contact \(number) after \(attempt + 1) attempt(s): \(reason)")
                }
            }
            attempt += 1
        }
    }

    public func update(key: String, changes: [SyncField: String?], expected: CustomerFields?) throws(ConnectorError) -> RemoteUpdate {
        guard var json = try contactJSON(key) else {
            throw ConnectorError(.notFound, "contact \(key) is not in Dinero (deleted there?); pull to see", status: 404)
        }
        guard let before = try remote(json) else {
            throw ConnectorError(.notFound, "contact \(key) is deleted in Dinero; pull to see", status: 404)
        }
        var fields = before.fields
        var skipped: Set<SyncField> = []
        var written = CustomerFields()
        var touched: Set<SyncField> = []
        for (field, value) in changes {
            if let expected, Normalize.comparable(field, before.fields[field]) != Normalize.comparable(field, expected[field]) {
                skipped.insert(field)
                continue
            }
            fields[field] = value
            written[field] = value
            touched.insert(field)
        }
        guard fields != before.fields else { return RemoteUpdate(customer: before, skipped: skipped) }
        // The whole writable contact goes back: every property but the read-only ones.
        for readOnly in ["ContactGuid", "CreatedAt", "UpdatedAt", "DeletedAt", "IsDebitor", "IsCreditor"] { json.removeValue(forKey: readOnly) }
        Self.write(written, into: &json, only: touched)
        let answer = try request("PUT", "\(contactsPath)/\(key)", body: try JSONBody.encode(json, what: "a contact"))
        guard (200...204).contains(answer.status) else { throw Self.failure(answer, "PUT /contacts/\(key)") }
        // What Dinero holds now is what was written (a country key it needs included).
        json["ContactGuid"] = key
        return RemoteUpdate(customer: try remote(json) ?? RemoteCustomer(key: key, number: before.number, fields: fields), skipped: skipped)
    }

    // MARK: Mapping

    static let keys: [SyncField: String] = [
        .name: "Name", .address: "Street", .zip: "ZipCode", .city: "City", .country: "CountryKey", .email: "Email", .phone: "Phone",
        .cvr: "VatNumber", .ean: "EanNumber", .contact: "AttPerson",
    ]

    /// A contact as our fields; nil for a deleted one.
    func remote(_ json: [String: Any]) throws(ConnectorError) -> RemoteCustomer? {
        guard let guid = json["ContactGuid"] as? String else { throw ConnectorError(.badResponse, "a Dinero contact without a ContactGuid") }
        if let deleted = json["DeletedAt"], !(deleted is NSNull) { return nil }
        var fields = CustomerFields()
        for (field, key) in Self.keys { fields[field] = JSONBody.text(json[key]) }
        fields.country = fields.country.map(Country.normalize)
        return RemoteCustomer(key: guid, number: JSONBody.text(json["ExternalReference"]), fields: fields, lastUpdated: json["UpdatedAt"] as? String)
    }

    /// Our fields into a contact: a field without a value is written as null (emptied); a
    /// contact needs a country key, Denmark when none is known.
    static func write(_ fields: CustomerFields, into json: inout [String: Any], only: Set<SyncField>? = nil) {
        for (field, key) in keys where only?.contains(field) ?? true {
            json[key] = fields[field] ?? NSNull()
        }
        if (json["CountryKey"] as? String).map({ Country.codes.contains($0) }) != true {
            json["CountryKey"] = "DK"
        }
    }


    static func stamp(_ date: Date) -> String { UTCTime.string(date, milliseconds: false) }

    /// A final non-2xx answer in Dinero's words: its `message`, each property's
    /// `validationErrors` entry (as public clients read them), and errorcode 48 (no Dinero Pro).
    static func failure(_ answer: HTTPClient.Answer, _ what: String) -> ConnectorError {
        let json = answer.object
        let message = (json?["message"] as? String).flatMap(Normalize.clean) ?? HTTPURLResponse.localizedString(forStatusCode: answer.status)
        switch answer.status {
        case 401:
            return ConnectorError(.unauthorized, "Dinero refused the token (401) even when renewed: \(message)", status: 401)
        case 403:
            let code = (json?["code"] as? NSNumber)?.intValue
            let why = code == 48 ? "the organisation has no active Dinero Pro subscription, which the API needs" : "the app may not do this"
            return ConnectorError(.unauthorized, "Dinero denied \(what) (403): \(why): \(message)", status: 403)
        case 400, 422:
            var reasons: [ConnectorError.Reason] = []
            if let errors = json?["validationErrors"] as? [String: Any] {
                for key in errors.keys.sorted() {
                    let text = (errors[key] as? String) ?? ((errors[key] as? [String])?.joined(separator: " ")) ?? "refused"
                    reasons.append(.init(field: key, message: text))
                }
            }
            let details = reasons.map { "\($0.field): \($0.message)" }
            return ConnectorError(.rejected, "Dinero refused \(what): \(message)\(details.isEmpty ? "" : " " + details.joined(separator: "; "))",
                                  status: answer.status, fields: reasons.map(\.field), reasons: reasons)
        case 404:
            return ConnectorError(.notFound, "Dinero has no \(what.split(separator: " ").last ?? ""): \(message)", status: 404)
        default:
            return ConnectorError(.badResponse, "Dinero answered \(what) with \(answer.status): \(message)", status: answer.status)
        }
    }
}
