import JSONRPC
import SyncCore
import SyncStore

/// `deleteCustomer`: deletes a customer; a partner's link becomes `deleted`.
/// Spec: protocol/openrpc.json#deleteCustomer.
public enum DeleteCustomer: SyncMethod {
    public static let name = "deleteCustomer"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case id, expectedVersion }
        var id: String
        var expectedVersion: Int?
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> EmptyResult {
        try context.database.deleteCustomer(id: try ParamsCheck.customerId(p.id), expectedVersion: p.expectedVersion)
        return EmptyResult()
    }
}

/// `resolveDeletion`: settles a `deleted` link: delete the partner too, create the vanished
/// customer again, or unlink. Spec: protocol/openrpc.json#resolveDeletion.
public enum ResolveDeletion: SyncMethod {
    public static let name = "resolveDeletion"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case linkId, action, expectedVersion }
        var linkId: String
        var action: AppDatabase.DeletionAction
        var expectedVersion: Int?
    }

    /// `{}`, or the link again after `recreate`.
    public struct Result: Encodable, Sendable {
        var link: WireLink?
        public func encode(to encoder: any Encoder) throws {
            if let link { try link.encode(to: encoder) } else { try EmptyResult().encode(to: encoder) }
        }
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> Result {
        let link = try context.database.resolveDeletion(linkId: try ParamsCheck.linkId(p.linkId), action: p.action, expectedVersion: p.expectedVersion)
        return Result(link: link.map(WireLink.init))
    }
}
