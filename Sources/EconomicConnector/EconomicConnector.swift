import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RemoteHTTP
import SyncCore

/// What a new e-conomic customer needs beyond our fields: e-conomic refuses a customer
/// without a currency, a customer group, payment terms and a VAT zone (its REST docs,
/// Customers, POST /customers: required properties).
///
/// The top-level values are for a customer in Denmark (or of no country); `eu` and `abroad`
/// override any of them for a customer in another member state of the EU or elsewhere, so a
/// customer abroad never gets the domestic VAT zone. Without an override the VAT zone is
/// e-conomic's own: 2 ("EU") and 3 ("Abroad") in every agreement (GET /vat-zones).
public struct EconomicDefaults: Sendable, Codable, Hashable {
    public var currency: String
    public var customerGroup: Int
    public var paymentTerms: Int
    public var vatZone: Int
    public var eu: Override?
    public var abroad: Override?

    /// Values for customers of one region; what is left out is the domestic value (the
    /// VAT zone: e-conomic's zone of that region).
    public struct Override: Sendable, Codable, Hashable {
        public var currency: String?
        public var customerGroup: Int?
        public var paymentTerms: Int?
        public var vatZone: Int?

        public init(currency: String? = nil, customerGroup: Int? = nil, paymentTerms: Int? = nil, vatZone: Int? = nil) {
            self.currency = currency
            self.customerGroup = customerGroup
            self.paymentTerms = paymentTerms
            self.vatZone = vatZone
        }
    }

    /// e-conomic's standard VAT zones (every agreement has them: GET /vat-zones).
    public static let euVatZone = 2
    public static let abroadVatZone = 3
    /// The agreement's own country: e-conomic is a Danish system.
    public static let home = "DK"

    public init(currency: String, customerGroup: Int, paymentTerms: Int, vatZone: Int, eu: Override? = nil, abroad: Override? = nil) {
        self.currency = currency
        self.customerGroup = customerGroup
        self.paymentTerms = paymentTerms
        self.vatZone = vatZone
        self.eu = eu
        self.abroad = abroad
    }

    /// The values for a new customer in `country` (an ISO code, or the system's text when
    /// it names no country we know: then abroad, never domestic).
    public func resolved(for country: String?) -> (currency: String, customerGroup: Int, paymentTerms: Int, vatZone: Int) {
        guard let country, country != Self.home else { return (currency, customerGroup, paymentTerms, vatZone) }
        let inEU = Country.europeanUnion.contains(country)
        let override = inEU ? eu : abroad
        return (override?.currency ?? currency, override?.customerGroup ?? customerGroup, override?.paymentTerms ?? paymentTerms,
                override?.vatZone ?? (inEU ? Self.euVatZone : Self.abroadVatZone))
    }
}

/// How to reach one e-conomic agreement.
public struct EconomicSettings: Sendable {
    public static let defaultBaseURL = URL(string: "https://restapi.e-conomic.com")!

    public var baseURL: URL
    public var appSecretToken: String
    public var agreementGrantToken: String
    public var defaults: EconomicDefaults
    /// Seconds to wait for one reply.
    public var timeout: Double = 30
    /// Customers a page (e-conomic allows at most 1000).
    public var pageSize = 1000
    /// Seconds one call may spend retrying a 429, a 5xx or no reply.
    public var retryBudget = 60.0
    /// The first wait between attempts, in seconds (doubled each time, at most 8 s).
    public var retryBase = 0.25

    public init(baseURL: URL = EconomicSettings.defaultBaseURL, appSecretToken: String, agreementGrantToken: String, defaults: EconomicDefaults) {
        self.baseURL = baseURL
        self.appSecretToken = appSecretToken
        self.agreementGrantToken = agreementGrantToken
        self.defaults = defaults
    }
}

