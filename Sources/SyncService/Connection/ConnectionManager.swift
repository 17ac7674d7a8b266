import EconomicConnector
import Foundation
import SyncCore
import SyncStore

/// What is stored beside the sealed tokens: the connector's settings.
struct ConnectionSettings: Codable, Sendable, Equatable {
    var defaults: EconomicDefaults
    /// Seconds to wait for one reply.
    var timeout: Double
}

/// The live connector: made from the stored connection on first use (so a restarted server
/// pushes what is queued without a new `connect`), dropped on `disconnect`.
final class ConnectionManager: @unchecked Sendable {
    let vault: TokenVault
    private let lock = NSLock()
    private var live: (connection: StoredConnection, connector: any RemoteConnector)?
    /// How a connector is made (tests may make another).
    let make: @Sendable (_ baseURL: URL, _ tokens: TokenVault.Tokens, _ settings: ConnectionSettings) -> any RemoteConnector

    init(vault: TokenVault, make: @escaping @Sendable (URL, TokenVault.Tokens, ConnectionSettings) -> any RemoteConnector = ConnectionManager.economic) {
        self.vault = vault
        self.make = make
    }

    static func economic(_ baseURL: URL, _ tokens: TokenVault.Tokens, _ settings: ConnectionSettings) -> any RemoteConnector {
        var economic = EconomicSettings(baseURL: baseURL, appSecretToken: tokens.appSecretToken,
                                        agreementGrantToken: tokens.agreementGrantToken, defaults: settings.defaults)
        economic.timeout = settings.timeout
        return EconomicConnector(settings: economic)
    }

    /// The connector of the stored connection, or `NotConnected`.
    func connector(_ database: AppDatabase) throws -> (StoredConnection, any RemoteConnector) {
        guard let stored = try database.connection() else {
            throw SyncError(.notConnected, "no connection to an accounting system: call connect first")
        }
        lock.lock()
        defer { lock.unlock() }
        if let live, live.connection.baseUrl == stored.baseUrl, live.connection.sealedTokens == stored.sealedTokens {
            return (stored, live.connector)
        }
        let tokens = try vault.open(stored.sealedTokens)
        guard let url = URL(string: stored.baseUrl),
              let settings = try? JSONDecoder().decode(ConnectionSettings.self, from: Data(stored.settings.utf8)) else {
            throw SyncError(.notConnected, "the stored connection is damaged; connect again")
        }
        let connector = make(url, tokens, settings)
        live = (stored, connector)
        return (stored, connector)
    }

    /// Checks the tokens against the system, then stores the connection (tokens sealed).
    func connect(_ database: AppDatabase, system: String, baseURL: URL, tokens: TokenVault.Tokens, settings: ConnectionSettings) throws -> StoredConnection {
        let connector = make(baseURL, tokens, settings)
        do {
            try connector.verify()
        } catch let error where error.kind == .rejected && error.fields.count == 1 && error.fields[0].hasPrefix("defaults.") {
            // A default that names nothing the system has: the param at fault, by its path.
            throw ParamsError(path: error.fields[0], error.message)
        } catch {
            throw SyncError(error)
        }
        let stored = StoredConnection(system: system, baseUrl: baseURL.absoluteString, sealedTokens: try vault.seal(tokens),
                                      settings: String(decoding: try JSONEncoder().encode(settings), as: UTF8.self))
        try database.saveConnection(stored)
        lock.lock()
        live = (stored, connector)
        lock.unlock()
        return stored
    }

    func disconnect(_ database: AppDatabase) throws {
        try database.removeConnection()
        lock.lock()
        live = nil
        lock.unlock()
    }
}

extension SyncError {
    /// A connector's failure as a domain error: `Unauthorized` (bad tokens, naming the
    /// cause), `RemoteUnavailable` (no answer after the retries: try later), `RemoteRejected`
    /// (the system refused the data: its own message, and the fields it named).
    init(_ error: ConnectorError) {
        var details: [String: Detail] = [:]
        if let status = error.status { details["status"] = .int(status) }
        if !error.fields.isEmpty { details["fields"] = .strings(error.fields) }
        // The system's own reason for each field, and its code (e-conomic's annotated errors).
        if !error.reasons.isEmpty {
            details["errors"] = .list(error.reasons.map { ["field": .string($0.field), "message": .string($0.message), "errorCode": $0.code.map { .string($0) } ?? .null] })
        }
        switch error.kind {
        case .unauthorized: self.init(.unauthorized, error.message, details: details)
        case .unavailable, .badResponse: self.init(.remoteUnavailable, error.message, details: details)
        case .rejected, .numberTaken, .notFound: self.init(.remoteRejected, error.message, details: details)
        }
    }
}
