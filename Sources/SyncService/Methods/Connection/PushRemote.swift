import Foundation
import JSONRPC
import SyncCore
import SyncImport
import SyncStore

/// `pushRemote`: sends the outbox to the connected system: partners created toward the remote
/// side (with the numbers they were given), values copied there by sync, resolved conflicts.
/// Spec: protocol/openrpc.json#pushRemote.
///
/// One customer at a time: the request, then (outside any transaction until then) one
/// transaction that marks it sent. A customer the system has never had is created under its
/// number, never twice (the connector looks the number up after a lost reply, and after a
/// crash the next push finds it landed and adopts it). One it has gets only the fields that
/// differ from what it last showed, over what it holds now: a value changed there meanwhile
/// is not overwritten but read back at once, as a pull would read it, so the link shows the
/// conflict now; a conflicting field, which sync never copies, is left alone. A value longer
/// than the system holds is not sent. Every queued change lands, becomes a conflict, or is
/// listed under `failed` with the system's own reason, and stays queued for the next push.
public enum PushRemote: SyncMethod {
    public static let name = "pushRemote"
    public static var scheduling: Scheduling { .long }

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case progressToken }
        var progressToken: ProgressToken?
    }

    public struct Failure: Encodable, Sendable {
        var customerId: String
        var message: String
    }

    public struct Result: Encodable, Sendable {
        var created = 0
        var updated = 0
        /// Queued customers the system already held as we have them (nothing was sent).
        var unchanged = 0
        /// Queued customers with a change the system had made meanwhile to a field we meant to
        /// send: read back, so their links are in conflict now.
        var conflicts = 0
        var failed: [Failure] = []
    }

    /// Waits for a round under way (an automatic one, another process's): one at a time.
    public static func handle(_ p: Params, context: ServiceContext, request: RequestInfo) throws -> Result {
        try context.rounds.exclusive(cancellation: request.cancellation) { try push(p, context: context, request: request) }
    }

    /// The push, with the round lock held.
    static func push(_ p: Params, context: ServiceContext, request: RequestInfo) throws -> Result {
        let (stored, connector) = try context.connections.connector(context.database)
        let cancellation: CancellationFlag? = request.cancellation
        let outgoing = try context.database.outgoing()
        var result = Result()
        let started = ContinuousClock.now
        let before = connector.traffic
        do {
            let creating = outgoing.filter { $0.seen == nil }.compactMap(\.number)
            if !creating.isEmpty { try connector.prepareToCreate(numbers: creating) }
            for (index, customer) in outgoing.enumerated() {
                try cancellation?.check()
                guard let number = customer.number else {
                    result.failed.append(Failure(customerId: CustomerID.format(customer.id), message: "the customer has no number to create it under"))
                    continue
                }
                do {
                    if let problem = PushRules.tooLong(customer.changes, limits: connector.fieldLimits, system: stored.system) {
                        result.failed.append(Failure(customerId: CustomerID.format(customer.id), message: problem))
                        continue
                    }
                    // What the system is taken to hold afterwards, and whether to read its own
                    // copy back, are `PushRules`.
                    var skipped: Set<SyncField> = []
                    var key: String?
                    var held: RemoteCustomer?
                    var metChange = false
                    if let seen = customer.seen {
                        if customer.changes.isEmpty {
                            result.unchanged += 1
                        } else {
                            let update = try connector.update(key: customer.key ?? number, changes: customer.changes, expected: seen)
                            skipped = update.skipped
                            key = update.customer.key
                            held = update.customer
                            metChange = !update.skipped.isEmpty
                            if update.skipped.count < customer.changes.count { result.updated += 1 } else { result.unchanged += 1 }
                        }
                    } else {
                        let created = try connector.create(number: number, fields: customer.fields)
                        key = created.key
                        held = created
                        result.created += 1
                    }
                    let sent = PushRules.sent(customer.fields, seen: customer.seen, skipped: skipped)
                    try context.database.markSent(customerId: customer.id, sent: sent, key: key)
                    if let held, PushRules.needsReadBack(held: RegisterRows.cleaned(held.fields), sent: sent, metChange: metChange) {
                        _ = try RegisterIntake(database: context.database, side: .remote).apply([PullRemote.record(held)])
                        if metChange { result.conflicts += 1 }
                    }
                } catch let error as ConnectorError where error.kind == .rejected || error.kind == .numberTaken || error.kind == .notFound {
                    result.failed.append(Failure(customerId: CustomerID.format(customer.id), message: error.message))
                }
                request.progress(p.progressToken, done: index + 1, total: outgoing.count)
            }
        } catch {
            // The system is unreachable or refuses the tokens: nothing more can go now.
            let failure = (error as? ConnectorError).map(SyncError.init) ?? error
            if (error as? RPCError)?.code != .requestCancelled {
                try? context.database.notePush(at: nil, error: "pushRemote: \(failure)")
            }
            throw failure
        }
        try context.database.notePush(at: Timestamp.now(), error: result.failed.isEmpty ? nil : "pushRemote: \(result.failed.count) customer(s) refused")
        let traffic = connector.traffic
        context.logger.info("pushed \(outgoing.count) customer(s) to \(stored.system) in \(ContinuousClock.now - started); \(traffic.requests - before.requests) requests, \(traffic.pacedSeconds - before.pacedSeconds) s paced, \(traffic.retryAfterSeconds - before.retryAfterSeconds) s after Retry-After")
        return result
    }
}
