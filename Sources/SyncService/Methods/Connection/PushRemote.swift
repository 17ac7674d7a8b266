import Foundation
import JSONRPC
import Synchronization
import SyncCore
import SyncImport
import SyncStore

/// `pushRemote`: sends the outbox to the connected system: partners created toward the remote
/// side (with the numbers they were given), values copied there by sync, resolved conflicts.
/// Spec: protocol/openrpc.json#pushRemote.
///
/// Each customer's request, then (outside any transaction until then) one transaction that
/// marks it sent. The requests go out in order on a thread of their own, at most
/// `Sender.window` customers ahead of those transactions; whatever was sent is marked, even
/// when the push stops early (cancelled, or the system gone). A customer the system has never
/// had is created under its number, never twice (the connector looks the number up after a
/// lost reply, and after a crash the next push finds it landed and adopts it). One it has
/// gets only the fields that differ from what it last showed, over what it holds now: a
/// value changed there meanwhile is not overwritten but read back at once, as a pull would
/// read it, so the link shows the conflict now; a conflicting field, which sync never
/// copies, is left alone. A value longer than the system holds is not sent. Every queued
/// change lands, becomes a conflict, or is listed under `failed` with the system's own
/// reason, and stays queued for the next push.
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
            // The requests go out on a thread of their own, a few customers ahead of the
            // transactions that mark them sent here (`window`): the network and the database
            // each use a core. What was sent is always marked, even when the push stops early.
            let sender = Sender(outgoing: outgoing, connector: connector, system: stored.system)
            sender.start()
            var failure: (any Error)?
            do {
                for outcome in sender.pipe {
                    let customer = outgoing[outcome.index]
                    try apply(outcome, customer, context: context, to: &result)
                    request.progress(p.progressToken, done: outcome.index + 1, total: outgoing.count)
                    if cancellation?.isCancelled == true { sender.stop() }
                }
                failure = sender.pipe.waitForEnd().error
            } catch {
                // A write here failed: nothing more is marked, so nothing more may go.
                sender.abandon()
                throw error
            }
            if let failure { throw failure }
            try cancellation?.check()
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

    /// What became of one customer's request (`Sender`), in the order of `outgoing`.
    struct Outcome: Sendable {
        enum Kind: Sendable {
            /// Nothing to send: the system holds it as we have it.
            case unchanged
            case updated(RemoteUpdate)
            case created(RemoteCustomer)
            /// Refused, or not sendable: the message for `failed`.
            case failed(String)
        }
        var index: Int
        var kind: Kind
    }

    /// The end of the requests: nil when every customer was tried (or the push was stopped),
    /// else why the rest could not go (the system unreachable, the tokens refused).
    struct SenderEnd: Sendable {
        var error: ConnectorError?
    }

    /// Sends each outgoing customer's request, in order, on its own thread; hands each outcome
    /// to the push through a bounded pipe, so it runs at most `window` customers ahead of the
    /// transactions that mark them sent.
    final class Sender: Sendable {
        static let window = 8
        let pipe = RowPipe<Outcome, SenderEnd>(batchSize: 1, capacity: window)
        private let outgoing: [OutgoingCustomer]
        private let connector: any RemoteConnector
        private let system: String
        private let stopped = Atomic<Bool>(false)
        private let done = DispatchSemaphore(value: 0)

        init(outgoing: [OutgoingCustomer], connector: any RemoteConnector, system: String) {
            self.outgoing = outgoing
            self.connector = connector
            self.system = system
        }

        func start() {
            let thread = Thread { [self] in
                defer { done.signal() }
                for (index, customer) in outgoing.enumerated() {
                    guard !stopped.load(ordering: .acquiring) else { break }
                    do throws(ConnectorError) {
                        pipe.send(Outcome(index: index, kind: try send(customer)))
                    } catch {
                        pipe.finish(SenderEnd(error: error))
                        return
                    }
                }
                pipe.finish(SenderEnd(error: nil))
            }
            thread.name = "customer-sync push"
            thread.start()
        }

        /// No more requests after the one in hand; what was sent is still handed over.
        func stop() { stopped.store(true, ordering: .releasing) }

        /// No more requests, and what was sent but not yet handed over is dropped (the push
        /// cannot mark it); returns once the thread has ended.
        func abandon() {
            stop()
            pipe.cancel()
            done.wait()
        }

        private func send(_ customer: OutgoingCustomer) throws(ConnectorError) -> Outcome.Kind {
            guard let number = customer.number else { return .failed("the customer has no number to create it under") }
            if let problem = PushRules.tooLong(customer.changes, limits: connector.fieldLimits, system: system) { return .failed(problem) }
            do {
                if let seen = customer.seen {
                    if customer.changes.isEmpty { return .unchanged }
                    return .updated(try connector.update(key: customer.key ?? number, changes: customer.changes, expected: seen))
                }
                return .created(try connector.create(number: number, fields: customer.fields))
            } catch where error.kind == .rejected || error.kind == .numberTaken || error.kind == .notFound {
                return .failed(error.message)
            }
        }
    }

    /// Marks one customer sent as its outcome says, reads the system's copy back where
    /// `PushRules` asks for it, and counts it.
    static func apply(_ outcome: Outcome, _ customer: OutgoingCustomer, context: ServiceContext, to result: inout Result) throws {
        // What the system is taken to hold afterwards, and whether to read its own copy
        // back, are `PushRules`.
        var skipped: Set<SyncField> = []
        var key: String?
        var held: RemoteCustomer?
        var metChange = false
        switch outcome.kind {
        case .failed(let message):
            result.failed.append(Failure(customerId: CustomerID.format(customer.id), message: message))
            return
        case .unchanged:
            result.unchanged += 1
        case .updated(let update):
            skipped = update.skipped
            key = update.customer.key
            held = update.customer
            metChange = !update.skipped.isEmpty
            if update.skipped.count < customer.changes.count { result.updated += 1 } else { result.unchanged += 1 }
        case .created(let created):
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
    }

}
