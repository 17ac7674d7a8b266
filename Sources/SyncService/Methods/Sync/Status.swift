import JSONRPC
import SyncCore

/// `status`: counts per side and state, and of links per state. Spec: protocol/openrpc.json#status.
public enum Status: SyncMethod {
    public static let name = "status"
    public typealias Params = NoParams

    public struct SideCounts: Encodable, Sendable {
        var unsynced, synced, conflict, excluded, deleted, total: Int
        init(_ c: StatusCounts.SideCounts) {
            (unsynced, synced, conflict, excluded, deleted, total) = (c.unsynced, c.synced, c.conflict, c.excluded, c.deleted, c.total)
        }
    }

    public struct LinkCounts: Encodable, Sendable { var synced, conflict, deleted: Int }

    public struct Result: Encodable, Sendable {
        var local: SideCounts
        var remote: SideCounts
        var links: LinkCounts
    }

    public static func handle(_ params: NoParams, context: ServiceContext) throws -> Result {
        let c = try context.database.status()
        return Result(local: SideCounts(c.local), remote: SideCounts(c.remote),
                      links: LinkCounts(synced: c.linksSynced, conflict: c.linksConflict, deleted: c.linksDeleted))
    }
}
