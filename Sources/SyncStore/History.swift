import Foundation
import GRDB
import SyncCore

/// Where a change came from.
public enum ChangeSource: String, Sendable {
    /// A method a client called.
    case user
    /// A row of an imported file.
    case `import`
    /// Copied to a partner by reconciliation.
    case sync
}

/// Writes history rows for one transaction: one per changed field, one per event.
struct HistoryWriter {
    let operation: String
    let at: String
    let db: Database
    private var insert: BulkStatement

    init(_ db: Database, operation: String) throws {
        self.db = db
        self.operation = operation
        at = Self.now()
        insert = try BulkStatement(db, sql: """
            INSERT INTO history (at, operation, source, customerId, linkId, field, old, new) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
    }

    static func now() -> String { UTCTime.now() }

    /// An event without a field: create, delete, link, unlink, exclusion.
    mutating func event(_ source: ChangeSource, customer: Int64?, link: Int64? = nil, operation: String? = nil) throws {
        try row(source, customer: customer, link: link, field: nil, old: nil, new: nil, operation: operation)
    }

    /// One field's change.
    mutating func change(_ source: ChangeSource, customer: Int64, link: Int64? = nil, field: String, old: String?, new: String?) throws {
        try row(source, customer: customer, link: link, field: field, old: old, new: new, operation: nil)
    }

    /// One event for each customer whose id is at least `firstId` (the bulk paths' new
    /// customers): one range row when their ids are consecutive, as the bulk paths give them
    /// (`IdAllocator`), else a row each, in one set-based statement.
    func eventsForCustomers(_ source: ChangeSource, from firstId: Int64) throws {
        let row = try Row.fetchOne(db, sql: "SELECT count(*) AS n, min(id) AS low, max(id) AS high FROM customer WHERE id >= ?", arguments: [firstId])
        if let row, let low: Int64 = row["low"], let high: Int64 = row["high"], let n: Int64 = row["n"], n >= 2, high - low + 1 == n {
            try range(source, customer: low, link: nil, span: n)
            return
        }
        try db.execute(sql: """
            INSERT INTO history (at, operation, source, customerId) SELECT ?, ?, ?, id FROM customer WHERE id >= ? ORDER BY id
            """, arguments: [at, operation, source.rawValue, firstId])
    }

    /// One event for each customer of each link whose id is from `firstId` through `lastId`:
    /// first the remote customers', then the local ones'. The customers of side `new` were made
    /// with these links (the partners `createAllPartners` makes): when their ids step with the
    /// links' they are one range row. (Only new customers: a customer is in one range at most,
    /// so the range that may hold it is found on an index. The other side's may be in an
    /// import's range already.)
    func eventsForLinks(_ source: ChangeSource, from firstId: Int64, through lastId: Int64, new: Side) throws {
        for column in ["remoteId", "localId"] {
            let isNew = column == (new == .local ? "localId" : "remoteId")
            let row = !isNew ? nil : try Row.fetchOne(db, sql: """
                SELECT count(*) AS n, min(id) AS low, max(id) AS high, min(\(column) - id) AS minOffset, max(\(column) - id) AS maxOffset
                FROM link WHERE id BETWEEN ? AND ?
                """, arguments: [firstId, lastId])
            if let row, let n: Int64 = row["n"], n >= 2, let low: Int64 = row["low"], let high: Int64 = row["high"], high - low + 1 == n,
               let minOffset: Int64 = row["minOffset"], let maxOffset: Int64 = row["maxOffset"], minOffset == maxOffset {
                try range(source, customer: low + minOffset, link: low, span: n)
                continue
            }
            try db.execute(sql: """
                INSERT INTO history (at, operation, source, customerId, linkId)
                SELECT ?, ?, ?, \(column), id FROM link WHERE id BETWEEN ? AND ? ORDER BY id
                """, arguments: [at, operation, source.rawValue, firstId, lastId])
        }
    }

    /// `span` events in one row, taking the next `span` history ids (the row has the last). Its
    /// customers (and links) are new, so no other range holds them.
    private func range(_ source: ChangeSource, customer: Int64, link: Int64?, span: Int64) throws {
        try db.execute(sql: """
            INSERT INTO history (id, at, operation, source, customerId, linkId, span)
            VALUES ((SELECT coalesce(max(id), 0) FROM history) + ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [span, at, operation, source.rawValue, customer, link, span])
    }

    /// Every field that differs between `old` and `new`, exactly (spelling included).
    mutating func changes(_ source: ChangeSource, customer: Int64, link: Int64? = nil, old: CustomerFields, new: CustomerFields) throws {
        for field in SyncField.allCases where old[field] != new[field] {
            try change(source, customer: customer, link: link, field: field.rawValue, old: old[field], new: new[field])
        }
    }

    private mutating func row(_ source: ChangeSource, customer: Int64?, link: Int64?, field: String?, old: String?, new: String?, operation: String?) throws {
        insert.bind(at)
        insert.bind(operation ?? self.operation)
        insert.bind(source.rawValue)
        insert.bind(customer)
        insert.bind(link)
        insert.bind(field)
        insert.bind(old)
        insert.bind(new)
        try insert.run()
    }
}

/// One history entry as read.
public struct HistoryEntry: Sendable, Hashable {
    public var id: Int64
    public var at: String
    public var operation: String
    public var source: String
    public var customerId: Int64?
    public var linkId: Int64?
    public var field: String?
    public var old: String?
    public var new: String?
}

extension AppDatabase {
    /// History, newest first, optionally of one customer and/or one link (filters combine
    /// with AND), before the entry `before`.
    public func history(customerId: Int64?, linkId: Int64?, limit: Int, before: Int64?) throws -> Page<HistoryEntry> {
        try read { db in try HistoryReader(db).page(customerId: customerId, linkId: linkId, limit: limit, before: before) }
    }
}

/// Reads history pages: single rows as they are, range rows (`span`) as the entries they
/// stand for, so a page reads the same as if every entry had its own row.
struct HistoryReader {
    let db: Database
    static let columns = "id, at, operation, source, customerId, linkId, field, old, new, span"

