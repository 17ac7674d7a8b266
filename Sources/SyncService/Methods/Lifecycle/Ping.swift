import JSONRPC

/// `ping`: answers `{}`. Spec: protocol/openrpc.json#ping.
public enum Ping: SyncMethod {
    public static let name = "ping"
    public typealias Params = NoParams
    /// Answered at once, even while a long request (an import, a pull) runs.
    public static var scheduling: Scheduling { .concurrent }

    public static func handle(_ params: NoParams, context: ServiceContext) throws -> EmptyResult {
        EmptyResult()
    }
}
