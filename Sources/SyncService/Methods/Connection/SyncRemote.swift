import JSONRPC
import SyncCore

/// `syncRemote`: one round with the connected system: a pull, then a push, so what changed on
/// either side is in step when it returns. Spec: protocol/openrpc.json#syncRemote.
///
/// The pull goes first so that a change made there meanwhile meets our queued one as a
/// conflict at once rather than be overwritten; a full pull (the first, or when the system
/// says so) finds deletions. A failed pull stops the round before anything is sent. With a
/// `progressToken`, the pull's and the push's progress go under it in turn.
public enum SyncRemote: SyncMethod {
    public static let name = "syncRemote"
    public static var scheduling: Scheduling { .long }

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case full, progressToken }
        var full: Bool?
        var progressToken: ProgressToken?
    }

    public struct Result: Encodable, Sendable {
        var pull: PullRemote.Result
        var push: PushRemote.Result
    }

    /// Waits for a round under way (an automatic one, another process's): one at a time.
    public static func handle(_ p: Params, context: ServiceContext, request: RequestInfo) throws -> Result {
        try context.rounds.exclusive(cancellation: request.cancellation) {
            try run(full: p.full, progressToken: p.progressToken, context: context, request: request)
        }
    }

    /// The round, with the round lock held (the automatic rounds call it too).
    static func run(full: Bool?, progressToken: ProgressToken? = nil, context: ServiceContext, request: RequestInfo) throws -> Result {
        let pull = try PullRemote.pull(PullRemote.Params(full: full, allowMassDelete: nil, progressToken: progressToken), context: context, request: request)
        let push = try PushRemote.push(PushRemote.Params(progressToken: progressToken), context: context, request: request)
        return Result(pull: pull, push: push)
    }
}

extension SyncRemote {
    /// One round run from a shell (`customer-sync sync`): its result as one line for people.
    /// A round under way (a server's automatic one) is waited for at most `patience`.
    public static func round(context: ServiceContext, full: Bool = false, patience: Duration) throws -> String {
        let r = try context.rounds.exclusive(patience: patience) { try run(full: full ? true : nil, context: context, request: .inProcess) }
        var line = "pulled \(r.pull.added) new, \(r.pull.updated) updated, \(r.pull.deleted) deleted"
        if !r.pull.warnings.isEmpty { line += ", \(Set(r.pull.warnings.map(\.customerId)).count) with warnings" }
        line += r.pull.full ? " (full)" : ""
        line += "; pushed \(r.push.created) created, \(r.push.updated) updated, \(r.push.conflicts) now in conflict, \(r.push.failed.count) refused"
        for failure in r.push.failed { line += "\n  \(failure.customerId): \(failure.message)" }
        return line
    }
}
