import JSONRPC
import SyncCore

/// `unlink`: stops sync for a link; both customers become unsynced. Spec: protocol/openrpc.json#unlink.
public enum Unlink: SyncMethod {
    public static let name = "unlink"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case linkId, expectedVersion }
        var linkId: String
        var expectedVersion: Int?
    }

    public struct Result: Encodable, Sendable {
        var local: WireCustomer?
        var remote: WireCustomer?

        enum CodingKeys: String, CodingKey { case local, remote }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeOrNull(local, forKey: .local)
            try c.encodeOrNull(remote, forKey: .remote)
        }
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> Result {
        let (local, remote) = try context.database.unlink(linkId: try ParamsCheck.linkId(p.linkId), expectedVersion: p.expectedVersion)
        return Result(local: local.map(WireCustomer.init), remote: remote.map(WireCustomer.init))
    }
}
