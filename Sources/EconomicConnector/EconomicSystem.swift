import Foundation
import SyncCore

/// e-conomic as a system `connect` offers: `{system: "e-conomic", appSecretToken,
/// agreementGrantToken, defaults: {currency, customerGroup, paymentTerms, vatZone, eu?,
/// abroad?}}`. The two tokens are the credentials; the defaults are the settings.
public struct EconomicSystem: RemoteSystem {
    public init() {}

    public let name = "e-conomic"
    public var defaultBaseURL: URL { EconomicSettings.defaultBaseURL }
    public var parameterNames: [String] { ConnectParams.CodingKeys.allCases.map(\.rawValue) }

    public struct ConnectParams: Decodable, Sendable {
        enum CodingKeys: String, CodingKey, CaseIterable { case appSecretToken, agreementGrantToken, defaults }
        var appSecretToken: String
        var agreementGrantToken: String
        var defaults: Defaults
    }

    struct Defaults: Decodable, Sendable {
        var currency: String
        var customerGroup: Int
        var paymentTerms: Int
        var vatZone: Int
        var eu: Override?
        var abroad: Override?
    }

    struct Override: Decodable, Sendable {
        var currency: String?
        var customerGroup: Int?
        var paymentTerms: Int?
        var vatZone: Int?
    }

    /// What is stored in clear: the defaults for new customers.
    struct Settings: Codable {
        var defaults: EconomicDefaults
    }

    public func configure(_ p: ConnectParams) throws -> RemoteConfiguration {
        for (token, path) in [(p.appSecretToken, "appSecretToken"), (p.agreementGrantToken, "agreementGrantToken")]
        where token.trimmingCharacters(in: .whitespaces).isEmpty || token.contains(where: { $0.isNewline }) {
            throw ParamsError(path: path, "\(path) must be a token: not empty, one line")
        }
        let currency = try Self.currency(p.defaults.currency, path: "defaults.currency")
        for (value, field) in [(p.defaults.customerGroup, "customerGroup"), (p.defaults.paymentTerms, "paymentTerms"), (p.defaults.vatZone, "vatZone")] {
            try Self.reference(value, field, path: "defaults.\(field)")
        }
        var overrides: [EconomicDefaults.Override?] = []
        for (override, region) in [(p.defaults.eu, "eu"), (p.defaults.abroad, "abroad")] {
            guard let override else { overrides.append(nil); continue }
            for (value, field) in [(override.customerGroup, "customerGroup"), (override.paymentTerms, "paymentTerms"), (override.vatZone, "vatZone")] {
                try Self.reference(value, field, path: "defaults.\(region).\(field)")
            }
            overrides.append(EconomicDefaults.Override(currency: try override.currency.map { try Self.currency($0, path: "defaults.\(region).currency") },
                                                       customerGroup: override.customerGroup, paymentTerms: override.paymentTerms, vatZone: override.vatZone))
        }
        let defaults = EconomicDefaults(currency: currency, customerGroup: p.defaults.customerGroup, paymentTerms: p.defaults.paymentTerms,
                                        vatZone: p.defaults.vatZone, eu: overrides[0], abroad: overrides[1])
        return RemoteConfiguration(credentials: ["appSecretToken": p.appSecretToken, "agreementGrantToken": p.agreementGrantToken],
                                   settings: try JSONEncoder().encode(Settings(defaults: defaults)))
    }

    public func connector(baseURL: URL, credentials: [String: String], settings: Data, timeout: Double) throws -> any RemoteConnector {
        guard let secret = credentials["appSecretToken"], let grant = credentials["agreementGrantToken"] else {
            throw SyncError(.notConnected, "the stored e-conomic tokens are incomplete; connect again")
        }
        let stored = try JSONDecoder().decode(Settings.self, from: settings)
        var economic = EconomicSettings(baseURL: baseURL, appSecretToken: secret, agreementGrantToken: grant, defaults: stored.defaults)
        economic.timeout = timeout
        return EconomicConnector(settings: economic)
    }

    /// A currency as e-conomic writes it (ISO 4217), or a `ParamsError` at `path`.
    static func currency(_ value: String, path: String) throws -> String {
        let currency = value.uppercased()
        guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw ParamsError(path: path, "currency must be a three-letter ISO 4217 code such as DKK (got '\(value)')")
        }
        return currency
    }

    /// The number of something in e-conomic (a customer group, payment terms, a VAT zone).
    static func reference(_ value: Int?, _ name: String, path: String) throws {
        if let value, value < 1 { throw ParamsError(path: path, "\(name) must be the number of one in e-conomic (1 or more)") }
    }
}