/// e-conomic's `/customers` as a `RemoteConnector`.
///
/// Field mapping: `name`, `address`, `zip`, `city`, `email` and `ean` by name; `phone` is
/// `telephoneAndFaxNumber`, `cvr` `corporateIdentificationNumber`; `country` is free text
/// there (the Danish name is written, any known name is read back as its code); `contact` is
/// `attention`, a reference to one of the customer's contacts: read as that contact's name,
/// written by finding the contact of that name (or creating it) and pointing `attention` at
/// it. Every other field of an e-conomic customer (website, credit limit, mobile phone,
/// barred, layout, its own currency and groups…) is left as e-conomic holds it: an update
/// reads the customer, changes our fields and writes it back whole, as PUT requires.
public final class EconomicConnector: RemoteConnector, @unchecked Sendable {
    // Unchecked: the settings and the client are constants (the client is itself safe); the
    // little mutable state sits behind `lock`.
    public let system = "e-conomic"
    public var baseURL: String { settings.baseURL.absoluteString }
    let settings: EconomicSettings
    let http: HTTPClient
    /// Contact names already read, by customer and contact number (one request each, once).
    private var contactNames: [String: String] = [:]
    private let lock = NSLock()

    public init(settings: EconomicSettings) {
        self.settings = settings
        // REST docs, TL;DR: the two token headers on every request. Retries as e-conomic says
        // is worth it (429 with Retry-After; 500, 502, 503, 504; no reply).
        http = HTTPClient(baseURL: settings.baseURL, system: "e-conomic",
                          headers: ["X-AppSecretToken": settings.appSecretToken, "X-AgreementGrantToken": settings.agreementGrantToken],
                          policy: .init(timeout: settings.timeout, retryBudget: settings.retryBudget, retryBase: settings.retryBase))
    }

    /// A request that may be repeated, retried as the policy says: its status and body.
    func idempotent(_ method: String, _ path: String, query: [URLQueryItem] = [], body: Data? = nil) throws(ConnectorError) -> (status: Int, body: Data) {
        let answer = try http.idempotent(method, path, query: query, body: body)
        return (answer.status, answer.body)
    }

    /// Requests sent so far, retries included.
    public var requestCount: Int { http.requestCount }

    public var traffic: RemoteTraffic {
        RemoteTraffic(requests: http.requestCount, pacedSeconds: http.waited.pacing, retryAfterSeconds: http.waited.retryAfter)
    }

    /// The max lengths of e-conomic's customer properties (REST docs, Customers, GET
    /// /customers: Properties) and of a contact's name (…/contacts).
    public var fieldLimits: [SyncField: Int] {
        [.name: 255, .address: 510, .zip: 30, .city: 50, .country: 50, .email: 255, .phone: 255, .cvr: 40, .ean: 40, .contact: 255]
    }

    public func verify() throws(ConnectorError) {
        let (status, body) = try idempotent("GET", "customers", query: [URLQueryItem(name: "skippages", value: "0"), URLQueryItem(name: "pagesize", value: "1")])
        guard status == 200 else { throw Self.failure(status, body, "GET /customers") }
        try checkDefaults()
    }

    /// Each default for new customers names something the agreement has (REST docs:
    /// GET /currencies/:code, /customer-groups/:n, /payment-terms/:n, /vat-zones/:n, each
    /// 404 when there is none): a wrong one is refused now, naming it, not at the first push.
    func checkDefaults() throws(ConnectorError) {
        let d = settings.defaults
        var checks: [(path: String, what: String, resource: String)] = [
            ("defaults.currency", "currency \(d.currency)", "currencies/\(d.currency)"),
            ("defaults.customerGroup", "customer group \(d.customerGroup)", "customer-groups/\(d.customerGroup)"),
            ("defaults.paymentTerms", "payment terms \(d.paymentTerms)", "payment-terms/\(d.paymentTerms)"),
            ("defaults.vatZone", "VAT zone \(d.vatZone)", "vat-zones/\(d.vatZone)"),
        ]
        for (name, override, zone) in [("eu", d.eu, EconomicDefaults.euVatZone), ("abroad", d.abroad, EconomicDefaults.abroadVatZone)] {
            if let c = override?.currency { checks.append(("defaults.\(name).currency", "currency \(c)", "currencies/\(c)")) }
            if let g = override?.customerGroup { checks.append(("defaults.\(name).customerGroup", "customer group \(g)", "customer-groups/\(g)")) }
            if let t = override?.paymentTerms { checks.append(("defaults.\(name).paymentTerms", "payment terms \(t)", "payment-terms/\(t)")) }
            let z = override?.vatZone ?? zone
            checks.append(("defaults.\(name).vatZone", "VAT zone \(z)", "vat-zones/\(z)"))
        }
        var looked: Set<String> = []
        for check in checks where looked.insert(check.resource).inserted {
            let (status, body) = try idempotent("GET", check.resource)
            if status == 404 {
                var refused = ConnectorError(.rejected, "e-conomic has no \(check.what) (GET /\(check.resource) answered 404): give one the agreement has",
                                             status: 404, fields: [check.path], reasons: [.init(field: check.path, message: "e-conomic has no \(check.what)")])
                refused.param = check.path
                throw refused
            }
            guard status == 200 else { throw Self.failure(status, body, "GET /\(check.resource)") }
        }
    }

