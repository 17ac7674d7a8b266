import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SyncCore

/// What a new e-conomic customer needs beyond our fields: e-conomic refuses a customer
/// without a currency, a customer group, payment terms and a VAT zone.
public struct EconomicDefaults: Sendable, Codable, Hashable {
    public var currency: String
    public var customerGroup: Int
    public var paymentTerms: Int
    public var vatZone: Int

    public init(currency: String, customerGroup: Int, paymentTerms: Int, vatZone: Int) {
        self.currency = currency
        self.customerGroup = customerGroup
        self.paymentTerms = paymentTerms
        self.vatZone = vatZone
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
    /// Further attempts after a 429, a 5xx or no reply.
    public var retries = 5
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
    public let system = "e-conomic"
    public var baseURL: String { settings.baseURL.absoluteString }
    let settings: EconomicSettings
    let http: EconomicHTTP
    /// Contact names already read, by customer and contact number (one request each, once).
    private var contactNames: [String: String] = [:]
    private let lock = NSLock()

    public init(settings: EconomicSettings) {
        self.settings = settings
        http = EconomicHTTP(settings: settings)
    }

    /// Requests sent so far, retries included.
    public var requestCount: Int { http.requestCount }

    public func verify() throws(ConnectorError) {
        let (status, body) = try http.idempotent("GET", "customers", query: [URLQueryItem(name: "skippages", value: "0"), URLQueryItem(name: "pagesize", value: "1")])
        guard status == 200 else { throw Self.failure(status, body, "GET /customers") }
    }

    public func pull(changedSince: String?, onPage: (RemotePage) throws -> Void) throws {
        var skip = 0
        while true {
            var query = [URLQueryItem(name: "skippages", value: String(skip)), URLQueryItem(name: "pagesize", value: String(settings.pageSize))]
            if let changedSince { query.append(URLQueryItem(name: "filter", value: "lastUpdated$gte:\(changedSince)")) }
            let (status, body) = try http.idempotent("GET", "customers", query: query)
            guard status == 200 else { throw Self.failure(status, body, "GET /customers") }
            guard let page = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                  let collection = page["collection"] as? [[String: Any]] else {
                throw ConnectorError(.badResponse, "e-conomic's customer page \(skip) is not a collection")
            }
            let pagination = page["pagination"] as? [String: Any]
            let customers = try collection.map { json throws(ConnectorError) in try remote(json) }
            try onPage(RemotePage(customers: customers, index: skip, total: (pagination?["results"] as? NSNumber)?.intValue))
            if pagination?["nextPage"] == nil || collection.isEmpty { return }
            skip += 1
        }
    }

    public func fetch(number: String) throws(ConnectorError) -> RemoteCustomer? {
        guard let json = try fetchJSON(number: number) else { return nil }
        return try remote(json)
    }

    func fetchJSON(number: String) throws(ConnectorError) -> [String: Any]? {
        let (status, body) = try http.idempotent("GET", "customers/\(number)")
        if status == 404 { return nil }
        guard status == 200 else { throw Self.failure(status, body, "GET /customers/\(number)") }
        guard let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw ConnectorError(.badResponse, "e-conomic's customer \(number) is not a JSON object")
        }
        return json
    }

