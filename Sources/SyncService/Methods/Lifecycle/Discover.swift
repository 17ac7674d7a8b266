import JSONRPC

/// `rpc.discover`: the OpenRPC document this binary was built with (`protocol/openrpc.json`,
/// embedded at build time by the `EmbedOpenRPC` plugin).
public enum Discover: SyncMethod {
    public static let name = "rpc.discover"
    public static var scheduling: Scheduling { .concurrent }
    public typealias Params = NoParams

    public static func handle(_ params: NoParams, context: ServiceContext) throws -> RawJSON {
        RawJSON(bytes: Array(EmbeddedOpenRPC.json.utf8))
    }
}
