import Foundation
import GRDB
import SyncCore

/// A customer row to import: the number in its side's canonical form, values as stored.
///
/// The stored forms of the extra columns and the search key are computed when the record is
/// made, so an import that builds records on a reader thread does that work there, beside
/// the writer.
public struct ImportRecord: Sendable {
    /// The number the register shows: always for a file's row; for a system's customer
    /// (`key` given) it may be missing, or taken by another customer (then it is left out).
    public let number: String?
    /// The connected system's identity of the customer (`RemoteCustomer.key`), which a pull
    /// matches by; nil for a file's row, matched by number.
    public let key: String?
    /// What is stored as the row last seen (`seenDigest`): the digest of the row as read from
    /// a file when given (`rowDigest`), else FNV-1a of the fields and extra columns. Equal
    /// rows, equal digests.
    let digest: Int64
    /// The values, in one box: a record crosses the reader's pipe and its batches by copy,
    /// and ten strings a copy were a fifth of a re-import's time (perf). Nil for a row read
    /// again as last read, which carries no values.
    private let values: Values?

    final class Values: Sendable {
        let fields: CustomerFields
        let extra: [String: String]
        let extraJSON: String

        init(fields: CustomerFields, extra: [String: String], extraJSON: String) {
            self.fields = fields
            self.extra = extra
            self.extraJSON = extraJSON
        }
    }

    public var fields: CustomerFields { values?.fields ?? CustomerFields() }
    public var extra: [String: String] { values?.extra ?? [:] }
    var extraJSON: String { values?.extraJSON ?? "{}" }

    /// The row is the one last read for its number: the digest alone, no values. The writer
    /// takes it as unchanged when the stored digest is still this one, and refuses it
    /// otherwise (another process changed the customer after the file was read).
    var lastRead: Bool { values == nil }

    /// `rowDigest`: the digest of the row as a file holds it (`ImportRow.digest`), so that
    /// the next import of the same row can skip its checks.
    public init(number: String, fields: CustomerFields, extra: [String: String], rowDigest: Int64? = nil) {
        self.init(number: number, key: nil, fields: fields, extra: extra, rowDigest: rowDigest)
    }

    /// A customer of a connected system: its key, and the number it shows if any.
    public init(key: String, number: String?, fields: CustomerFields, extra: [String: String] = [:]) {
        self.init(number: number, key: key, fields: fields, extra: extra, rowDigest: nil)
    }

    init(number: String?, key: String?, fields: CustomerFields, extra: [String: String], rowDigest: Int64?) {
        self.number = number
        self.key = key
        let extraJSON = CustomerSQL.encodeExtra(extra)
        values = Values(fields: fields, extra: extra, extraJSON: extraJSON)
        // A system's customer whose number alone changed has changed: the number is in its digest.
        digest = rowDigest ?? Self.digest(fields: fields, extraJSON: key == nil ? extraJSON : extraJSON + "\u{1D}" + (number ?? ""))
    }

    /// A row read again exactly as last read under `number` (its digest is `digest`).
    public init(lastReadNumber number: String, digest: Int64) {
        self.number = number
        key = nil
        values = nil
        self.digest = digest
    }

    /// FNV-1a over the fields and the extra columns as stored.
    static func digest(fields: CustomerFields, extraJSON: String) -> Int64 {
        var digest = FNV1a()
        for field in SyncField.allCases {
            if let value = fields[field] {
                digest.mix(value)
                digest.mix(0x1F)
            } else {
                digest.mix(0x1E)
            }
        }
        digest.mix(extraJSON)
        return Int64(bitPattern: digest.value)
    }
}

extension AppDatabase {
    /// By number, the digest of each customer's row as last read from `side`'s file (or
    /// written to it): what `RegisterFile.stream` needs to skip the rows read again unchanged.
    public func lastReadDigests(side: Side) throws -> [String: Int64] {
        try lastReadSnapshot(side: side).digests
    }

