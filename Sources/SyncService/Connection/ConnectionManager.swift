import Foundation
import Synchronization
import SyncCore
import SyncStore

/// The live connector: made from the stored connection on first use (so a restarted server
/// pushes what is queued without a new `connect`), dropped on `disconnect`. Which systems
/// there are is given (`systems`): the service names none of them.
final class ConnectionManager: Sendable {
    let vault: TokenVault
    /// The systems `connect` knows, by name.
    let systems: [String: any RemoteSystem]
    private let live = Mutex<(connection: StoredConnection, connector: any RemoteConnector)?>(nil)

    init(vault: TokenVault, systems: [any RemoteSystem]) {
        self.vault = vault
        self.systems = Dictionary(systems.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The seconds to wait for one reply, stored beside the system's settings.
    static func timeout(in settings: Data) -> Double {
        ((try? JSONSerialization.jsonObject(with: settings)) as? [String: Any])?["timeout"] as? Double ?? 30
    }

    /// The connector of the stored connection, or `NotConnected`.
    func connector(_ database: AppDatabase) throws -> (StoredConnection, any RemoteConnector) {
        guard let stored = try database.connection() else {
            throw SyncError(.notConnected, "no connection to an accounting system: call connect first")
        }
        return try live.withLock { live in
            if let live, live.connection.baseUrl == stored.baseUrl, live.connection.sealedTokens == stored.sealedTokens {
                return (stored, live.connector)
            }
            guard let system = systems[stored.system] else {
                throw SyncError(.notConnected, "the stored connection is to \(stored.system), which this build does not know; connect again")
            }
            let tokens = try vault.open(stored.sealedTokens)
            let settings = Data(stored.settings.utf8)
            guard let url = URL(string: stored.baseUrl),
                  let connector = try? system.connector(baseURL: url, credentials: tokens, settings: settings, timeout: Self.timeout(in: settings)) else {
                throw SyncError(.notConnected, "the stored connection is damaged; connect again")
            }
            live = (stored, connector)
            return (stored, connector)
        }
    }

    /// Checks the credentials and settings against the system, then stores the connection
    /// (credentials sealed; settings in clear, with the timeout).
    func connect(_ database: AppDatabase, system: any RemoteSystem, baseURL: URL, configuration: RemoteConfiguration, timeout: Double) throws -> StoredConnection {
        var settings = ((try? JSONSerialization.jsonObject(with: configuration.settings)) as? [String: Any]) ?? [:]
        settings["timeout"] = timeout
        let settingsData = try JSONSerialization.data(withJSONObject: settings, options: [.sortedKeys])
        let connector = try system.connector(baseURL: baseURL, credentials: configuration.credentials, settings: settingsData, timeout: timeout)
        do {
            try connector.verify()
        } catch let error where error.param != nil {
            // A setting that names nothing the system has: the param at fault, by its path.
            throw ParamsError(path: error.param!, error.message)
        } catch {
            throw SyncError(error)
        }
        let stored = StoredConnection(system: system.name, baseUrl: baseURL.absoluteString, sealedTokens: try vault.seal(configuration.credentials),
                                      settings: String(decoding: settingsData, as: UTF8.self))
        try database.saveConnection(stored)
        live.withLock { $0 = (stored, connector) }
        return stored
    }

    func disconnect(_ database: AppDatabase) throws {
        try database.removeConnection()
        live.withLock { $0 = nil }
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
