import JSONRPC
import SyncCore

/// Params of `disableSync` and `enableSync`.
public struct CustomerIdParams: RPCParams {
    public enum CodingKeys: String, CodingKey, CaseIterable { case customerId }
    var customerId: String
}

/// `disableSync` ("No synchronisation"): excludes an unlinked customer from sync. Spec:
/// protocol/openrpc.json#disableSync.
public enum DisableSync: SyncMethod {
    public static let name = "disableSync"
    public static func handle(_ p: CustomerIdParams, context: ServiceContext) throws -> WireCustomer {
        WireCustomer(try context.database.setExcluded(customerId: try ParamsCheck.customerId(p.customerId), true))
    }
}

/// `enableSync`: undoes `disableSync`. Spec: protocol/openrpc.json#enableSync.
public enum EnableSync: SyncMethod {
    public static let name = "enableSync"
    public static func handle(_ p: CustomerIdParams, context: ServiceContext) throws -> WireCustomer {
        WireCustomer(try context.database.setExcluded(customerId: try ParamsCheck.customerId(p.customerId), false))
    }
}