    public func create(number: String, fields: CustomerFields) throws(ConnectorError) -> RemoteCustomer {
        guard let numeric = Int(number) else { throw ConnectorError(.rejected, "\(number) is not an e-conomic customer number", fields: ["customerNumber"]) }
        var json: [String: Any] = [
            "customerNumber": numeric,
            "currency": settings.defaults.currency,
            "customerGroup": ["customerGroupNumber": settings.defaults.customerGroup],
            "paymentTerms": ["paymentTermsNumber": settings.defaults.paymentTerms],
            "vatZone": ["vatZoneNumber": settings.defaults.vatZone],
        ]
        var withoutContact = fields
        withoutContact.contact = nil
        Self.write(withoutContact, into: &json, except: [.contact])
        let body = try Self.encode(json)
        var created: RemoteCustomer?
        var lastProblem = ""
        attempts: for attempt in 0...settings.retries {
            switch http.exchange("POST", "customers", body: body) {
            case .answered(let status, let data, _) where status == 200 || status == 201:
                guard let reply = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw ConnectorError(.badResponse, "e-conomic's reply to creating customer \(number) is not a JSON object")
                }
                created = try remote(reply)
                break attempts
            case .answered(let status, _, let retryAfter) where EconomicHTTP.isTransient(status):
                // A 5xx may have landed: look before sending again.
                lastProblem = "e-conomic answered \(status)"
                if let landed = try adoptIfLanded(number: number, fields: fields) { created = landed; break attempts }
                if attempt < settings.retries { http.backoff(attempt, retryAfter: retryAfter) }
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
                if attempt < settings.retries { http.backoff(attempt, retryAfter: nil) }
            }
        }
        guard let created else {
            throw ConnectorError(.unavailable, "e-conomic did not take customer \(number) after \(settings.retries + 1) attempts: \(lastProblem)")
        }
        // The contact person is a contact of the customer: only now can it be made.
        if fields.contact != nil && created.fields.contact != fields.contact {
            return try update(number: number, changes: [.contact: fields.contact], expected: nil).customer
        }
        return created
    }

    /// The customer `number` if it is there and is the one we meant to create (same name
    /// after normalisation): what an earlier attempt landed.
    func adoptIfLanded(number: String, fields: CustomerFields) throws(ConnectorError) -> RemoteCustomer? {
        guard let existing = try fetch(number: number) else { return nil }
        return Normalize.comparable(.name, existing.fields.name) == Normalize.comparable(.name, fields.name) ? existing : nil
    }

    public func update(number: String, changes: [SyncField: String?], expected: CustomerFields?) throws(ConnectorError) -> RemoteUpdate {
        guard var json = try fetchJSON(number: number) else {
            throw ConnectorError(.notFound, "customer \(number) is not in e-conomic (deleted there?); pull to see", status: 404)
        }
        let before = try remote(json)
        var fields = before.fields
        var skipped: Set<SyncField> = []
        for (field, value) in changes {
            // Changed in e-conomic since we last saw it: theirs stays, for the pull to show.
            if let expected, Normalize.comparable(field, before.fields[field]) != Normalize.comparable(field, Self.asRead(field, expected[field])) {
                skipped.insert(field)
                continue
            }
            fields[field] = value
        }
        guard fields != before.fields else { return RemoteUpdate(customer: before, skipped: skipped) }
        Self.write(fields, into: &json, except: [.contact])
        if fields.contact != before.fields.contact {
            if let name = fields.contact {
                json["attention"] = ["customerContactNumber": try contactNumber(customer: number, name: name)]
            } else {
                json.removeValue(forKey: "attention")
            }
        }
        json.removeValue(forKey: "self")
        let (status, body) = try http.idempotent("PUT", "customers/\(number)", body: try Self.encode(json))
        guard status == 200 || status == 201 else { throw Self.failure(status, body, "PUT /customers/\(number)") }
        guard let reply = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw ConnectorError(.badResponse, "e-conomic's reply to updating customer \(number) is not a JSON object")
        }
        return RemoteUpdate(customer: try remote(reply), skipped: skipped)
    }

    /// A value of ours as e-conomic would give it back (a country code is written as its name).
    static func asRead(_ field: SyncField, _ value: String?) -> String? {
        guard let value else { return nil }
        return field == .country ? Country.danishName(value) : value
    }

    // MARK: Contacts

    /// The number of the customer's contact called `name`, created when there is none.
    func contactNumber(customer: String, name: String) throws(ConnectorError) -> Int {
        let (status, body) = try http.idempotent("GET", "customers/\(customer)/contacts", query: [URLQueryItem(name: "pagesize", value: "1000")])
        guard status == 200 else { throw Self.failure(status, body, "GET /customers/\(customer)/contacts") }
        let contacts = ((try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["collection"] as? [[String: Any]]) ?? []
        for contact in contacts where Normalize.comparable(.contact, contact["name"] as? String) == Normalize.comparable(.contact, name) {
            if let n = (contact["customerContactNumber"] as? NSNumber)?.intValue { return n }
        }
        let (created, reply) = try http.idempotent("POST", "customers/\(customer)/contacts", body: try Self.encode(["name": name]))
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
        let (status, body) = try http.idempotent("GET", "customers/\(customer)/contacts/\(contact)")
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
        guard let number = Self.text(json["customerNumber"]) else {
            throw ConnectorError(.badResponse, "an e-conomic customer without a customerNumber")
        }
        var fields = CustomerFields()
        for (field, key) in Self.keys { fields[field] = Self.text(json[key]) }
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

    static func text(_ value: Any?) -> String? {
        switch value {
        case let s as String: return Normalize.clean(s)
        case let n as NSNumber: return n.stringValue
        default: return nil
        }
    }

    static func encode(_ json: [String: Any]) throws(ConnectorError) -> Data {
        do {
            return try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        } catch {
            throw ConnectorError(.badResponse, "a customer could not be written as JSON")
        }
    }

    /// A final non-2xx answer, in e-conomic's own words.
    static func failure(_ status: Int, _ body: Data, _ what: String) -> ConnectorError {
        let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let message = (json?["message"] as? String) ?? HTTPURLResponse.localizedString(forStatusCode: status)
        switch status {
        case 401, 403:
            return ConnectorError(.unauthorized, "e-conomic refused the tokens (\(status)): \(message)", status: status)
        case 400, 422:
            let errors = json?["errors"] as? [String: Any] ?? [:]
            let fields = errors.keys.sorted()
            let details = fields.compactMap { key -> String? in
                let list = (errors[key] as? [String: Any])?["errors"] as? [[String: Any]]
                return list?.compactMap { $0["errorMessage"] as? String }.joined(separator: " ").nonEmpty.map { "\(key): \($0)" }
            }
            return ConnectorError(.rejected, "e-conomic refused \(what): \(message)\(details.isEmpty ? "" : " (" + details.joined(separator: "; ") + ")")",
                                  status: status, fields: fields)
        case 404:
            return ConnectorError(.notFound, "e-conomic has no \(what.split(separator: " ").last ?? "")", status: status)
        default:
            return ConnectorError(.badResponse, "e-conomic answered \(what) with \(status): \(message)", status: status)
        }
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
