import JSONRPC

/// `initialize`: who we are, which protocol version, which methods. Optional; no state changes.
/// Spec: protocol/openrpc.json#initialize.
public enum Initialize: SyncMethod {
    public static let name = "initialize"
    /// LSP-style clients send their own fields (`processId`, `capabilities`, …): tolerated.
    public static var acceptsUnknownParams: Bool { true }

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case clientInfo }
        public var clientInfo: ClientInfo?
    }

    public struct ClientInfo: Codable, Sendable {
        public var name: String?
        public var version: String?
    }

    public struct Result: Encodable, Sendable {
        public var serverInfo: ServerInfo
        public var protocolVersion: String
        public var methods: [String]
    }

    public struct ServerInfo: Encodable, Sendable {
        public var name: String
        public var version: String
    }

    public static func handle(_ params: Params, context: ServiceContext) throws -> Result {
        if let client = params.clientInfo {
            context.logger.info("client: \(client.name ?? "?") \(client.version ?? "")")
        }
        return Result(
            serverInfo: ServerInfo(name: ServerIdentity.name, version: ServerIdentity.version),
            protocolVersion: ServerIdentity.protocolVersion,
            methods: Registry.methods.map { $0.name }.sorted()
        )
    }
}

/// The server's name and versions.
public enum ServerIdentity {
    public static let name = "customer-sync"
    public static let version = "0.1.0"
    /// The wire contract's version (`CONTRACT.md`, "version 1").
    public static let protocolVersion = "1"
}
