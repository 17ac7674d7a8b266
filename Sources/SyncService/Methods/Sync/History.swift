import Foundation
import JSONRPC
import SyncCore
import SyncStore

/// `history`: every change ever made, newest first, paged; filtered by customer and/or link.
/// Spec: protocol/openrpc.json#history.
public enum History: SyncMethod {
    public static let name = "history"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case customerId, linkId, limit, cursor }
        var customerId: String?
        var linkId: String?
        var limit: Int?
        var cursor: String?
    }

    public struct Entry: Encodable, Sendable {
        var at: String
        var operation: String
        var source: String
        var customerId: String?
        var linkId: String?
        var field: String?
        var old: String?
        var new: String?

        enum CodingKeys: String, CodingKey { case at, operation, source, customerId, linkId, field, old, new }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(at, forKey: .at)
            try c.encode(operation, forKey: .operation)
            try c.encode(source, forKey: .source)
            try c.encodeOrNull(customerId, forKey: .customerId)
            try c.encodeOrNull(linkId, forKey: .linkId)
            try c.encodeOrNull(field, forKey: .field)
            try c.encodeOrNull(old, forKey: .old)
            try c.encodeOrNull(new, forKey: .new)
        }
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> WirePage<Entry> {
        // Unknown ids simply match nothing: history outlives customers and links.
        let customerId = try p.customerId.map { text in try CustomerID.parse(text).orThrow(RPCError.invalidParams("not a customer id", path: "customerId")) }
        let linkId = try p.linkId.map { text in try LinkID.parse(text).orThrow(RPCError.invalidParams("not a link id", path: "linkId")) }
        let page = try context.database.history(customerId: customerId, linkId: linkId, limit: try Paging.limit(p.limit), before: try Cursor.decode(p.cursor))
        return WirePage(page) { e in
            Entry(at: e.at, operation: e.operation, source: e.source, customerId: e.customerId.map(CustomerID.format),
                  linkId: e.linkId.map(LinkID.format), field: e.field, old: e.old, new: e.new)
        }
    }
}

extension Optional {
    func orThrow(_ error: @autoclosure () -> any Error) throws -> Wrapped {
        guard let value = self else { throw error() }
        return value
    }
}
