import Foundation
import GRDB
import SyncCore

/// The database facade: owns the connection, runs the migrations, and offers one method per
/// write intent, each one transaction (GRDB's `AppDatabase` pattern).
public struct AppDatabase: Sendable {
    /// The path that opens a throwaway in-memory database.
    public static let inMemoryPath = ":memory:"
    /// How long a write waits for another process's lock before failing with `Busy`.
    public static let busyTimeout: TimeInterval = 5

    /// The one connection that writes. Private, as in GRDB's demo app: the per-side counts
    /// (`Tally`), the id high-water mark (`IdAllocator`), the `fields` generation that
    /// invalidates the match index (`FieldsGeneration`) and `history` are all kept by this
    /// facade's write methods, and a raw write would skip every one of them.
    private let dbWriter: any DatabaseWriter

    /// Read-only access for callers that need SQL the facade does not offer (diagnostics,
    /// tests comparing snapshots). GRDB refuses writes through it.
    public var reader: any DatabaseReader { dbWriter }

    /// The raw writer, for tests only (`@testable import SyncStore`): schema tests that must
    /// break an invariant by hand to see SQLite refuse it. Production code writes through the
    /// facade's methods.
    var writerForTests: any DatabaseWriter { dbWriter }

    /// The file the database lives in; nil in memory.
    public var path: String? { (dbWriter as? DatabasePool)?.path }

    /// Wraps a connection and migrates it to the current schema.
    public init(_ writer: any DatabaseWriter) throws {
        dbWriter = writer
        // Two processes opening a new file at once both try to migrate it; the one that loses
        // the race fails on a table the other just created. Trying again finds the migrations
        // applied and does nothing.
        var attempt = 0
        while true {
            let started = ContinuousClock.now
            do {
                try Schema.migrator.migrate(writer)
                // A search index built with keys this code no longer computes is built again
                // (read first: opening should not wait for another process's write lock).
                if try writer.read(SearchIndex.storedSignature) != SearchIndex.signature {
                    try writer.write(SearchIndex.checkSignature)
                }
                return
            } catch {
                attempt += 1
                if attempt >= 5 || Self.waitedOut(error, since: started) { throw error }
            }
        }
    }

    /// Whether an error is another connection's lock (busy or locked).
    public static func isBusy(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
    }

    /// Whether an attempt failed on a lock after waiting out the busy timeout: trying again
    /// would only multiply the wait (five attempts at the opening and five at the migration had
    /// added up to two minutes). A busy error that came at once (SQLite gives one, without
    /// waiting, to two processes creating one file in WAL mode) is worth another attempt.
    static func waitedOut(_ error: any Error, since started: ContinuousClock.Instant) -> Bool {
        isBusy(error) && ContinuousClock.now - started >= .seconds(busyTimeout * 0.9)
    }

    /// Opens (creating if needed) the database at `path`: a WAL file shared safely between
    /// processes, or an in-memory database for `:memory:`.
    public static func open(path: String, busyTimeout: TimeInterval = AppDatabase.busyTimeout) throws -> AppDatabase {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(busyTimeout)
        config.label = "customer-sync"
        config.prepareDatabase { db in
            // The search key is computed, not stored: every connection can compute it.
            try SearchKey.register(db)
            // The writer: a 64 MiB page cache, so that bulk transactions (an import or
            // create-all of a large register) stay in memory until commit instead of spilling
            // pages to the WAL half way. A reader: 8 MiB. A reader that read every customer
            // (the match index's records) kept 64 MiB of them, and a pool has up to five.
            try db.execute(sql: db.configuration.readonly ? "PRAGMA cache_size = -8192" : "PRAGMA cache_size = -65536")
        }
        if path == inMemoryPath {
            return try AppDatabase(DatabaseQueue(configuration: config))
        }
        let url = URL(fileURLWithPath: path)
        // DatabasePool opens in WAL mode. Another process creating the same new file at the
        // same moment can make the first attempt fail; a few more, a little apart, settle it.
        var attempt = 0
        while true {
            let started = ContinuousClock.now
            do {
                return try AppDatabase(DatabasePool(path: url.path, configuration: config))
            } catch {
                attempt += 1
                if attempt >= 5 || Self.waitedOut(error, since: started) { throw error }
                Thread.sleep(forTimeInterval: 0.05 * Double(attempt))
            }
        }
    }

