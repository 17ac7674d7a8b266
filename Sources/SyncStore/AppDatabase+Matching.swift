import GRDB
import SyncCore

/// The `fields` generation: grows with every change that adds customers or changes their
/// synced fields. Those writes call `bump` in their transaction.
enum FieldsGeneration {
    static func bump(_ db: Database) throws {
        try db.execute(sql: "UPDATE generation SET n = n + 1 WHERE name = 'fields'")
    }
}

extension AppDatabase {
    /// The current `fields` generation (see `FieldsGeneration`).
    public func fieldsGeneration() throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT n FROM generation WHERE name = 'fields'") ?? 0 }
    }

    /// Every customer's matching keys, with the generation they were read at.
    public func matchRecords() throws -> (generation: Int64, records: [MatchRecord]) {
        try read { db in
            let generation = try Int64.fetchOne(db, sql: "SELECT n FROM generation WHERE name = 'fields'") ?? 0
            var records: [MatchRecord] = []
            records.reserveCapacity(try Tally.count(db, side: .local) + Tally.count(db, side: .remote))
            let statement = try db.makeStatement(sql: "SELECT id, side, \(CustomerSQL.fieldColumns) FROM customer")
            let id = try statement.position(of: "id"), side = try statement.position(of: "side"), fields = try FieldColumns(statement)
            // Rows are read a batch at a time, and each batch's records made on every core
            // (a record's keys are most of the time: 15 s of 16 at a million a side, on one).
            var batch: [(Int64, Side, CustomerFields)] = []
            batch.reserveCapacity(Self.matchBatch)
            func makeRecords() {
                records += Parallel.map(batch) { MatchRecord(id: $0.0, side: $0.1, fields: $0.2) }
                batch.removeAll(keepingCapacity: true)
            }
            let rows = try Row.fetchCursor(statement)
            while let row = try rows.next() {
                batch.append((row[id], Side(rawValue: row[side]) ?? .local, fields.fields(row)))
                if batch.count == Self.matchBatch { makeRecords() }
            }
            makeRecords()
            return (generation, records)
        }
    }

    /// Rows a batch of `matchRecords`.
    static let matchBatch = 16_384

    /// A customer that may get a partner (not excluded, not linked), or `Excluded`,
    /// `AlreadyLinked`, `NotFound`.
    public func pairableCustomer(id: Int64) throws -> Customer {
        try read { db in try Self.linkableCustomer(db, id: id) }
    }

    /// The 'writes' generation: the same while no write of the facade has committed, so who
    /// may be paired is the same too, and is not read again.
    public func writesGeneration() throws -> Int64 {
        try read { db in try Self.writesGeneration(db) }
    }

    static func writesGeneration(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT n FROM generation WHERE name = 'writes'") ?? 0
    }

    /// The ids of the customers that may be paired (not linked, not excluded), with the
    /// 'writes' generation they were read at.
    public func pairable() throws -> (writes: Int64, ids: Set<Int64>) {
        try read { db in
            (try Self.writesGeneration(db), Set(try Int64.fetchAll(db, sql: "SELECT id FROM customer c WHERE excluded = 0 AND linked = 0")))
        }
    }

    /// The customers among `ids` that may be paired.
    public func unsyncedIds(among ids: [Int64]) throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        return try read { db in
            Set(try Int64.fetchAll(db, sql: """
                SELECT id FROM customer c WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ","))) AND excluded = 0
                AND linked = 0
                """, arguments: StatementArguments(ids)))
        }
    }

    /// Customers by id, in the order given (ids not found are left out).
    public func customers(ids: [Int64]) throws -> [Customer] {
        try read { db in try ids.compactMap { try Self.fetchCustomerIfPresent(db, id: $0) } }
    }

    /// What `acceptSuggestions` did (or would do).
    public struct AcceptOutcome: Sendable, Hashable {
        public var linked = 0
        public var synced = 0
        public var conflict = 0
        public var dryRun = false
    }

    /// Links every pair, as `selectPartner` would, in one transaction (rolled back for a dry
    /// run). A pair whose customers are no longer both unsynced and included is passed over.
    public func link(pairs: [(local: Int64, remote: Int64)], dryRun: Bool) throws -> AcceptOutcome {
        try write(commit: !dryRun) { db in
            var outcome = AcceptOutcome()
            outcome.dryRun = dryRun
            var history = try HistoryWriter(db, operation: "acceptSuggestions")
            var links = try LinkWriter(db)
            for pair in pairs {
                let local = try Self.fetchCustomer(db, id: pair.local)
                let remote = try Self.fetchCustomer(db, id: pair.remote)
                guard local.side == .local, remote.side == .remote, local.state == .unsynced, remote.state == .unsynced else { continue }
                let (_, state) = try links.link(local, remote, history: &history)
                outcome.linked += 1
                if state == .synced { outcome.synced += 1 } else { outcome.conflict += 1 }
            }
            try links.finish(db)
            return outcome
        }
    }
}
