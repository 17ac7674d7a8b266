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

    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    /// An event without a field: create, delete, link, unlink, exclusion.
    mutating func event(_ source: ChangeSource, customer: Int64?, link: Int64? = nil, operation: String? = nil) throws {
        try row(source, customer: customer, link: link, field: nil, old: nil, new: nil, operation: operation)
    }

    /// One field's change.
    mutating func change(_ source: ChangeSource, customer: Int64, link: Int64? = nil, field: String, old: String?, new: String?) throws {
        try row(source, customer: customer, link: link, field: field, old: old, new: new, operation: nil)
    }

    /// One event for each customer whose id is at least `firstId` (the bulk paths: their new
    /// ids are consecutive), in one set-based statement: a statement per row was a large share
    /// of a bulk import.
    func eventsForCustomers(_ source: ChangeSource, from firstId: Int64) throws {
        try db.execute(sql: """
            INSERT INTO history (at, operation, source, customerId) SELECT ?, ?, ?, id FROM customer WHERE id >= ? ORDER BY id
            """, arguments: [at, operation, source.rawValue, firstId])
    }

    /// One event for each customer of each link whose id is at least `firstId`.
    func eventsForLinks(_ source: ChangeSource, from firstId: Int64, through lastId: Int64) throws {
        for column in ["remoteId", "localId"] {
            try db.execute(sql: """
                INSERT INTO history (at, operation, source, customerId, linkId)
                SELECT ?, ?, ?, \(column), id FROM link WHERE id BETWEEN ? AND ? ORDER BY id
                """, arguments: [at, operation, source.rawValue, firstId, lastId])
        }
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
        try read { db in
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
            // The whole history's size is its largest id; one customer's or link's is counted on its index.
            return try Page.fetch(db, select: "SELECT id, at, operation, source, customerId, linkId, field, old, new FROM history",
                                  count: "SELECT count(*) FROM history", id: "id", order: .descending,
                                  conditions: conditions, arguments: arguments, limit: limit, cursor: before,
                                  knownTotal: conditions.isEmpty ? try HistoryTally.count(db) : nil,
                                  reader: { _ in
                                      { HistoryEntry(id: $0["id"], at: $0["at"], operation: $0["operation"], source: $0["source"],
                                                     customerId: $0["customerId"], linkId: $0["linkId"], field: $0["field"], old: $0["old"], new: $0["new"]) }
                                  },
                                  itemId: \.id)
        }
    }
}