    public func pull(since mark: String?, onPage: (RemotePage) throws -> Void) throws -> RemotePull {
        // The mark the next pull starts from is the newest change the register holds *before*
        // this one reads anything: a customer changed while the pages are read has a newer
        // `lastUpdated`, so the next pull reads it again. (The newest change seen in the pages
        // would pass over one changed on an early page after it was read.)
        let next = try newestChange() ?? mark
        var skip = 0
        // A fixed order on every page (REST docs, Sorting; customerNumber is sortable), so the
        // pages of one pull do not overlap or leave gaps while nothing changes. A customer
        // deleted meanwhile shifts the rest; the service confirms each apparent deletion.
        var sort = true
        while true {
            var query = [URLQueryItem(name: "skippages", value: String(skip)), URLQueryItem(name: "pagesize", value: String(settings.pageSize))]
            if sort { query.append(URLQueryItem(name: "sort", value: "customerNumber")) }
            if let mark { query.append(URLQueryItem(name: "filter", value: "lastUpdated$gte:\(mark)")) }
            let (status, body) = try idempotent("GET", "customers", query: query)
            if status == 400 && sort && skip == 0 {
                // An endpoint that will not sort (REST docs: 400 for what is not sortable):
                // its default order, which is by number.
                sort = false
                continue
            }
            guard status == 200 else { throw Self.failure(status, body, "GET /customers") }
            guard let page = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                  let collection = page["collection"] as? [[String: Any]] else {
                throw ConnectorError(.badResponse, "e-conomic's customer page \(skip) is not a collection")
            }
            let pagination = page["pagination"] as? [String: Any]
            let customers = try collection.map { json throws(ConnectorError) in try remote(json) }
            try onPage(RemotePage(customers: customers, index: skip, total: (pagination?["results"] as? NSNumber)?.intValue))
            // e-conomic has no feed of deletions: a full pull finds them (REST docs, Customers).
            if pagination?["nextPage"] == nil || collection.isEmpty { return RemotePull(mark: next) }
            skip += 1
        }
    }

    /// The `lastUpdated` of the customer changed last, or nil when there is none.
    func newestChange() throws(ConnectorError) -> String? {
        let query = [URLQueryItem(name: "skippages", value: "0"), URLQueryItem(name: "pagesize", value: "1"), URLQueryItem(name: "sort", value: "-lastUpdated")]
        let (status, body) = try idempotent("GET", "customers", query: query)
        // A system that cannot sort so: no mark from here; the old one stays.
        if status == 400 { return nil }
        guard status == 200 else { throw Self.failure(status, body, "GET /customers") }
        let page = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        return ((page?["collection"] as? [[String: Any]])?.first?["lastUpdated"]) as? String
    }

    /// e-conomic's key is the customer number.
    public func fetch(key number: String) throws(ConnectorError) -> RemoteCustomer? {
        guard let json = try fetchJSON(number: number) else { return nil }
        return try remote(json)
    }

