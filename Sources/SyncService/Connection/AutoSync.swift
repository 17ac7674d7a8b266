import Foundation
import JSONRPC
import Logging
import SyncCore
import SyncStore

/// Automatic sync: runs `syncRemote` on its own thread on the schedule `setAutoSync` stored
/// with the connection (`RoundSchedule`, SyncCore, has the rules), and tells the client how
/// each round went with `remoteSynced`.
///
/// A round is another writer beside the client, never in its way: the client's requests are
/// read and answered by their own threads meanwhile; each page of the pull and each customer of
/// the push is its own transaction, so a client's write waits at most for one of them and
/// lands before or after it, never lost (a customer edited while its push was in flight stays
/// queued: `markSent`). Rounds take the `RoundLock`: a round finding another under way (the
/// client's `pullRemote`, another process's) lets it be and comes back an interval later.
final class AutoSync: @unchecked Sendable {
    // Unchecked: every var below is read and written under `condition`; `round` is set once,
    // before the thread starts.
    private let condition = NSCondition()
    private var schedule: RoundSchedule?
    private var nextAt: Date?
    private var rounds = AutoRounds()
    private var inHand: CancellationFlag?
    private var stopped = false
    private var thread: Thread?
    /// Grows with every change of the schedule (`resume`, `halt`): a loop that looked away
    /// (to read the database) knows whether what it read is still news.
    private var changes = 0

    private let database: AppDatabase
    private let session: Session
    private let logger: Logger
    private let lock: RoundLock
    /// One round: a pull (full or not), then a push, with the lock held.
    var round: ((_ full: Bool, _ request: RequestInfo) throws -> SyncRemote.Result)?

    init(database: AppDatabase, session: Session, logger: Logger, lock: RoundLock) {
        self.database = database
        self.session = session
        self.logger = logger
        self.lock = lock
    }

    /// What `connectionStatus.autoSync` shows of the schedule stored with `connection`.
    func status(_ connection: StoredConnection) -> AutoSyncStatus? {
        guard let stored = connection.autoSync else { return nil }
        condition.lock()
        defer { condition.unlock() }
        let due = schedule == stored ? nextAt : Self.due(stored, connection, now: Date())
        return AutoSyncStatus(everySeconds: stored.everySeconds, fullEverySeconds: stored.fullEverySeconds,
                              lastAt: connection.autoRounds.lastAt, nextAt: due.map(Timestamp.string),
                              lastError: connection.autoRounds.lastError.flatMap { try? JSONValue.parse(Array($0.utf8)) },
                              failures: connection.autoRounds.failures, running: inHand != nil, lastFullAt: connection.lastFullPull)
    }

    /// Takes up the stored schedule (a server starting; `setAutoSync` having stored a new one).
    func resume() throws {
        let stored = try database.connection()
        condition.lock()
        defer { condition.unlock() }
        schedule = stored?.autoSync
        rounds = stored?.autoRounds ?? AutoRounds()
        nextAt = stored.flatMap { stored in schedule.map { Self.due($0, stored, now: Date()) } }
        changes += 1
        if schedule != nil { startThread() }
        condition.broadcast()
    }

    /// Stops the schedule; the round in hand, if any, goes on to its end (`setAutoSync null`)
    /// or, with `cancelling`, stops after the page or customer in hand (`disconnect`).
    func halt(cancelling: Bool) {
        condition.lock()
        schedule = nil
        nextAt = nil
        changes += 1
        if cancelling { inHand?.cancel() }
        condition.broadcast()
        condition.unlock()
    }

    /// Ends the thread as the server returns: the round in hand is cancelled and waited for at
    /// most `patience` (a request already sent may take its timeout; after that the process
    /// ends without it: each page and customer is its own transaction, so nothing is torn).
    func stop(patience: Duration = .seconds(3)) {
        condition.lock()
        defer { condition.unlock() }
        stopped = true
        inHand?.cancel()
        condition.broadcast()
        let deadline = Date().addingTimeInterval(Double(patience.components.seconds))
        while thread != nil && Date() < deadline { _ = condition.wait(until: deadline) }
    }

    /// When the next round is due, from what is stored: an interval after the last pull (by
    /// any means: a client that just pulled needs no round at once) or automatic round, or the
    /// pause after failed rounds; never before now (at once, when there was none).
    static func due(_ schedule: RoundSchedule, _ connection: StoredConnection, now: Date) -> Date {
        let rounds = connection.autoRounds
        let last = [rounds.lastAt, connection.lastPull].compactMap { $0.flatMap(Timestamp.date) }.max()
        guard let last else { return now }
        return max(now, last.addingTimeInterval(Double(schedule.pause(afterFailures: rounds.failures))))
    }

    private func startThread() {
        guard thread == nil, !stopped else { return }
        let thread = Thread { [self] in loop() }
        thread.name = "customer-sync auto sync"
        self.thread = thread
        thread.start()
    }

