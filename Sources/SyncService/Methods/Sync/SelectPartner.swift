import JSONRPC
import SyncCore

/// `selectPartner`: links a local and a remote customer; `synced` when their fields agree,
/// else `conflict`. Spec: protocol/openrpc.json#selectPartner.
public enum SelectPartner: SyncMethod {
    public static let name = "selectPartner"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case localId, remoteId }
        var localId: String
        var remoteId: String
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> WireLink {
        WireLink(try context.database.selectPartner(localId: try ParamsCheck.customerId(p.localId), remoteId: try ParamsCheck.customerId(p.remoteId)))
    }
}
