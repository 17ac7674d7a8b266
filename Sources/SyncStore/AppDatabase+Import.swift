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
    /// FNV-1a of the fields and extra columns: equal rows, equal digests.
    let digest: Int64

    public init(number: String, fields: CustomerFields, extra: [String: String]) {
        self.number = number
        self.fields = fields
        self.extra = extra
        extraJSON = CustomerSQL.encodeExtra(extra)
        searchKey = CustomerSQL.searchKey(number: number, fields: fields)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        for field in SyncField.allCases {
            if let value = fields[field] {
                for b in value.utf8 { mix(b) }
                mix(0x1F)
            } else {
                mix(0x1E)
            }
        }
        for b in extraJSON.utf8 { mix(b) }
        digest = Int64(bitPattern: hash)
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
            // The side's customers by number, with the digest of the row last read for each:
            // a re-import compares digests and reads stored values only for rows that differ.
            var existing: [String: (id: Int64, seen: Int64?)] = [:]
            let count = try Tally.count(db, side: side, excluded: false) + Tally.count(db, side: side, excluded: true)
            if count > 0 {
                existing.reserveCapacity(count)
                let rows = try Row.fetchCursor(db, sql: "SELECT id, number, seenDigest FROM customer WHERE side = ? AND number IS NOT NULL",
                                               arguments: [side.rawValue])
                while let row = try rows.next() {
                    existing[row[1]] = (row[0], row[2])
                }
            }
            let stored = try db.makeStatement(sql: "SELECT \(CustomerSQL.fieldColumns), extra FROM customer WHERE id = ?")
            var insert = try BulkStatement(db, sql: """
                INSERT INTO customer (id, side, number, \(CustomerSQL.fieldColumns), extra, searchKey, seenDigest)
                VALUES (?, ?, ?, \(CustomerSQL.fieldPlaceholders), ?, ?, ?)
                """)
            var update = try BulkStatement(db, sql: """
                UPDATE customer SET \(CustomerSQL.fieldAssignments), extra = ?, searchKey = ?, seenDigest = ?, version = version + 1 WHERE id = ?
                """)
            var noteSeen = try BulkStatement(db, sql: "UPDATE customer SET seenDigest = ? WHERE id = ?")
            var ids = try IdAllocator(db, table: "customer")
            var touched: [Int64] = []
            for record in records {
                if let old = existing[record.number] {
                    // The same row as last time: unchanged, whatever happened to the customer since.
                    if old.seen == record.digest {
                        outcome.unchanged += 1
                        continue
                    }
                    let row = try Row.fetchOne(stored, arguments: [old.id])!
                    var fields = CustomerFields()
                    for (i, field) in SyncField.allCases.enumerated() { fields[field] = row[i] }
                    if fields == record.fields && (row[10] as String) == record.extraJSON {
                        noteSeen.bind(record.digest)
                        noteSeen.bind(old.id)
                        try noteSeen.run()
                        outcome.unchanged += 1
                        continue
                    }
                    for field in SyncField.allCases { update.bind(record.fields[field]) }
                    update.bind(record.extraJSON)
                    update.bind(record.searchKey)
                    update.bind(record.digest)
                    update.bind(old.id)
                    try update.run()
                    if fields != record.fields { touched.append(old.id) }
                    outcome.updated += 1
                } else {
                    insert.bind(ids.take())
                    insert.bind(side.rawValue)
                    insert.bind(record.number)
                    for field in SyncField.allCases { insert.bind(record.fields[field]) }
                    insert.bind(record.extraJSON)
                    insert.bind(record.searchKey)
                    insert.bind(record.digest)
                    try insert.run()
                    outcome.added += 1
                }
            }
            try ids.save(db)
            try Self.recheckLinks(db, customerIds: touched, side: side)
            try Tally.adjust(db, side: side, excluded: false, by: outcome.added)
            if outcome.added + outcome.updated > 0 { try FieldsGeneration.bump(db) }
            try beforeCommit()
            return outcome
        }
    }

    /// Re-derives the state of the links of customers whose values changed.
    static func recheckLinks(_ db: Database, customerIds: [Int64], side: Side) throws {
        let column = side == .local ? "localId" : "remoteId"
        for id in customerIds {
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, localId, remoteId, state FROM link WHERE \(column) = ?"), arguments: [id]) else { continue }
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
