import GRDB
import GRDBSQLite
import SyncCore

/// The per-side customer counts in table `tally`. Every write that adds, removes, excludes or
/// includes customers adjusts them in its own transaction; `tallyDifferences` recounts, and the tests
/// call it after every kind of write.
enum Tally {
    static func adjust(_ db: Database, side: Side, excluded: Bool, by delta: Int) throws {
        guard delta != 0 else { return }
        try db.execute(sql: "UPDATE tally SET n = n + ? WHERE side = ? AND excluded = ?", arguments: [delta, side.rawValue, excluded])
    }

    static func count(_ db: Database, side: Side, excluded: Bool) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT n FROM tally WHERE side = ? AND excluded = ?", arguments: [side.rawValue, excluded]) ?? 0
    }

    /// Every customer of `side`, excluded or not.
    static func count(_ db: Database, side: Side) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT coalesce(sum(n), 0) FROM tally WHERE side = ?", arguments: [side.rawValue]) ?? 0
    }
}

/// The link counts in table `linkTally`, kept by its triggers (migration v10).
enum LinkTally {
    /// Links in `state` (nil: any), with a local customer or without one (nil: either). Every
    /// link but a 'deleted' one has both customers; a 'deleted' one has exactly one.
    static func count(_ db: Database, state: LinkState? = nil, hasLocal: Bool? = nil) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT coalesce(sum(n), 0) FROM linkTally WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR hasLocal = ?2)",
                         arguments: [state?.rawValue, hasLocal]) ?? 0
    }
}

/// The size of the history. It is only ever appended to, each row taking the ids after the
/// largest so far (one, or a range row's `span`; a rolled-back write leaves no gap): its
/// largest id is its number of entries, read from one end of its b-tree.
enum HistoryTally {
    static func count(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM history") ?? 0
    }
}

extension AppDatabase {
    /// Recounts the customers and the links and compares with their tallies, the history with
    /// its largest id, each customer's `linked` with the links, its search key with its fields
    /// and the search index with the keys; returns the differences (empty when they agree).
    /// For tests and diagnostics.
    func tallyDifferences() throws -> [String] {
        try read { db in
            var out: [String] = []
            for side in Side.allCases {
                for excluded in [false, true] {
                    let kept = try Tally.count(db, side: side, excluded: excluded)
                    let real = try Int.fetchOne(db, sql: "SELECT count(*) FROM customer WHERE side = ? AND excluded = ?", arguments: [side.rawValue, excluded]) ?? 0
                    if kept != real { out.append("\(side.rawValue) excluded=\(excluded): tally \(kept), real \(real)") }
                }
            }
            for state in LinkState.allCases {
                for hasLocal in [false, true] {
                    let kept = try LinkTally.count(db, state: state, hasLocal: hasLocal)
                    let real = try Int.fetchOne(db, sql: "SELECT count(*) FROM link WHERE state = ? AND (localId IS NOT NULL) = ?",
                                                arguments: [state.rawValue, hasLocal]) ?? 0
                    if kept != real { out.append("links \(state.rawValue) hasLocal=\(hasLocal): tally \(kept), real \(real)") }
                }
            }
            let history = try Int.fetchOne(db, sql: "SELECT coalesce(sum(coalesce(span, 1)), 0) FROM history") ?? 0
            if try HistoryTally.count(db) != history { out.append("history: largest id \(try HistoryTally.count(db)), entries \(history)") }
            let wrong = try Int64.fetchAll(db, sql: """
                SELECT id FROM customer c WHERE linked <> (EXISTS (SELECT 1 FROM link WHERE localId = c.id) OR EXISTS (SELECT 1 FROM link WHERE remoteId = c.id))
                ORDER BY id LIMIT 10
                """)
            if !wrong.isEmpty { out.append("linked differs from the links for customers \(wrong.map(CustomerID.format))") }
            if try SearchIndex.storedSignature(db) != SearchIndex.signature {
                out.append("the search index was built with other keys than the code computes")
            }
            return out + (try SearchIndex.differences(db))
        }
    }
}

extension AppDatabase {
    /// The virtual-machine steps SQLite takes to run `sql` to its end (its
    /// `SQLITE_STMTSTATUS_VM_STEP`): how much of the database a statement reads, whatever its
    /// plan says. For the tests that bound the work of every list.
    func stepsToRun(_ sql: String) throws -> Int {
        try read { db in
            let statement = try db.makeStatement(sql: sql)
            _ = try Row.fetchAll(statement)
            return Int(sqlite3_stmt_status(statement.sqliteStatement, SQLITE_STMTSTATUS_VM_STEP, 0))
        }
    }
}