    /// `lastReadDigests`, with the 'writes' generation they were read at: an import handed
    /// that generation (`lastReadAsOf`) finds the rows marked `lastRead` still as read when
    /// nothing was written since, without looking each one up.
    public func lastReadSnapshot(side: Side) throws -> (digests: [String: Int64], writes: Int64) {
        try read { db in
            let writes = try Self.writesGeneration(db)
            var digests: [String: Int64] = [:]
            digests.reserveCapacity(try Tally.count(db, side: side))
            var query = try BulkStatement(db, sql: "SELECT number, seenDigest FROM customer WHERE side = ? AND seenDigest IS NOT NULL AND number IS NOT NULL")
            query.bind(side.rawValue)
            try query.forEachRow { row in
                if let number = row.text(0) { digests[number] = row.int64(1) }
            }
            return (digests, writes)
        }
    }

    /// Imports a register into `side` in one transaction: rows are matched to existing customers
    /// by number; new numbers are added, changed rows updated, the rest left alone.
    ///
    /// A linked customer whose values change gets its link re-checked: equal partners stay
    /// `synced`, differing ones become `conflict`.
    ///
    /// `records` may be produced while this runs (a file read on another thread);
    /// `beforeCommit` runs after the last record and may throw to roll everything back.
    ///
    /// `replaceWith`, when given, makes the file the whole register: it returns every number the
    /// file mentions (valid rows or not), and customers once read from a file (not ones created
    /// here and never exported) that it does not mention are deleted.
    ///
    /// A replace that would delete more than half of the side's customers (`MassDelete`
    /// rule) is refused with `MassDelete` unless `allowMassDelete`: the wrong sheet, the wrong
    /// register or an empty export must not wipe a register.
    ///
    /// `commit: false` is a dry run: everything is done and then rolled back, so the outcome is
    /// exactly what the import would do.
    ///
    /// `lastReadAsOf`: the 'writes' generation at which the digests behind the `lastRead`
    /// records were read (`lastReadSnapshot`). While it is still the generation, those records
    /// are unchanged without a look-up; else each is checked against its customer's digest.
    public func importCustomers(side: Side, records: some Sequence<ImportRecord>,
                                replaceWith: (() throws -> Set<String>)? = nil, allowMassDelete: Bool = false,
                                commit: Bool = true, lastReadAsOf: Int64? = nil, beforeCommit: () throws -> Void = {}) throws -> ImportOutcome {
        try bulkWrite(commit: commit) { db in
            var outcome = ImportOutcome()
            // The side's customers by number, with the digest of the row last read for each:
            // a re-import compares digests and reads stored values only for rows that differ.
            // Read on the first record that needs it: a file read again unchanged needs none.
            var existingMap: [String: (id: Int64, seen: Int64?)]?
            func existing() throws -> [String: (id: Int64, seen: Int64?)] {
                if let existingMap { return existingMap }
                var map: [String: (id: Int64, seen: Int64?)] = [:]
                let count = try Tally.count(db, side: side)
                if count > 0 {
                    map.reserveCapacity(count)
                    let statement = try db.makeStatement(sql: "SELECT id, number, seenDigest FROM customer WHERE side = ? AND number IS NOT NULL")
                    let id = try statement.position(of: "id"), number = try statement.position(of: "number"), digest = try statement.position(of: "seenDigest")
                    let rows = try Row.fetchCursor(statement, arguments: [side.rawValue])
                    while let row = try rows.next() {
                        map[row[number]] = (row[id], row[digest])
                    }
                }
                existingMap = map
                return map
            }
            let lastReadHolds = try lastReadAsOf != nil && lastReadAsOf == Self.writesGeneration(db)
            let stored = try db.makeStatement(sql: "SELECT \(CustomerSQL.fieldColumns), extra, seen, pending FROM customer WHERE id = ?")
            let storedFields = try FieldColumns(stored)
            let storedExtra = try stored.position(of: "extra"), storedSeen = try stored.position(of: "seen")
            let storedPending = try stored.position(of: "pending")
            var insert = try BulkStatement(db, sql: """
                INSERT INTO customer (id, side, number, systemKey, \(CustomerSQL.fieldColumns), extra, seenDigest)
                VALUES (?, ?, ?, ?, \(CustomerSQL.fieldPlaceholders), ?, ?)
                """)
            var update = try BulkStatement(db, sql: """
                UPDATE customer SET \(CustomerSQL.fieldAssignments), extra = ?, seenDigest = ?, seen = ?, pending = ?,
                version = version + 1 WHERE id = ?
                """)
            var noteSeen = try BulkStatement(db, sql: "UPDATE customer SET seenDigest = ?, seen = ?, pending = ? WHERE id = ?")
            var ids = try IdAllocator(db, table: "customer")
            let firstNewId = ids.next
            var history = try HistoryWriter(db, operation: "importCustomers")
            var touched: [Int64] = []
            var editedFields: [Int64: Set<SyncField>] = [:]
            var contested: [Int64: [SyncField: String?]] = [:]
            // A system's customers (records with a key) are matched by key, through its index:
            // a page of a pull looks up its own customers, never the whole side.
            let byKey = try db.makeStatement(sql: "SELECT id, number, seenDigest FROM customer WHERE side = ? AND systemKey = ?")
            let keyOfId = try db.makeStatement(sql: "SELECT systemKey FROM customer WHERE id = ?")
            for record in records {
                // Read again exactly as last read, and nothing written since it was read.
                if record.lastRead && lastReadHolds && record.key == nil {
                    outcome.unchanged += 1
                    continue
                }
                var number = record.number
                var old: (id: Int64, seen: Int64?)?
                if let key = record.key {
                    var current: (key: String?, number: String?) = (nil, nil)
                    if let row = try Row.fetchOne(byKey, arguments: [side.rawValue, key]) {
                        old = (row["id"], row["seenDigest"])
                        current = (key, row["number"])
                    } else if let n = number, let holder = try existing()[n], try String.fetchOne(keyOfId, arguments: [holder.id]) == nil {
                        // Read before its key was kept (or from a file): its number names it.
                        old = holder
                        current = (nil, n)
                    }
                    // A number another customer holds stays with that one; this one shows none.
                    if let n = number, let holder = try existing()[n], holder.id != old?.id { number = nil }
                    if let found = old, current.key != key || current.number != number {
                        try Self.setIdentity(db, id: found.id, key: key, number: number)
                        // Read in first, then changed in place (a copy would copy every customer).
                        _ = try existing()
                        if let before = current.number { existingMap![before] = nil }
                        if let number { existingMap![number] = found }
                    }
                } else {
                    old = try existing()[number ?? ""]
                }
                guard let old, !record.lastRead || old.seen == record.digest else {
                    if record.lastRead {
                        throw SyncError(.busy, "customer \(number ?? "") changed while the file was read (another process wrote to the register): import the file again")
                    }
                    let id = ids.take()
                    insert.bind(id)
                    insert.bind(side.rawValue)
                    insert.bind(number)
                    insert.bind(record.key)
                    for field in SyncField.allCases { insert.bind(record.fields[field]) }
                    insert.bind(record.extraJSON)
                    insert.bind(record.digest)
                    try insert.run()
                    if let n = number, existingMap != nil { existingMap![n] = (id, record.digest) }
                    outcome.added += 1
                    continue
                }
                // The same row as last time: unchanged, whatever happened to the customer since.
                if old.seen == record.digest {
                    outcome.unchanged += 1
                    continue
                }
                assert(!record.lastRead)
                let row = try Row.fetchOne(stored, arguments: [old.id])!
                let current = storedFields.fields(row)
                let seen = Self.seenValues(seen: row[storedSeen], seenDigest: old.seen, fields: current)
                // Which fields the row changes, which are contested, what stays pending: `ReadRules`.
                let read = ReadRules.apply(read: record.fields, current: current, seen: seen, pending: row[storedPending])
                let updated = read.values
                if !read.contested.isEmpty { contested[old.id] = read.contested }
                let pending = read.pending
                let seenJSON: String? = read.seen.map(FieldMapCoding.encode)
                if updated == current && (row[storedExtra] as String) == record.extraJSON {
                    noteSeen.bind(record.digest)
                    noteSeen.bind(seenJSON)
                    noteSeen.bind(pending ? 1 : 0)
                    noteSeen.bind(old.id)
                    try noteSeen.run()
                    outcome.unchanged += 1
                    continue
                }
                if updated != current {
                    // The link's base, if implicit, is the values before this change.
                    try db.execute(sql: "UPDATE link SET base = ? WHERE \(side == .local ? "localId" : "remoteId") = ? AND base IS NULL",
                                   arguments: [FieldMapCoding.encode(current), old.id])
                }
                for field in SyncField.allCases { update.bind(updated[field]) }
                update.bind(record.extraJSON)
                update.bind(record.digest)
                update.bind(seenJSON)
                update.bind(pending ? 1 : 0)
                update.bind(old.id)
                try update.run()
                try history.changes(.import, customer: old.id, old: current, new: updated)
                if updated != current {
                    touched.append(old.id)
                    editedFields[old.id] = Set(SyncField.allCases.filter { updated[$0] != current[$0] })
                }
                outcome.updated += 1
            }
            if outcome.added > 0 { try history.eventsForCustomers(.import, from: firstNewId) }
            try ids.save(db)
            if let replaceWith {
                // Who the source names: a system's customers by key, a file's by number.
                let mentioned = try replaceWith()
                let seen = try Row.fetchAll(db, sql: "SELECT id, number, systemKey FROM customer WHERE side = ? AND seenDigest IS NOT NULL",
                                            arguments: [side.rawValue])
                let missing = seen.filter { !mentioned.contains(($0["systemKey"] as String?) ?? ($0["number"] as String?) ?? "") }
                let total = try Tally.count(db, side: side)
                if !allowMassDelete, MassDelete.refuses(deleting: missing.count, of: total) {
                    throw SyncError(.massDelete, "this would delete \(missing.count) of the \(total) \(side.rawValue) customers: is it the right file (and sheet)? To go ahead, call again with allowMassDelete",
                                    details: ["wouldDelete": .int(missing.count), "total": .int(total), "side": .string(side.rawValue)])
                }
                for row in missing {
                    let customer = try Self.fetchCustomer(db, id: row["id"])
                    if outcome.deletedCustomers.count < ImportOutcome.keptDeletions {
                        outcome.deletedCustomers.append(DeletedCustomer(id: CustomerID.format(customer.id), number: customer.number, name: customer.fields.name))
                    }
                    try Self.delete(db, customer: customer, source: .import, history: &history)
                    outcome.deleted += 1
                }
            }
            for id in touched where try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM customer WHERE id = ?)", arguments: [id]) == true {
                if let linkId = try Self.linkId(db, customerId: id, side: side) {
                    try Self.reconcile(db, linkId: linkId, history: &history, contested: contested[id] ?? [:],
                                       edited: editedFields[id] ?? [], side: side)
                }
            }
            try Tally.adjust(db, side: side, excluded: false, by: outcome.added)
            if outcome.added + outcome.updated > 0 { try FieldsGeneration.bump(db) }
            try beforeCommit()
            return outcome
        }
    }

    /// Gives a customer the key a system knows it by, and the number it shows there now (nil
    /// when it shows none, or one another customer holds).
    static func setIdentity(_ db: Database, id: Int64, key: String, number: String?) throws {
        try db.execute(sql: "UPDATE customer SET systemKey = ?, number = ? WHERE id = ?", arguments: [key, number, id])
    }
}

extension AppDatabase {
    /// Records the header of a file imported into `side` (what `lastHeaders` compares a new
    /// file with).
    public func noteHeader(side: Side, header: [String]) throws {
        let json = String(decoding: try JSONEncoder().encode(header), as: UTF8.self)
        // The same header again changes no row, so the write commits nothing.
        try write { db in
            try db.execute(sql: """
                INSERT INTO registerHeader (side, header) VALUES (?, ?)
                ON CONFLICT (side) DO UPDATE SET header = excluded.header WHERE header IS NOT excluded.header
                """, arguments: [side.rawValue, json])
        }
    }

    /// The header of the last file imported into each side.
    public func lastHeaders() throws -> [Side: [String]] {
        try read { db in
            var out: [Side: [String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT side, header FROM registerHeader") {
                guard let side = Side(rawValue: row["side"]),
                      let cells = try? JSONDecoder().decode([String].self, from: Data((row["header"] as String).utf8)) else { continue }
                out[side] = cells
            }
            return out
        }
    }
}
