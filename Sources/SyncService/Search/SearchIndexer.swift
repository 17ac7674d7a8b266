import Foundation
import Logging
import SyncStore

/// Brings the search index up to date on a thread of its own (`AppDatabase.indexSearchKeys`,
/// a chunk a transaction), so the reply to a bulk write does not wait for it: a million new
/// customers take about a minute to index, and a query reads the ones not yet indexed by
/// their keys meanwhile. Started after bulk writes (`ServiceContext.afterBulkWrite`) and when
/// a server starts on a database with customers waiting; stopped, after the chunk in hand,
/// before the server returns. Nothing is lost if the process dies mid-chunk: the chunk's
/// transaction rolls back and the next start takes it up again.
final class SearchIndexer: @unchecked Sendable {
    // Unchecked: `running`, `again` and `stopped` change only under `state`; the rest is constant.
    /// Customers a transaction: about 0.25 s of work, the longest another write waits.
    static let chunk = 10_000
    /// Pages a merge step writes (a transaction of its own), after a catch-up of a chunk or more.
    static let mergePages = 2_000

    private let database: AppDatabase
    private let logger: Logger
    private let state = NSCondition()
    private var running = false
    private var again = false
    private var stopped = false

    init(database: AppDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Indexes whatever waits, on the indexer's thread; returns at once.
    func start() {
        state.lock()
        defer { state.unlock() }
        guard !stopped else { return }
        if running {
            again = true
            return
        }
        running = true
        let thread = Thread { [self] in run() }
        thread.name = "search index"
        thread.start()
    }

    /// Stops after the chunk in hand and waits for it; later `start`s do nothing.
    func stop() {
        state.lock()
        defer { state.unlock() }
        stopped = true
        while running { state.wait() }
    }

    /// Whether the indexer's thread is at work (for tests).
    var isRunning: Bool {
        state.lock()
        defer { state.unlock() }
        return running
    }

    private func run() {
        var indexed = 0
        // Customers indexed since the segments were last merged.
        var unmerged = 0
        let started = ContinuousClock.now
        while true {
            state.lock()
            let go = !stopped
            again = false
            state.unlock()
            var done = !go
            if go {
                do {
                    let n = try database.indexSearchKeys(atMost: Self.chunk)
                    indexed += n
                    unmerged += n
                    done = n == 0
                } catch {
                    // Busy with another process's write, or worse: the next start tries again,
                    // and queries read the customers not indexed by their keys meanwhile.
                    logger.warning("search index: stopped after \(indexed) customers: \(error)")
                    done = true
                }
            }
            guard done else { continue }
            state.lock()
            if go && again && !stopped {
                state.unlock()
                continue
            }
            state.unlock()
            // The index is complete; its segments are merged a step at a time (queries are
            // answered meanwhile, a little slower), unless new work or a stop comes first.
            if go && unmerged >= Self.chunk {
                do {
                    var interrupted = false
                    while try database.mergeSearchIndex(pages: Self.mergePages) {
                        state.lock()
                        interrupted = stopped || again
                        state.unlock()
                        if interrupted { break }
                    }
                    if !interrupted { unmerged = 0 }
                } catch {
                    logger.warning("search index: merging stopped: \(error)")
                }
            }
            state.lock()
            if go && again && !stopped {
                state.unlock()
                continue
            }
            running = false
            state.broadcast()
            state.unlock()
            if indexed > 0 { logger.debug("search index: \(indexed) customers in \(ContinuousClock.now - started)") }
            return
        }
    }
}
