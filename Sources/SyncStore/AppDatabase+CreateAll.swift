import GRDB
import SyncCore

extension AppDatabase {
    /// Creates partners for every unsynced, non-excluded customer of `side` (or just
    /// `customerIds`) in one transaction; with `dryRun` the transaction is rolled back.
    /// `progress(done, total)` is called as it goes.
    ///
    /// Three steps: the sources are read, `PartnerPlan` (SyncCore) decides every number, and
    /// the plan is applied set-based.
    public func createAllPartners(side: Side, numbering: Numbering, customerIds: [Int64]?, dryRun: Bool,
                                  progress: ((Int, Int) -> Void)? = nil) throws -> CreateAllOutcome {
        try bulkWrite(commit: !dryRun) { db in
            var outcome = CreateAllOutcome()
            outcome.dryRun = dryRun
            // A local side's customers' fields are read only for a dry run's list: the partners
            // are copied from them in SQL (`apply`).
            var (sources, unavailable) = try Self.partnerSources(db, side: side, customerIds: customerIds, withFields: side == .remote || dryRun)
            if side == .remote {
                // A remote value that breaks a local rule is not copied there broken: that
                // customer is passed over, with the rule, for one-by-one creation with a value
                // that fits.
                sources.removeAll { source in
                    guard let violation = FieldRules.violations(in: source.fields ?? CustomerFields()).first else { return false }
                    unavailable.append(.init(customerId: source.id, reason: .invalidValue, violation: violation))
                    return true
                }
            }
            let taken = Set(try String.fetchAll(db, sql: "SELECT number FROM customer WHERE side = ? AND number IS NOT NULL",
                                                arguments: [side.opposite.rawValue]))
            let plan = PartnerPlan(sources: sources.map { ($0.id, $0.number) }, target: side.opposite, numbering: numbering, taken: taken)
            progress?(0, sources.count)
            try Self.apply(plan, sources: sources, side: side, db: db) { done in progress?(done, sources.count) }
            progress?(sources.count, sources.count)
            outcome.created = plan.entries.count
            if dryRun {
                outcome.planned = plan.entries.map { entry in
                    let source = sources[entry.source]
                    return .init(customerId: source.id, sourceNumber: source.number, name: source.fields?.name, number: entry.number)
                }
            }
            outcome.skipped = (unavailable + plan.skipped).sorted { $0.customerId < $1.customerId }
            return outcome
        }
    }

    /// A customer to copy to the other side.
    struct PartnerSource {
        var id: Int64
        var number: String?
        /// Its fields; nil when not read (`partnerSources(withFields: false)`).
        var fields: CustomerFields?
    }

    /// The customers to copy, in id order: the given ones (each must be of `side`; excluded or
    /// linked ones are passed over with their reason), else every unsynced, included one.
    /// `withFields: false` leaves out the fields of every unsynced one (a fifth of a large
    /// create-all's time went to reading them).
    static func partnerSources(_ db: Database, side: Side, customerIds: [Int64]?, withFields: Bool = true) throws
        -> (sources: [PartnerSource], unavailable: [CreateAllOutcome.Skipped]) {
        guard let customerIds else {
            let statement = try db.makeStatement(sql: """
                SELECT id, number\(withFields ? ", " + CustomerSQL.fieldColumns : "") FROM customer c
                WHERE side = ? AND excluded = 0 AND linked = 0
                ORDER BY id
                """)
            let id = try statement.position(of: "id"), number = try statement.position(of: "number")
            var sources: [PartnerSource] = []
            let rows = try Row.fetchCursor(statement, arguments: [side.rawValue])
            if withFields {
                let fields = try FieldColumns(statement)
                while let row = try rows.next() {
                    sources.append(PartnerSource(id: row[id], number: row[number], fields: fields.fields(row)))
                }
            } else {
                while let row = try rows.next() { sources.append(PartnerSource(id: row[id], number: row[number])) }
            }
            return (sources, [])
        }
        var sources: [PartnerSource] = []
        var unavailable: [CreateAllOutcome.Skipped] = []
        var seen = Set<Int64>()
        for id in customerIds where seen.insert(id).inserted {
            let customer = try fetchCustomer(db, id: id)
            guard customer.side == side else {
                throw SyncError(.wrongSide, "customer \(CustomerID.format(id)) is a \(customer.side.rawValue) customer, not \(side.rawValue)",
                                details: ["customerId": .string(CustomerID.format(id))])
            }
            if customer.state == .excluded {
                unavailable.append(.init(customerId: id, reason: .excluded))
            } else if customer.linkId != nil {
                unavailable.append(.init(customerId: id, reason: .alreadyLinked))
            } else {
                sources.append(PartnerSource(id: id, number: customer.number, fields: customer.fields))
            }
        }
        return (sources, unavailable)
    }

