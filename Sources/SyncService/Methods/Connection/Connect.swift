import Foundation
import JSONRPC
import SyncCore
import SyncStore

/// `connect`: checks the credentials against the accounting system named by `system` and
/// stores the connection (credentials sealed, never echoed). Spec: protocol/openrpc.json#connect.
///
/// `system`, `baseUrl` and `timeout` are everyone's; every other param is the system's own
/// (`RemoteSystem.ConnectParams`), decoded and checked by it: a param of another system is
/// refused as unknown.
public enum Connect: SyncMethod {
    public static let name = "connect"
    /// Requests to the system (with retries): the worker runs it, `ping` is answered.
    public static var scheduling: Scheduling { .long }
    /// The members depend on `system`: checked in `handle`.
    public static var acceptsUnknownParams: Bool { true }

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case system, baseUrl, timeout }
        /// Every member as given (the system's own are decoded by the system).
        var members: [String: JSONValue]

        public init(from decoder: any Decoder) throws {
            guard case .object(let members) = try JSONValue(from: decoder) else {
                throw RPCError.invalidParams("params must be an object", path: nil)
            }
            self.members = members
        }
    }

    public static func handle(_ p: Params, context: ServiceContext, request: RequestInfo) throws -> ConnectionStatus.Result {
        // snake_case spellings of the top-level names are taken as their camelCase (transport.md).
        var members: [String: JSONValue] = [:]
        for (key, value) in p.members {
            let name = ParamName.camelCase(key) ?? key
            if members[name] != nil { throw RPCError.invalidParams("'\(key)' and '\(name)' are the same param, given twice", path: key) }
            members[name] = value
        }
        let known = context.connections.systems.keys.sorted()
        guard case .string(let systemName)? = members["system"] else {
            throw RPCError.invalidParams(members["system"] == nil ? "missing required field 'system'" : "system must be a string", path: "system")
        }
        guard let system = context.connections.systems[systemName] else {
            throw RPCError.invalidParams("must be one of \(known.map { "'\($0)'" }.joined(separator: ", ")) (got '\(systemName)')", path: "system")
        }
        let shared: Set<String> = ["system", "baseUrl", "timeout"]
        let own = Set(system.parameterNames)
        for key in members.keys.sorted() where !shared.contains(key) && !own.contains(key) {
            throw RPCError.invalidParams("unknown field '\(key)' (\(system.name) takes \(system.parameterNames.joined(separator: ", ")))", path: key)
        }
        var base = system.defaultBaseURL.absoluteString
        if let given = members["baseUrl"], given != .null {
            guard case .string(let text) = given else { throw RPCError.invalidParams("baseUrl must be a string", path: "baseUrl") }
            base = text
        }
        guard let url = URL(string: base), url.host != nil, ["https", "http"].contains(url.scheme?.lowercased() ?? "") else {
            throw RPCError.invalidParams("baseUrl must be an http or https URL (got '\(base)')", path: "baseUrl")
        }
        guard RemoteURL.isAllowed(url) else {
            throw RPCError.invalidParams("baseUrl must be https (plain http only to this machine) (got '\(base)')", path: "baseUrl")
        }
        var timeout = 30.0
        if let given = members["timeout"], given != .null {
            guard case .number(let literal) = given, let seconds = Double(literal), (0.1...600).contains(seconds) else {
                throw RPCError.invalidParams("timeout is seconds from 0.1 to 600", path: "timeout")
            }
            timeout = seconds
        }
        let configuration = try configure(system, members.filter { own.contains($0.key) })
        // Not in the middle of a round: its pages would go to the register of the system
        // connected before.
        _ = try context.rounds.exclusive(cancellation: request.cancellation) {
            try context.connections.connect(context.database, system: system, baseURL: url, configuration: configuration, timeout: timeout)
        }
        // Automatic sync goes on for the same system and stops for another (`saveConnection`).
        try context.autoSync.resume()
        context.logger.info("connected to \(system.name) at \(url.absoluteString)")
        return try ConnectionStatus.status(context)
    }

    /// The system's own params, decoded as its `ConnectParams` (a decoding error names the
    /// member, as for any method's params) and checked by it.
    static func configure<S: RemoteSystem>(_ system: S, _ members: [String: JSONValue]) throws -> RemoteConfiguration {
        let data = Data(JSONValue.object(members).jsonText.utf8)
        let params: S.ConnectParams
        do {
            params = try JSONDecoder().decode(S.ConnectParams.self, from: data)
        } catch let error as DecodingError {
            throw RPCError(decoding: error)
        }
        return try system.configure(params)
    }
}

/// `disconnect`: forgets the connection and its automatic sync; the registers and what is
/// queued stay. An automatic round under way stops after the page or customer in hand, and
/// the reply waits for that: nothing from the system is written after it.
public enum Disconnect: SyncMethod {
    public static let name = "disconnect"
    public typealias Params = NoParams
    /// It may wait for a round's page in hand: the worker runs it, `ping` is answered.
    public static var scheduling: Scheduling { .long }

    public static func handle(_ params: NoParams, context: ServiceContext, request: RequestInfo) throws -> EmptyResult {
        context.autoSync.halt(cancelling: true)
        try context.rounds.exclusive(cancellation: request.cancellation) {
            try context.connections.disconnect(context.database)
        }
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
        /// Automatic sync, or null when it is off.
        var autoSync: AutoSyncStatus?

        enum CodingKeys: String, CodingKey { case system, baseUrl, connected, lastPull, lastPush, queued, lastError, autoSync }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeOrNull(system, forKey: .system)
            try c.encodeOrNull(baseUrl, forKey: .baseUrl)
            try c.encode(connected, forKey: .connected)
            try c.encodeOrNull(lastPull, forKey: .lastPull)
            try c.encodeOrNull(lastPush, forKey: .lastPush)
            try c.encode(queued, forKey: .queued)
            try c.encodeOrNull(lastError, forKey: .lastError)
            try c.encodeOrNull(autoSync, forKey: .autoSync)
        }
    }

    public static func handle(_ params: NoParams, context: ServiceContext) throws -> Result {
        try status(context)
    }

    static func status(_ context: ServiceContext) throws -> Result {
        let stored = try context.database.connection()
        return Result(system: stored?.system, baseUrl: stored?.baseUrl, connected: stored != nil, lastPull: stored?.lastPull,
                      lastPush: stored?.lastPush, queued: try context.database.queuedCount(), lastError: stored?.lastError,
                      autoSync: stored.flatMap(context.autoSync.status))
    }
}
