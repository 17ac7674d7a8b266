import GRDB

/// Hands out row ids above every id ever used in a table, so an id a client holds never comes
/// to name another row, even after the row it named is gone.
///
/// This is what SQLite's AUTOINCREMENT does, but AUTOINCREMENT writes its high-water mark
/// once per inserted row (a large share of a bulk insert); this records it
/// once per transaction. Every insert into `customer` and `link` takes its id from here.
struct IdAllocator {
    let table: String
    private(set) var next: Int64

    init(_ db: Database, table: String) throws {
        self.table = table
        let recorded = try Int64.fetchOne(db, sql: "SELECT next FROM id_sequence WHERE name = ?", arguments: [table]) ?? 1
        let highest = try Int64.fetchOne(db, sql: "SELECT max(id) FROM \(table)") ?? 0
        next = max(recorded, highest + 1)
    }

    mutating func take() -> Int64 {
        defer { next += 1 }
        return next
    }

    /// The first of `count` consecutive ids.
    mutating func take(count: Int) -> Int64 {
        defer { next += Int64(count) }
        return next
    }

    /// Records the high-water mark; call before the transaction commits.
    func save(_ db: Database) throws {
        // A mark no higher than the recorded one changes no row: a write that took no id and
        // changed nothing else commits nothing.
        try db.execute(sql: """
            INSERT INTO id_sequence (name, next) VALUES (?, ?)
            ON CONFLICT (name) DO UPDATE SET next = excluded.next WHERE excluded.next > next
            """, arguments: [table, next])
    }
}