    private func loop() {
        condition.lock()
        while true {
            // Wait for the next round: due, or a new schedule, or the end.
            while !stopped {
                guard let nextAt else { condition.wait(); continue }
                if nextAt <= Date() { break }
                _ = condition.wait(until: nextAt)
            }
            if stopped { break }
            guard var schedule = schedule else { continue }
            // Another process sharing the database may have changed or ended the schedule, or
            // the connection: what is stored rules, unless this process changed it meanwhile.
            let seen = changes
            condition.unlock()
            let stored = try? database.connection()
            condition.lock()
            if changes != seen || stopped { continue }
            guard let stored, let current = stored.autoSync else {
                logger.info("automatic sync: no longer stored with a connection; stopped")
                self.schedule = nil
                nextAt = nil
                continue
            }
            if current != schedule {
                self.schedule = current
                schedule = current
            }
            let flag = CancellationFlag()
            inHand = flag
            condition.unlock()
            let started = Date()
            let outcome = run(schedule, lastFull: stored.lastFullPull.flatMap(Timestamp.date), started: started, cancellation: flag)
            condition.lock()
            inHand = nil
            defer { condition.broadcast() }
            guard let outcome else {
                // Not run (another round was under way) or cancelled: nothing to tell.
                if self.schedule == schedule, !stopped { nextAt = started.addingTimeInterval(Double(schedule.everySeconds)) }
                continue
            }
            let ended = Date()
            let before = rounds
            switch outcome {
            case .success: rounds = AutoRounds(lastAt: Timestamp.string(ended))
            case .failure(let error):
                rounds = AutoRounds(lastAt: Timestamp.string(ended), lastError: error.jsonText, failures: before.failures + 1,
                                    failingSince: before.failingSince ?? Timestamp.string(started))
            }
            // A new schedule set meanwhile starts afresh; `setAutoSync null` ends the rounds.
            if self.schedule == schedule {
                nextAt = schedule.next(started: started, ended: ended, failures: rounds.failures)
            }
            let record = rounds, due = nextAt, quiet = stopped || session.state != .running
            condition.unlock()
            do { try database.noteAutoRound(record) } catch { logger.warning("automatic sync: cannot record the round: \(error)") }
            if !quiet { notify(outcome, at: record.lastAt!, nextAt: due, before: before) }
            condition.lock()
        }
        thread = nil
        condition.broadcast()
        condition.unlock()
    }

    /// One round, or nil when it did not run (another was under way) or was cancelled.
    /// `lastFull`: when the last full pull finished, as the connection the loop just read says.
    private func run(_ schedule: RoundSchedule, lastFull: Date?, started: Date, cancellation: CancellationFlag) -> Result<SyncRemote.Result, RPCError>? {
        do {
            let full = schedule.needsFullPull(lastFull: lastFull, now: started)
            guard let round, let result = try lock.ifFree({ try RequestScope.runDetached(cancellation: cancellation, session: session) { try round(full, $0) } }) else {
                logger.info("automatic sync: another round with the system is under way; the next comes in \(schedule.everySeconds) s")
                return nil
            }
            return .success(result)
        } catch {
            if cancellation.isCancelled || error is CancellationError { return nil }
            let wire = (error as? any RPCErrorConvertible)?.rpcError ?? RPCError.internalError()
            logger.warning("automatic sync: the round failed: \(error)")
            return .failure(wire)
        }
    }

    private func notify(_ outcome: Result<SyncRemote.Result, RPCError>, at: String, nextAt: Date?, before: AutoRounds) {
        switch outcome {
        case .success(let result):
            let recovered = before.failures > 0 ? RemoteSynced.Recovered(failures: before.failures, since: before.failingSince) : nil
            session.notify(method: RemoteSynced.name, params: RemoteSynced(at: at, pull: result.pull, push: result.push, error: nil,
                                                                           nextAt: nextAt.map(Timestamp.string), failures: nil, recovered: recovered))
        case .failure(let error):
            session.notify(method: RemoteSynced.name, params: RemoteSynced(at: at, pull: nil, push: nil, error: error,
                                                                           nextAt: nextAt.map(Timestamp.string), failures: rounds.failures, recovered: nil))
        }
    }
}

/// `connectionStatus.autoSync`.
struct AutoSyncStatus: Encodable, Sendable {
    var everySeconds: Int
    var fullEverySeconds: Int
    /// When the last automatic round ended, and its error (null when it went well).
    var lastAt: String?
    var nextAt: String?
    var lastError: JSONValue?
    /// Failed rounds in a row (the pause before the next grows with them).
    var failures: Int
    /// Whether an automatic round is under way.
    var running: Bool
    /// When the last full pull (which finds deletions) finished.
    var lastFullAt: String?

    enum CodingKeys: String, CodingKey { case everySeconds, fullEverySeconds, lastAt, nextAt, lastError, failures, running, lastFullAt }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(everySeconds, forKey: .everySeconds)
        try c.encode(fullEverySeconds, forKey: .fullEverySeconds)
        try c.encodeOrNull(lastAt, forKey: .lastAt)
        try c.encodeOrNull(nextAt, forKey: .nextAt)
        try c.encodeOrNull(lastError, forKey: .lastError)
        try c.encode(failures, forKey: .failures)
        try c.encode(running, forKey: .running)
        try c.encodeOrNull(lastFullAt, forKey: .lastFullAt)
    }
}

/// The notification after each automatic round: `{at, pull, push, nextAt, recovered?}` when it
/// went well, `{at, error, nextAt, failures}` when it failed.
struct RemoteSynced: Encodable, Sendable {
    static let name = "remoteSynced"

    struct Recovered: Encodable, Sendable {
        /// How many rounds in a row had failed before this one, since when.
        var failures: Int
        var since: String?
    }

    var at: String
    var pull: PullRemote.Result?
    var push: PushRemote.Result?
    var error: RPCError?
    var nextAt: String?
    var failures: Int?
    var recovered: Recovered?
}

extension RPCError {
    /// The error object as JSON text (what `remoteSynced` sends), for storing.
    var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? #"{"code":-32603,"message":"Internal error"}"#
    }
}