    init(_ db: Database) { self.db = db }

    /// A stored row: one entry, or `span` entries ending at `id`.
    struct Stored {
        var entry: HistoryEntry
        var span: Int64

        init(_ row: Row) {
            entry = HistoryEntry(id: row["id"], at: row["at"], operation: row["operation"], source: row["source"],
                                 customerId: row["customerId"], linkId: row["linkId"], field: row["field"], old: row["old"], new: row["new"])
            span = row["span"] ?? 1
        }

        var firstId: Int64 { entry.id - span + 1 }

        /// Entry `k` (0: the oldest).
        func entry(_ k: Int64) -> HistoryEntry {
            var e = entry
            e.id = firstId + k
            e.customerId = entry.customerId.map { $0 + k }
            e.linkId = entry.linkId.map { $0 + k }
            return e
        }

        /// Its entries below `before` (every one: nil), newest first, at most `limit`.
        func entries(before: Int64?, limit: Int) -> [HistoryEntry] {
            let top = min(entry.id, (before ?? Int64.max) - 1)
            guard top >= firstId else { return [] }
            return (0..<min(Int64(limit), top - firstId + 1)).map { entry(top - firstId - $0) }
        }
    }

    func page(customerId: Int64?, linkId: Int64?, limit: Int, before: Int64?) throws -> Page<HistoryEntry> {
        var items: [HistoryEntry]
        let total: Int
        if customerId == nil && linkId == nil {
            // Every entry: the rows below the cursor, newest first, and the range the cursor
            // falls in (its entries below the cursor come first).
            items = []
            if let before, let straddling = try Row.fetchOne(db, sql: "SELECT \(Self.columns) FROM history WHERE id >= ? ORDER BY id LIMIT 1",
                                                              arguments: [before]).map(Stored.init) {
                items += straddling.entries(before: before, limit: limit + 1)
            }
            // By rowid, newest first: with statistics SQLite has been seen to read an index
            // whole and sort it instead.
            var sql = "SELECT \(Self.columns) FROM history NOT INDEXED"
            var arguments: StatementArguments = []
            if let before {
                sql += " WHERE id < ?"
                arguments += [before]
            }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments += [limit + 1]
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while items.count <= limit, let row = try rows.next() {
                items += Stored(row).entries(before: before, limit: limit + 1 - items.count)
            }
            total = try HistoryTally.count(db)
        } else {
            // One customer's or link's: its own rows on their index, and the one entry a
            // range may hold for it. The filter leaves out nothing the index cannot check (a
            // condition on `span` made SQLite sort the rows instead), so a range row that starts
            // at this customer or link is read and dropped here: one at most, as ranges hold
            // new customers and links only.
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let customerId {
                conditions.append("customerId = ?")
                arguments += [customerId]
            }
            if let linkId {
                conditions.append("linkId = ?")
                arguments += [linkId]
            }
            let filter = conditions.joined(separator: " AND ")
            let from = "history INDEXED BY " + (customerId != nil ? "history_customer" : "history_link")
            let rangeIndex = customerId != nil ? "history_range_customer" : "history_range_link"
            var counted = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(from) WHERE " + filter, arguments: arguments) ?? 0
            counted -= try Int.fetchOne(db, sql: "SELECT count(*) FROM history INDEXED BY \(rangeIndex) WHERE span IS NOT NULL AND " + filter,
                                        arguments: arguments) ?? 0
            var pageSQL = "SELECT \(Self.columns) FROM \(from) WHERE " + filter
            var pageArguments = arguments
            if let before {
                pageSQL += " AND id < ?"
                pageArguments += [before]
            }
            pageSQL += " ORDER BY id DESC LIMIT ?"
            pageArguments += [limit + 2]
            items = try Row.fetchAll(db, sql: pageSQL, arguments: pageArguments).map(Stored.init).filter { $0.span == 1 }.map(\.entry)
            if items.count > limit + 1 { items.removeLast() }
            if let ranged = try rangeEntry(customerId: customerId, linkId: linkId) {
                counted += 1
                if ranged.id < (before ?? Int64.max) {
                    items.append(ranged)
                    items.sort { $0.id > $1.id }
                    if items.count > limit + 1 { items.removeLast() }
                }
            }
            total = counted
        }
        let more = items.count > limit
        if more { items.removeLast(items.count - limit) }
        return Page(items: items, nextAfter: more ? items.last?.id : nil, total: total)
    }

    /// The entry a range row holds for this customer and/or link, if any.
    func rangeEntry(customerId: Int64?, linkId: Int64?) throws -> HistoryEntry? {
        let (column, id) = customerId.map { ("customerId", $0) } ?? ("linkId", linkId!)
        let index = column == "customerId" ? "history_range_customer" : "history_range_link"
        guard let range = try Row.fetchOne(db, sql: """
            SELECT \(Self.columns) FROM history INDEXED BY \(index)
            WHERE span IS NOT NULL AND \(column) IS NOT NULL AND \(column) <= ? ORDER BY \(column) DESC LIMIT 1
            """, arguments: [id]).map(Stored.init) else { return nil }
        let start = column == "customerId" ? range.entry.customerId! : range.entry.linkId!
        let k = id - start
        guard k < range.span else { return nil }
        let entry = range.entry(k)
        if let customerId, entry.customerId != customerId { return nil }
        if let linkId, entry.linkId != linkId { return nil }
        return entry
    }
}
