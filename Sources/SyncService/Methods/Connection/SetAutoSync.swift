import JSONRPC
import SyncCore

/// `setAutoSync`: the server runs `syncRemote` on its own every `everySeconds`, with a full
/// pull (which finds deletions) at least every `fullEverySeconds`, and sends `remoteSynced`
/// after each round; `everySeconds: null` stops it after the round in hand. Stored with the
/// connection, so a restarted server goes on. Spec: protocol/openrpc.json#setAutoSync.
public enum SetAutoSync: SyncMethod {
    public static let name = "setAutoSync"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case everySeconds, fullEverySeconds }
        /// Required, and may be null (off): decoded by hand so that a missing one is refused.
        var everySeconds: Int?
        var fullEverySeconds: Int?

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            guard c.contains(.everySeconds) else {
                throw RPCError.invalidParams("missing required field 'everySeconds' (null turns automatic sync off)", path: "everySeconds")
            }
            everySeconds = try c.decodeIfPresent(Int.self, forKey: .everySeconds)
            fullEverySeconds = try c.decodeIfPresent(Int.self, forKey: .fullEverySeconds)
        }
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> ConnectionStatus.Result {
        let range = RoundSchedule.shortest...RoundSchedule.longest
        var schedule: RoundSchedule?
        if let every = p.everySeconds {
            guard range.contains(every) else {
                throw RPCError.invalidParams("everySeconds must be from \(range.lowerBound) to \(range.upperBound) (got \(every))", path: "everySeconds")
            }
            let full = p.fullEverySeconds ?? max(RoundSchedule.defaultFullEvery, every)
            guard (every...RoundSchedule.longest).contains(full) else {
                throw RPCError.invalidParams("fullEverySeconds must be from everySeconds (\(every)) to \(RoundSchedule.longest) (got \(full))", path: "fullEverySeconds")
            }
            schedule = RoundSchedule(everySeconds: every, fullEverySeconds: full)
        } else if p.fullEverySeconds != nil {
            throw RPCError.invalidParams("fullEverySeconds goes with everySeconds; with everySeconds null automatic sync is off", path: "fullEverySeconds")
        }
        guard try context.database.setAutoSync(schedule) else {
            throw SyncError(.notConnected, "no connection to an accounting system: call connect first")
        }
        if schedule == nil { context.autoSync.halt(cancelling: false) } else { try context.autoSync.resume() }
        return try ConnectionStatus.status(context)
    }
}
