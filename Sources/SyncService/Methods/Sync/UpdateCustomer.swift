import JSONRPC
import SyncCore

/// `updateCustomer`: edits a customer on either side; its partner is reconciled three-way.
/// Spec: protocol/openrpc.json#updateCustomer.
public enum UpdateCustomer: SyncMethod {
    public static let name = "updateCustomer"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case id, fields, expectedVersion }
        var id: String
        var fields: [String: String?]
        var expectedVersion: Int?
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> WireCustomer {
        let id = try ParamsCheck.customerId(p.id)
        let fields = try ParamsCheck.fieldValues(p.fields, path: "fields")
        return WireCustomer(try context.database.updateCustomer(id: id, fields: fields, expectedVersion: p.expectedVersion))
    }
}
