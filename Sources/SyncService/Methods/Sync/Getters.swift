import JSONRPC
import SyncCore

/// `getCustomer`: one customer. Spec: protocol/openrpc.json#getCustomer.
public enum GetCustomer: SyncMethod {
    public static let name = "getCustomer"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case id }
        var id: String
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> WireCustomer {
        WireCustomer(try context.database.customer(id: try ParamsCheck.customerId(p.id)))
    }
}

/// `getLink`: one link with both customers. Spec: protocol/openrpc.json#getLink.
public enum GetLink: SyncMethod {
    public static let name = "getLink"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case linkId }
        var linkId: String
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> WireLink {
        WireLink(try context.database.link(id: try ParamsCheck.linkId(p.linkId)))
    }
}
