import Foundation
import JSONRPC

/// `Tests/Fixtures/fake_dinero.py` on loopback: Dinero's token endpoint and contacts as its
/// documentation describes them, with test controls under `/__fake/`.
public final class FakeDinero {
    public static let clientId = "isv_test"
    public static let clientSecret = "test-client-secret"
    public static let apiKey = "test-api-key"
    public static let organization = "4711"

    public let server: LoopbackFake
    public var baseURL: String { server.baseURL }

    /// `rate`: requests a window, as `N/SECONDS` (Dinero's is 100/60); `tokenSeconds`: how
    /// long a token lasts.
    public init(rate: String = "100/60", tokenSeconds: Int = 3600, pro: Bool = true) throws {
        server = try LoopbackFake(script: LoopbackFake.fixture("fake_dinero.py"), arguments: [
            "--client-id", Self.clientId, "--client-secret", Self.clientSecret, "--api-key", Self.apiKey,
            "--organization", Self.organization, "--rate", rate, "--token-seconds", String(tokenSeconds),
        ] + (pro ? [] : ["--no-pro"]))
    }

    public func stop() { server.stop() }

    /// The params of `connect` for this fake.
    public func connectParams(apiKey: String = FakeDinero.apiKey, requestsPerMinute: Int? = nil, timeout: Double? = nil) -> JSONValue {
        var params: [String: JSONValue] = [
            "system": "dinero", "baseUrl": .string(baseURL), "authUrl": .string(baseURL + "/dineroapi/oauth/token"),
            "clientId": .string(Self.clientId), "clientSecret": .string(Self.clientSecret), "apiKey": .string(apiKey),
            "organizationId": .string(Self.organization),
        ]
        if let requestsPerMinute { params["requestsPerMinute"] = .int(requestsPerMinute) }
        if let timeout { params["timeout"] = .number(String(timeout)) }
        return .object(params)
    }

    @discardableResult
    public func control(_ method: String, _ path: String, _ body: JSONValue? = nil) throws -> JSONValue { try server.control(method, path, body) }
    public func seed(_ contacts: [JSONValue]) throws { try control("POST", "/__fake/contacts", .array(contacts)) }
    public func faults(_ faults: [JSONValue]) throws { try control("POST", "/__fake/faults", .array(faults)) }
    public func stats() throws -> JSONValue { try control("GET", "/__fake/stats") }
    public func touch(_ guid: String, _ fields: JSONValue) throws { try control("POST", "/__fake/touch", ["guid": .string(guid), "fields": fields]) }

    /// Every contact the fake holds (deleted ones too), by ContactGuid.
    public func contacts() throws -> [String: JSONValue] {
        guard case .array(let items) = try control("GET", "/__fake/contacts") else { return [:] }
        var out: [String: JSONValue] = [:]
        for item in items { if let guid = item["ContactGuid"]?.stringValue { out[guid] = item } }
        return out
    }

    /// The contacts by ExternalReference (our number), deleted ones left out.
    public func byReference() throws -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for contact in try contacts().values where contact["DeletedAt"] == .null {
            if let reference = contact["ExternalReference"]?.stringValue { out[reference] = contact }
        }
        return out
    }

    /// A contact as Dinero holds one.
    public static func contact(_ guid: String, _ name: String, reference: String? = nil, extra: [String: JSONValue] = [:]) -> JSONValue {
        var c: [String: JSONValue] = ["ContactGuid": .string(guid), "Name": .string(name), "CountryKey": "DK", "IsPerson": false,
                                      "PaymentConditionType": "Netto", "PaymentConditionNumberOfDays": 8]
        if let reference { c["ExternalReference"] = .string(reference) }
        for (k, v) in extra { c[k] = v }
        return .object(c)
    }
}