    /// Writes a plan: the partners and their links by set-based statements from a temporary
    /// table of the plan (one statement a row cost twice as much; measured), in chunks that
    /// report `progress(created so far)`, each with its sources' versions and history; then
    /// the ids and counts.
    static func apply(_ plan: PartnerPlan, sources: [PartnerSource], side: Side, db: Database, progress: (Int) -> Void) throws {
        let target = side.opposite
        let count = plan.entries.count
        try db.execute(sql: """
            CREATE TEMP TABLE IF NOT EXISTS partner_plan (seq INTEGER PRIMARY KEY, sourceId INTEGER NOT NULL, number TEXT NOT NULL);
            DELETE FROM temp.partner_plan;
            """)
        var insertPlan = try BulkStatement(db, sql: "INSERT INTO temp.partner_plan (seq, sourceId, number) VALUES (?, ?, ?)")
        for (seq, entry) in plan.entries.enumerated() {
            insertPlan.bind(Int64(seq))
            insertPlan.bind(sources[entry.source].id)
            insertPlan.bind(entry.number)
            try insertPlan.run()
        }
        var customerIds = try IdAllocator(db, table: "customer")
        var linkIds = try IdAllocator(db, table: "link")
        let firstCustomer = customerIds.take(count: count)
        let firstLink = linkIds.take(count: count)
        let sourceColumns = SyncField.allCases.map { "c.\($0.rawValue)" }.joined(separator: ", ")
        let (localExpr, remoteExpr) = side == .local ? ("p.sourceId", "? + p.seq") : ("? + p.seq", "p.sourceId")
        // In chunks, so progress is reported as the rows are written: the partners, their links,
        // the sources marked linked (their versions bumped, as their state changed), the history.
        // After the last chunk only the ids and counts are written, then the commit (at a
        // million rows the commit still takes a second or more; its checkpoint waits until the
        // client has the answer: `bulkWrite`).
        let chunk = max(1, (count + 49) / 50)
        let sourceColumn = side == .local ? "localId" : "remoteId"
        let history = try HistoryWriter(db, operation: "createAllPartners")
        var done = 0
        while done < count {
            let last = min(count, done + chunk) - 1
            // A partner we create on the remote side must reach the remote file: pending.
            try db.execute(sql: """
                INSERT INTO customer (id, side, number, \(CustomerSQL.fieldColumns), pending, linked)
                SELECT ? + p.seq, ?, p.number, \(sourceColumns), ?, 1
                FROM temp.partner_plan p JOIN customer c ON c.id = p.sourceId WHERE p.seq BETWEEN ? AND ? ORDER BY p.seq
                """, arguments: [firstCustomer, target.rawValue, target == .remote, done, last])
            // Each partner is a copy of its source: every link starts `synced`, its base implicit.
            try db.execute(sql: """
                INSERT INTO link (id, localId, remoteId, state)
                SELECT ? + p.seq, \(localExpr), \(remoteExpr), 'synced' FROM temp.partner_plan p WHERE p.seq BETWEEN ? AND ? ORDER BY p.seq
                """, arguments: [firstLink, firstCustomer, done, last])
            let (low, high) = (firstLink + Int64(done), firstLink + Int64(last))
            try db.execute(sql: "UPDATE customer SET linked = 1, version = version + 1 WHERE id IN (SELECT \(sourceColumn) FROM link WHERE id BETWEEN ? AND ?)",
                           arguments: [low, high])
            try history.eventsForLinks(.user, from: low, through: high, new: target)
            done = last + 1
            if done < count { progress(done) }
        }
        try db.execute(sql: "DROP TABLE temp.partner_plan")
        try customerIds.save(db)
        try linkIds.save(db)
        try Tally.adjust(db, side: target, excluded: false, by: count)
        if count > 0 { try FieldsGeneration.bump(db) }
    }
}
