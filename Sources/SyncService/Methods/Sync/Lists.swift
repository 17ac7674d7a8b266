import JSONRPC
import SyncCore

/// `listUnsynced`: customers not linked and not excluded, paged. Spec: protocol/openrpc.json#listUnsynced.
public enum ListUnsynced: SyncMethod {
    public static let name = "listUnsynced"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case side, query, limit, cursor }
        var side: Side?
        var query: String?
        var limit: Int?
        var cursor: String?
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> WirePage<WireCustomer> {
        let page = try context.database.listUnsynced(side: p.side, query: p.query, limit: try Paging.limit(p.limit), after: try Cursor.decode(p.cursor))
        return WirePage(page, WireCustomer.init)
    }
}

/// `listExcluded`: customers with sync disabled, paged. Spec: protocol/openrpc.json#listExcluded.
public enum ListExcluded: SyncMethod {
    public static let name = "listExcluded"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case side, query, order, limit, cursor }
        var side: Side?
        var query: String?
        var order: ListOrder?
        var limit: Int?
        var cursor: String?
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> WirePage<WireCustomer> {
        let page = try context.database.listExcluded(side: p.side, query: p.query, order: p.order ?? .ascending, limit: try Paging.limit(p.limit),
                                                     after: try Cursor.decode(p.cursor))
        return WirePage(page, WireCustomer.init)
    }
}

/// `listLinks`: links, optionally in one state, paged. Spec: protocol/openrpc.json#listLinks.
public enum ListLinks: SyncMethod {
    public static let name = "listLinks"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case state, query, order, limit, cursor }
        var state: LinkState?
        var query: String?
        var order: ListOrder?
        var limit: Int?
        var cursor: String?
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> WirePage<WireLink> {
        let page = try context.database.listLinks(state: p.state, query: p.query, order: p.order ?? .ascending, limit: try Paging.limit(p.limit),
                                                  after: try Cursor.decode(p.cursor))
        return WirePage(page, WireLink.init)
    }
}
