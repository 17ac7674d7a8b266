import EconomicConnector
import Foundation
import JSONRPC
import SyncCore
import SyncStore

/// `connect`: checks the tokens against the accounting system and stores the connection
/// (tokens sealed, never echoed). Spec: protocol/openrpc.json#connect.
public enum Connect: SyncMethod {
    public static let name = "connect"
    /// One request to the system (with retries): the worker runs it, `ping` is answered.
    public static var scheduling: Scheduling { .long }

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case system, baseUrl, appSecretToken, agreementGrantToken, defaults, timeout }
        var system: System
        var baseUrl: String?
        var appSecretToken: String
        var agreementGrantToken: String
        var defaults: Defaults
        var timeout: Double?
    }

    enum System: String, Sendable, ClosedStringSet { case economic = "e-conomic" }

    /// Values for new customers in Denmark; `eu` and `abroad` override any of them for
    /// customers in another EU member state or elsewhere (the VAT zone defaults to
    /// e-conomic's own zone of that region, never the domestic one).
    struct Defaults: Decodable, Sendable {
        enum CodingKeys: String, CodingKey, CaseIterable { case currency, customerGroup, paymentTerms, vatZone, eu, abroad }
        var currency: String
        var customerGroup: Int
        var paymentTerms: Int
        var vatZone: Int
        var eu: Override?
        var abroad: Override?
    }

    struct Override: Decodable, Sendable {
        enum CodingKeys: String, CodingKey, CaseIterable { case currency, customerGroup, paymentTerms, vatZone }
        var currency: String?
        var customerGroup: Int?
        var paymentTerms: Int?
        var vatZone: Int?
    }

    /// A currency as e-conomic writes it, or `InvalidParams` at `path`.
    static func currency(_ value: String, path: String) throws -> String {
        let currency = value.uppercased()
        guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw RPCError.invalidParams("currency must be a three-letter ISO 4217 code such as DKK (got '\(value)')", path: path)
        }
        return currency
    }

    /// A number of something in e-conomic (a customer group, payment terms, a VAT zone).
    static func reference(_ value: Int?, _ name: String, path: String) throws {
        if let value, value < 1 { throw RPCError.invalidParams("\(name) must be the number of one in e-conomic (1 or more)", path: path) }
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> ConnectionStatus.Result {
        let base = p.baseUrl ?? "https://restapi.e-conomic.com"
        guard let url = URL(string: base), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", url.host != nil else {
            throw RPCError.invalidParams("baseUrl must be an http or https URL (got '\(base)')", path: "baseUrl")
        }
        for (token, path) in [(p.appSecretToken, "appSecretToken"), (p.agreementGrantToken, "agreementGrantToken")]
        where token.trimmingCharacters(in: .whitespaces).isEmpty || token.contains(where: { $0.isNewline }) {
            throw RPCError.invalidParams("\(path) must be a token: not empty, one line", path: path)
        }
        let currency = try Self.currency(p.defaults.currency, path: "defaults.currency")
        for (value, path) in [(p.defaults.customerGroup, "customerGroup"), (p.defaults.paymentTerms, "paymentTerms"), (p.defaults.vatZone, "vatZone")] {
            try reference(value, path, path: "defaults.\(path)")
        }
        var overrides: [EconomicDefaults.Override?] = []
        for (override, region) in [(p.defaults.eu, "eu"), (p.defaults.abroad, "abroad")] {
            guard let override else { overrides.append(nil); continue }
            for (value, path) in [(override.customerGroup, "customerGroup"), (override.paymentTerms, "paymentTerms"), (override.vatZone, "vatZone")] {
                try reference(value, path, path: "defaults.\(region).\(path)")
            }
            overrides.append(EconomicDefaults.Override(currency: try override.currency.map { try Self.currency($0, path: "defaults.\(region).currency") },
                                                       customerGroup: override.customerGroup, paymentTerms: override.paymentTerms, vatZone: override.vatZone))
        }
        if let timeout = p.timeout, !(0.1...600).contains(timeout) {
            throw RPCError.invalidParams("timeout is seconds from 0.1 to 600", path: "timeout")
        }
        let settings = ConnectionSettings(
            defaults: .init(currency: currency, customerGroup: p.defaults.customerGroup, paymentTerms: p.defaults.paymentTerms, vatZone: p.defaults.vatZone,
                            eu: overrides[0], abroad: overrides[1]),
            timeout: p.timeout ?? 30)
        _ = try context.connections.connect(context.database, system: p.system.rawValue, baseURL: url,
                                            tokens: .init(appSecretToken: p.appSecretToken, agreementGrantToken: p.agreementGrantToken),
                                            settings: settings)
        context.logger.info("connected to \(p.system.rawValue) at \(url.absoluteString)")
        return try ConnectionStatus.status(context)
    }
}

/// `disconnect`: forgets the connection; the registers and what is queued stay.
public enum Disconnect: SyncMethod {
    public static let name = "disconnect"
    public typealias Params = NoParams

    public static func handle(_ params: NoParams, context: ServiceContext) throws -> EmptyResult {
        try context.connections.disconnect(context.database)
        return EmptyResult()
    }
}

/// `connectionStatus`: the system, base URL, last pull and push, queued changes and the last
/// error; never a token. Answered at once, even during a pull.
public enum ConnectionStatus: SyncMethod {
    public static let name = "connectionStatus"
    public typealias Params = NoParams
    public static var scheduling: Scheduling { .concurrent }

    public struct Result: Encodable, Sendable {
        var system: String?
        var baseUrl: String?
        var connected: Bool
        var lastPull: String?
        var lastPush: String?
        var queued: Int
        var lastError: String?

        enum CodingKeys: String, CodingKey { case system, baseUrl, connected, lastPull, lastPush, queued, lastError }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeOrNull(system, forKey: .system)
            try c.encodeOrNull(baseUrl, forKey: .baseUrl)
            try c.encode(connected, forKey: .connected)
            try c.encodeOrNull(lastPull, forKey: .lastPull)
            try c.encodeOrNull(lastPush, forKey: .lastPush)
            try c.encode(queued, forKey: .queued)
            try c.encodeOrNull(lastError, forKey: .lastError)
        }
    }

    public static func handle(_ params: NoParams, context: ServiceContext) throws -> Result {
        try status(context)
    }

    static func status(_ context: ServiceContext) throws -> Result {
        let stored = try context.database.connection()
        return Result(system: stored?.system, baseUrl: stored?.baseUrl, connected: stored != nil, lastPull: stored?.lastPull,
                      lastPush: stored?.lastPush, queued: try context.database.queuedCount(), lastError: stored?.lastError)
    }
}
