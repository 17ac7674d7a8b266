import JSONRPC

/// `shutdown`: answers `{}`; afterwards every request but `exit` gets -32600.
/// Spec: protocol/openrpc.json#shutdown, protocol/transport.md.
public enum Shutdown: SyncMethod {
    public static let name = "shutdown"
    public typealias Params = NoParams

    public static func handle(_ params: NoParams, context: ServiceContext) throws -> EmptyResult {
        context.session.shutDown()
        return EmptyResult()
    }
}

/// `exit` (a notification): the process exits 0 once it has written what it owes.
public enum Exit: SyncMethod {
    public static let name = "exit"
    public typealias Params = NoParams

    public static func handle(_ params: NoParams, context: ServiceContext) throws -> EmptyResult {
        context.session.exit()
        return EmptyResult()
    }
}