    /// A fresh in-memory database, for tests.
    public static func inMemory() throws -> AppDatabase {
        try open(path: inMemoryPath)
    }

    /// The names of the applied migrations, oldest first.
    public func appliedMigrations() throws -> [String] {
        try dbWriter.read { db in try Schema.migrator.appliedMigrations(db) }
    }

    /// The SQLite journal mode in force (`wal` for files, `memory` for `:memory:`).
    public func journalMode() throws -> String {
        try dbWriter.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }
}

extension AppDatabase {
    /// Runs `body` in one write transaction. A locked database past the busy timeout becomes
    /// `SyncError.busy`; anything thrown rolls the whole transaction back. Every committing
    /// write ends with `finishWrite`.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try dbWriter.write { db in
                let result = try body(db)
                try Self.finishWrite(db)
                return result
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            throw SyncError.busy()
        }
    }

    /// Runs `body` in a transaction that is rolled back when `commit` is false (a dry run sees
    /// exactly what a real run would do, then leaves nothing behind).
    func write<T>(commit: Bool, _ body: (Database) throws -> T) throws -> T {
        try write(commit: commit, checkpointing: true, body)
    }

    /// A write of many rows (an import, create-all): as `write(commit:)`, but its commit does
    /// not checkpoint the WAL (the checkpoint is most of a large commit's time).
    /// The caller checkpoints once the client has its answer (`checkpoint()`); if it never
    /// does, the next commit of any write checkpoints as usual.
    func bulkWrite<T>(commit: Bool = true, _ body: (Database) throws -> T) throws -> T {
        try write(commit: commit, checkpointing: false, body)
    }

    private func write<T>(commit: Bool, checkpointing: Bool, _ body: (Database) throws -> T) throws -> T {
        do {
            return try dbWriter.writeWithoutTransaction { db in
                if !checkpointing { try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
                defer { if !checkpointing { try? db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.autoCheckpointPages)") } }
                var result: T?
                try db.inTransaction(.immediate) {
                    let changesBefore = db.totalChangesCount
                    result = try body(db)
                    // A write that changed nothing (a file imported again unchanged) commits
                    // nothing: no WAL frame, no sync to disk, and the 'writes' generation, by
                    // which caches know that nothing was written, stays.
                    guard commit, db.totalChangesCount != changesBefore else { return .rollback }
                    try Self.finishWrite(db)
                    return .commit
                }
                return result!
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            throw SyncError.busy()
        }
    }

    /// What every committing write does last: indexes its new customers for search when they
    /// are few (`SearchIndex.catchUp`), and counts itself in the 'writes' generation.
    private static func finishWrite(_ db: Database) throws {
        try SearchIndex.catchUp(db, ifAtMost: SearchIndex.catchUpLimit)
        // Cached: every write runs these, and compiling them was a visible share of a small one.
        try db.cachedStatement(sql: "UPDATE generation SET n = n + 1 WHERE name = 'writes'").execute()
    }

    /// A write that is not the facade's own change of the registers (the search indexer's
    /// chunks): no catch-up, not counted in 'writes'.
    func maintenanceWrite<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try dbWriter.write(body)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            throw SyncError.busy()
        }
    }

    /// SQLite's default: a commit that leaves the WAL longer than this many pages checkpoints it.
    static let autoCheckpointPages = 1000

    /// Copies the WAL's pages into the database file where no reader still needs them (a
    /// passive checkpoint: it waits for nobody), after a `bulkWrite`.
    public func checkpoint() throws {
        try dbWriter.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
    }

    /// Runs `body` on a consistent snapshot.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try dbWriter.read(body)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            throw SyncError.busy()
        }
    }
}
