import JSONRPC

/// `ping`: answers `{}`. Spec: protocol/openrpc.json#ping.
public enum Ping: SyncMethod {
    public static let name = "ping"
    public typealias Params = NoParams

    public static func handle(_ params: NoParams, context: ServiceContext) throws -> EmptyResult {
        EmptyResult()
    }
}