    func fetchJSON(number: String) throws(ConnectorError) -> [String: Any]? {
        let (status, body) = try idempotent("GET", "customers/\(number)")
        if status == 404 { return nil }
        guard status == 200 else { throw Self.failure(status, body, "GET /customers/\(number)") }
        guard let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw ConnectorError(.badResponse, "e-conomic's customer \(number) is not a JSON object")
        }
        return json
    }

    public func create(number: String, fields: CustomerFields) throws(ConnectorError) -> RemoteCustomer {
        guard let numeric = Int(number) else { throw ConnectorError(.rejected, "\(number) is not an e-conomic customer number", fields: ["customerNumber"]) }
        let defaults = settings.defaults.resolved(for: fields.country)
        var json: [String: Any] = [
            "customerNumber": numeric,
            "currency": defaults.currency,
            "customerGroup": ["customerGroupNumber": defaults.customerGroup],
            "paymentTerms": ["paymentTermsNumber": defaults.paymentTerms],
            "vatZone": ["vatZoneNumber": defaults.vatZone],
        ]
        var withoutContact = fields
        withoutContact.contact = nil
        Self.write(withoutContact, into: &json, except: [.contact])
        let body = try JSONBody.encode(json, what: "a customer")
        var created: RemoteCustomer?
        var lastProblem = ""
        let started = ContinuousClock.now
        var attempt = 0
        attempts: while true {
            switch http.exchange("POST", "customers", body: body) {
            case .answered(let status, let data, _) where status == 200 || status == 201:
                guard let reply = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw ConnectorError(.badResponse, "e-conomic's reply to creating customer \(number) is not a JSON object")
                }
                created = try remote(reply)
                break attempts
            case .answered(let status, _, let headers) where HTTPClient.isTransient(status):
                // A 5xx may have landed: look before sending again (a 429 was not taken).
                lastProblem = "e-conomic answered \(status)"
                if status != 429, let landed = try adoptIfLanded(number: number, fields: fields) { created = landed; break attempts }
                guard http.wait(attempt, retryAfter: HTTPClient.retryAfter(headers["retry-after"]), since: started) else { break attempts }
            case .answered(let status, let data, _):
                let failure = Self.failure(status, data, "POST /customers")
                if failure.kind == .rejected, failure.fields == ["customerNumber"] {
                    // In use: ours if an earlier attempt (a lost reply, a crash) landed it.
                    if let landed = try adoptIfLanded(number: number, fields: fields) { created = landed; break attempts }
                    throw ConnectorError(.numberTaken, "customer number \(number) is in use in e-conomic by another customer", status: status, fields: ["customerNumber"])
                }
                throw failure
            case .noReply(let reason):
                lastProblem = reason
                if let landed = try adoptIfLanded(number: number, fields: fields) { created = landed; break attempts }
                guard attempt + 1 < http.policy.noReplyAttempts, http.wait(attempt, retryAfter: nil, since: started) else { break attempts }
            }
            attempt += 1
        }
        guard let created else {
            throw ConnectorError(.unavailable, "e-conomic did not take customer \(number) after \(attempt + 1) attempt(s): \(lastProblem)")
        }
        // The contact person is a contact of the customer: only now can it be made.
        if fields.contact != nil && created.fields.contact != fields.contact {
            return try update(key: number, changes: [.contact: fields.contact], expected: nil).customer
        }
        return created
    }

    /// The customer `number` if it is there and is the one we meant to create (same name
    /// after normalisation): what an earlier attempt landed.
    func adoptIfLanded(number: String, fields: CustomerFields) throws(ConnectorError) -> RemoteCustomer? {
        guard let existing = try fetch(key: number) else { return nil }
        return Normalize.comparable(.name, existing.fields.name) == Normalize.comparable(.name, fields.name) ? existing : nil
    }

    public func update(key number: String, changes: [SyncField: String?], expected: CustomerFields?) throws(ConnectorError) -> RemoteUpdate {
        guard var json = try fetchJSON(number: number) else {
            throw ConnectorError(.notFound, "customer \(number) is not in e-conomic (deleted there?); pull to see", status: 404)
        }
        let before = try remote(json)
        var fields = before.fields
        var skipped: Set<SyncField> = []
        var written: [SyncField: String?] = [:]
        for (field, value) in changes {
            // Changed in e-conomic since we last saw it: theirs stays, for the pull to show.
            // Compared as read (a country as its code), so "Denmark" there is the "DK" we saw.
            if let expected, Normalize.comparable(field, before.fields[field]) != Normalize.comparable(field, expected[field]) {
                skipped.insert(field)
                continue
            }
            fields[field] = value
            written[field] = value
        }
        guard fields != before.fields else { return RemoteUpdate(customer: before, skipped: skipped) }
        // Only what changed is written: every other property, our fields among them, stays as
        // e-conomic holds it, spelling and all (PUT replaces the whole customer: REST docs,
        // HTTP Verbs).
        for (field, value) in written where field != .contact {
            guard let key = Self.keys[field] else { continue }
            if let value { json[key] = field == .country ? Country.danishName(value) : value } else { json.removeValue(forKey: key) }
        }
        if fields.contact != before.fields.contact {
            if let name = fields.contact {
                json["attention"] = ["customerContactNumber": try contactNumber(customer: number, name: name)]
            } else {
                json.removeValue(forKey: "attention")
            }
        }
        json.removeValue(forKey: "self")
        let (status, body) = try idempotent("PUT", "customers/\(number)", body: try JSONBody.encode(json, what: "a customer"))
        guard status == 200 || status == 201 else { throw Self.failure(status, body, "PUT /customers/\(number)") }
        guard let reply = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw ConnectorError(.badResponse, "e-conomic's reply to updating customer \(number) is not a JSON object")
        }
        return RemoteUpdate(customer: try remote(reply), skipped: skipped)
    }

    // MARK: Contacts

    /// The number of the customer's contact called `name`, created when there is none.
    func contactNumber(customer: String, name: String) throws(ConnectorError) -> Int {
        let (status, body) = try idempotent("GET", "customers/\(customer)/contacts", query: [URLQueryItem(name: "pagesize", value: "1000")])
        guard status == 200 else { throw Self.failure(status, body, "GET /customers/\(customer)/contacts") }
        let contacts = ((try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["collection"] as? [[String: Any]]) ?? []
        for contact in contacts where Normalize.comparable(.contact, contact["name"] as? String) == Normalize.comparable(.contact, name) {
            if let n = (contact["customerContactNumber"] as? NSNumber)?.intValue { return n }
        }
        let (created, reply) = try idempotent("POST", "customers/\(customer)/contacts", body: try JSONBody.encode(["name": name], what: "a customer"))
        guard created == 200 || created == 201,
              let json = try? JSONSerialization.jsonObject(with: reply) as? [String: Any],
              let n = (json["customerContactNumber"] as? NSNumber)?.intValue else {
            throw Self.failure(created, reply, "POST /customers/\(customer)/contacts")
        }
        remember(customer: customer, contact: n, name: name)
        return n
    }

    func contactName(customer: String, contact: Int) throws(ConnectorError) -> String? {
        let key = "\(customer)/\(contact)"
        lock.lock()
        let known = contactNames[key]
        lock.unlock()
        if let known { return known }
        let (status, body) = try idempotent("GET", "customers/\(customer)/contacts/\(contact)")
        if status == 404 { return nil }
        guard status == 200 else { throw Self.failure(status, body, "GET /customers/\(customer)/contacts/\(contact)") }
        let name = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["name"] as? String
        if let name { remember(customer: customer, contact: contact, name: name) }
        return name
    }

    private func remember(customer: String, contact: Int, name: String) {
        lock.lock()
        contactNames["\(customer)/\(contact)"] = name
        lock.unlock()
    }

    // MARK: Mapping

    /// e-conomic's names for our fields (contact is `attention`, handled apart).
    static let keys: [SyncField: String] = [
        .name: "name", .address: "address", .zip: "zip", .city: "city", .country: "country", .email: "email",
        .phone: "telephoneAndFaxNumber", .cvr: "corporateIdentificationNumber", .ean: "ean",
    ]

    /// A customer object as our fields.
    func remote(_ json: [String: Any]) throws(ConnectorError) -> RemoteCustomer {
        guard let number = JSONBody.text(json["customerNumber"]) else {
            throw ConnectorError(.badResponse, "an e-conomic customer without a customerNumber")
        }
        var fields = CustomerFields()
        for (field, key) in Self.keys { fields[field] = JSONBody.text(json[key]) }
        // Free text there ("Danmark", "Denmark", "Sverige", "DK"): its code where it names a
        // country, else the text as it is (which then carries a warning).
        fields.country = fields.country.map(Country.normalize)
        if let attention = json["attention"] as? [String: Any], let contact = (attention["customerContactNumber"] as? NSNumber)?.intValue {
            fields.contact = try contactName(customer: number, contact: contact)
        }
        return RemoteCustomer(number: number, fields: fields, lastUpdated: json["lastUpdated"] as? String)
    }

    /// Our fields into a customer object (a field without a value is removed: PUT replaces).
    static func write(_ fields: CustomerFields, into json: inout [String: Any], except: Set<SyncField>) {
        for (field, key) in keys where !except.contains(field) {
            if let value = fields[field] {
                json[key] = field == .country ? Country.danishName(value) : value
            } else {
                json.removeValue(forKey: key)
            }
        }
    }


    /// A final non-2xx answer, in e-conomic's own words: its `message`, and for a refused
    /// request each property's reasons from the annotated errors (REST docs, "Annotated
    /// errors": `errors` mirrors the request, each refused property holding `errors: [{
    /// errorCode, message, value, developerHint}]`, nested objects and `arrayIndex`ed arrays
    /// alike).
    static func failure(_ status: Int, _ body: Data, _ what: String) -> ConnectorError {
        let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let message = (json?["message"] as? String).flatMap(Normalize.clean) ?? HTTPURLResponse.localizedString(forStatusCode: status)
        switch status {
        case 401:
            // REST docs, HTTP Status Codes: wrong credentials, or a grant the agreement revoked.
            return ConnectorError(.unauthorized, "e-conomic refused the tokens (401: an app secret or agreement grant token it does not know, or a grant the agreement has revoked): \(message)", status: status)
        case 403:
            // REST docs: authorised, but the roles the grant was issued with do not allow this.
            return ConnectorError(.unauthorized, "e-conomic denied \(what) (403): the app's grant lacks a role this needs; have the agreement grant the app the role for customers again: \(message)", status: status)
        case 400, 422:
            let reasons = annotatedReasons(json?["errors"], path: nil)
            let fields = Array(Set(reasons.map { String($0.field.prefix { $0 != "." && $0 != "[" }) })).sorted()
            let details = reasons.map { "\($0.field): \($0.message)\($0.code.map { " [\($0)]" } ?? "")" }
            return ConnectorError(.rejected, "e-conomic refused \(what): \(message)\(details.isEmpty ? "" : " " + details.joined(separator: "; "))",
                                  status: status, fields: fields, reasons: reasons)
        case 404:
            return ConnectorError(.notFound, "e-conomic has no \(what.split(separator: " ").last ?? ""): \(message)", status: status)
        default:
            return ConnectorError(.badResponse, "e-conomic answered \(what) with \(status): \(message)", status: status)
        }
    }

    /// The reasons in an annotated `errors` document, each under its property's path
    /// (`customerGroup`, `lines[0].unit`). Each error's `message` is read, as documented;
    /// `errorMessage`, which older answers have used, when there is no `message`.
    static func annotatedReasons(_ node: Any?, path: String?) -> [ConnectorError.Reason] {
        var out: [ConnectorError.Reason] = []
        if let object = node as? [String: Any] {
            for key in object.keys.sorted() where key != "arrayIndex" {
                let value = object[key]
                if key == "errors", let list = value as? [[String: Any]] {
                    for error in list {
                        let text = (error["message"] as? String) ?? (error["errorMessage"] as? String) ?? (error["developerHint"] as? String) ?? "refused"
                        out.append(.init(field: path ?? "request", message: text, code: (error["errorCode"] as? String) ?? (error["errorCode"] as? NSNumber)?.stringValue))
                    }
                } else {
                    out += annotatedReasons(value, path: path.map { "\($0).\(key)" } ?? key)
                }
            }
        } else if let array = node as? [Any] {
            for (position, item) in array.enumerated() {
                let index = ((item as? [String: Any])?["arrayIndex"] as? NSNumber)?.intValue ?? position
                out += annotatedReasons(item, path: "\(path ?? "")[\(index)]")
            }
        }
        return out
    }
}
