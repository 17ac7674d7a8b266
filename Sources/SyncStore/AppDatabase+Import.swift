import GRDB
import SyncCore

/// A customer row to import: the number in its side's canonical form, values as stored.
///
/// The stored forms of the extra columns and the search key are computed when the record is
/// made, so an import that builds records on a reader thread does that work there, beside
/// the writer.
public struct ImportRecord: Sendable {
    public let number: String
    public let fields: CustomerFields
    public let extra: [String: String]
    let extraJSON: String
    let searchKey: String

    public init(number: String, fields: CustomerFields, extra: [String: String]) {
        self.number = number
        self.fields = fields
        self.extra = extra
        extraJSON = CustomerSQL.encodeExtra(extra)
        searchKey = CustomerSQL.searchKey(number: number, fields: fields)
    }
}

extension AppDatabase {
    /// Imports a register into `side` in one transaction: rows are matched to existing customers
    /// by number; new numbers are added, changed rows updated, the rest left alone.
    ///
    /// A linked customer whose values change gets its link re-checked: equal partners stay
    /// `synced`, differing ones become `conflict`.
    ///
    /// `records` may be produced while this runs (a file read on another thread);
    /// `beforeCommit` runs after the last record and may throw to roll everything back.
    public func importCustomers(side: Side, records: some Sequence<ImportRecord>,
                                beforeCommit: () throws -> Void = {}) throws -> ImportOutcome {
        try write { db in
            var outcome = ImportOutcome()
            var existing: [String: (id: Int64, fields: CustomerFields, extra: String)] = [:]
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM customer WHERE side = ?", arguments: [side.rawValue]) ?? 0
            if count > 0 {
                let rows = try Row.fetchCursor(db, sql: "SELECT id, number, \(CustomerSQL.fieldColumns), extra FROM customer WHERE side = ? AND number IS NOT NULL",
                                               arguments: [side.rawValue])
                while let row = try rows.next() {
                    var fields = CustomerFields()
                    for (i, field) in SyncField.allCases.enumerated() { fields[field] = row[2 + i] }
                    existing[row[1]] = (row[0], fields, row[12])
                }
            }
            var insert = try BulkStatement(db, sql: """
                INSERT INTO customer (side, number, \(CustomerSQL.fieldColumns), extra, searchKey)
                VALUES (?, ?, \(CustomerSQL.fieldPlaceholders), ?, ?)
                """)
            var update = try BulkStatement(db, sql: """
                UPDATE customer SET \(CustomerSQL.fieldAssignments), extra = ?, searchKey = ?, version = version + 1 WHERE id = ?
                """)
            var touched: [Int64] = []
            for record in records {
                let extra = record.extraJSON
                let searchKey = record.searchKey
                if let old = existing[record.number], old.fields == record.fields && old.extra == extra {
                    outcome.unchanged += 1
                    continue
                }
                if let old = existing[record.number] {
                    for field in SyncField.allCases { update.bind(record.fields[field]) }
                    update.bind(extra)
                    update.bind(searchKey)
                    update.bind(old.id)
                    try update.run()
                    if old.fields != record.fields { touched.append(old.id) }
                    outcome.updated += 1
                } else {
                    insert.bind(side.rawValue)
                    insert.bind(record.number)
                    for field in SyncField.allCases { insert.bind(record.fields[field]) }
                    insert.bind(extra)
                    insert.bind(searchKey)
                    try insert.run()
                    outcome.added += 1
                }
            }
            try Self.recheckLinks(db, customerIds: touched, side: side)
            try Tally.adjust(db, side: side, excluded: false, by: outcome.added)
            try beforeCommit()
            return outcome
        }
    }

    /// Re-derives the state of the links of customers whose values changed.
    static func recheckLinks(_ db: Database, customerIds: [Int64], side: Side) throws {
        let column = side == .local ? "localId" : "remoteId"
        for id in customerIds {
            guard let row = try Row.fetchOne(db, sql: "SELECT id, localId, remoteId, state FROM link WHERE \(column) = ?", arguments: [id]) else { continue }
            let local = try fetchCustomer(db, id: row[1])
            let remote = try fetchCustomer(db, id: row[2])
            let state: LinkState = CustomerFields.conflicts(local: local.fields, remote: remote.fields).isEmpty ? .synced : .conflict
            if state.rawValue != row[3] as String {
                try db.execute(sql: "UPDATE link SET state = ?, version = version + 1 WHERE id = ?", arguments: [state.rawValue, row[0] as Int64])
                let partner: Int64 = side == .local ? row[2] : row[1]
                try bumpVersion(db, customerIds: [partner])
            }
        }
    }
}
