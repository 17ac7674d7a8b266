import Foundation
import SyncCore

/// Dinero as a system `connect` offers: `{system: "dinero", baseUrl?, authUrl?, clientId,
/// clientSecret, apiKey, organizationId, requestsPerMinute?}`. The client secret and the
/// organisation's API key are the credentials; the rest are settings.
public struct DineroSystem: RemoteSystem {
    public init() {}

    public let name = "dinero"
    public var defaultBaseURL: URL { DineroSettings.defaultBaseURL }
    public var parameterNames: [String] { ConnectParams.CodingKeys.allCases.map(\.rawValue) }

    public struct ConnectParams: Decodable, Sendable {
        enum CodingKeys: String, CodingKey, CaseIterable { case authUrl, clientId, clientSecret, apiKey, organizationId, requestsPerMinute }
        var authUrl: String?
        var clientId: String
        var clientSecret: String
        var apiKey: String
        var organizationId: String
        var requestsPerMinute: Int?
    }

    struct Settings: Codable {
        var authUrl: String
        var clientId: String
        var organizationId: String
        var requestsPerMinute: Int
    }

    public func configure(_ p: ConnectParams) throws -> RemoteConfiguration {
        for (value, path) in [(p.clientId, "clientId"), (p.clientSecret, "clientSecret"), (p.apiKey, "apiKey")]
        where value.trimmingCharacters(in: .whitespaces).isEmpty || value.contains(where: { $0.isNewline }) {
            throw ParamsError(path: path, "\(path) must be a token: not empty, one line")
        }
        // Dinero's organisation ids are numbers (its docs: "firmaID", part of app.dinero.dk's URLs).
        guard !p.organizationId.isEmpty, p.organizationId.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ParamsError(path: "organizationId", "organizationId must be the organisation's number in Dinero (got '\(p.organizationId)')")
        }
        let auth = p.authUrl ?? DineroSettings.defaultAuthURL.absoluteString
        guard let authURL = URL(string: auth), RemoteURL.isAllowed(authURL) else {
            throw ParamsError(path: "authUrl", "authUrl must be https (plain http only to this machine) (got '\(auth)')")
        }
        let rate = p.requestsPerMinute ?? DineroSettings.documentedRequestsPerMinute
        guard (1...DineroSettings.documentedRequestsPerMinute * 100).contains(rate) else {
            throw ParamsError(path: "requestsPerMinute", "requestsPerMinute is 1 or more (Dinero allows 100)")
        }
        return RemoteConfiguration(credentials: ["clientSecret": p.clientSecret, "apiKey": p.apiKey],
                                   settings: try JSONEncoder().encode(Settings(authUrl: auth, clientId: p.clientId, organizationId: p.organizationId,
                                                                               requestsPerMinute: rate)))
    }

    public func connector(baseURL: URL, credentials: [String: String], settings: Data, timeout: Double) throws -> any RemoteConnector {
        guard let secret = credentials["clientSecret"], let apiKey = credentials["apiKey"] else {
            throw SyncError(.notConnected, "the stored Dinero credentials are incomplete; connect again")
        }
        let stored = try JSONDecoder().decode(Settings.self, from: settings)
        guard let authURL = URL(string: stored.authUrl) else { throw SyncError(.notConnected, "the stored connection is damaged; connect again") }
        var dinero = DineroSettings(baseURL: baseURL, authURL: authURL, clientId: stored.clientId, clientSecret: secret, apiKey: apiKey,
                                    organizationId: stored.organizationId)
        dinero.timeout = timeout
        dinero.requestsPerMinute = stored.requestsPerMinute
        return DineroConnector(settings: dinero)
    }
}
