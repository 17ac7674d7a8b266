import GRDB
import SyncCore

extension AppDatabase {
    public func customer(id: Int64) throws -> Customer {
        try read { db in try Self.fetchCustomer(db, id: id) }
    }

    public func link(id: Int64) throws -> Link {
        try read { db in try Self.fetchLink(db, id: id) }
    }

    /// Counts per side and state, and of links per state.
    public func status() throws -> StatusCounts {
        try read { db in
            var counts = StatusCounts()
            // The links: all of them (a b-tree count), less the few in conflict or deleted.
            let links = try Int.fetchOne(db, sql: "SELECT count(*) FROM link") ?? 0
            counts.linksConflict = try Int.fetchOne(db, sql: "SELECT count(*) FROM link WHERE state = 'conflict'") ?? 0
            counts.linksDeleted = try Int.fetchOne(db, sql: "SELECT count(*) FROM link WHERE state = 'deleted'") ?? 0
            counts.linksSynced = links - counts.linksConflict - counts.linksDeleted
            // Customers per side from the tally the schema keeps; every synced or conflicting
            // link has one customer on each side.
            for side in Side.allCases {
                var c = StatusCounts.SideCounts()
                c.excluded = try Tally.count(db, side: side, excluded: true)
                c.unsynced = try Tally.count(db, side: side, excluded: false)
                c.synced = counts.linksSynced
                c.conflict = counts.linksConflict
                c.deleted = try Int.fetchOne(db, sql: "SELECT count(*) FROM link WHERE state = 'deleted' AND \(side == .local ? "localId" : "remoteId") IS NOT NULL") ?? 0
                c.unsynced -= c.synced + c.conflict + c.deleted
                c.total = c.unsynced + c.synced + c.conflict + c.deleted + c.excluded
                if side == .local { counts.local = c } else { counts.remote = c }
            }
            return counts
        }
    }

    /// Customers not linked and not excluded, optionally of one side and matching `query`
    /// (a part of the number, name, address, ZIP code, city, e-mail, phone or CVR, folded as
    /// `CustomerSQL.searchKey` folds them), in id order after `after`.
    public func listUnsynced(side: Side?, query: String?, limit: Int, after: Int64?) throws -> Page<Customer> {
        try read { db in
            // Without a query the total is counted on indexes: the side's customers not excluded,
            // less its linked ones (a linked customer is never excluded, and every link has one
            // customer on each side). Counting with NOT EXISTS took 33 ms at 100,000 customers.
            let total: Int? = query == nil ? try Self.unsyncedCount(db, side: side) : nil
            guard side == nil else {
                return try Self.unsyncedPage(db, side: side, query: query, limit: limit, after: after, total: total)
            }
            // Both sides: the index runs by side, then id, so one walk in id order over both
            // would sort every unsynced customer. Each side's page instead, merged by id.
            let local = try Self.unsyncedPage(db, side: .local, query: query, limit: limit, after: after, total: 0)
            let remote = try Self.unsyncedPage(db, side: .remote, query: query, limit: limit, after: after, total: 0)
            let merged = (local.items + remote.items).sorted { $0.id < $1.id }
            let items = Array(merged.prefix(limit))
            let more = merged.count > limit || local.nextAfter != nil || remote.nextAfter != nil
            let count = try total ?? Self.unsyncedMatches(db, query: query)
            return Page(items: items, nextAfter: more ? items.last?.id : nil, total: count)
        }
    }

    /// One side's page of the unsynced (`side` nil: both in one walk, which sorts them all).
    static func unsyncedPage(_ db: Database, side: Side?, query: String?, limit: Int, after: Int64?, total: Int?) throws -> Page<Customer> {
        let (conditions, arguments) = unsyncedConditions(side: side, query: query)
        return try customerPage(db, conditions: conditions, arguments: arguments, limit: limit, after: after, total: total)
    }

    /// How many customers of both sides match `query`.
    static func unsyncedMatches(_ db: Database, query: String?) throws -> Int {
        let (conditions, arguments) = unsyncedConditions(side: nil, query: query)
        return try Int.fetchOne(db, sql: "SELECT count(*) FROM customer c WHERE " + conditions.joined(separator: " AND "), arguments: arguments) ?? 0
    }

    static func unsyncedConditions(side: Side?, query: String?) -> ([String], StatementArguments) {
        // `linked` is kept by every write that makes or removes a link; the partial index
        // `customer_unsynced` holds exactly the customers with both at 0, by side and id.
        var conditions = ["c.excluded = 0", "c.linked = 0"]
        var arguments: StatementArguments = []
        if let side {
            conditions.insert("c.side = ?", at: 0)
            arguments += [side.rawValue]
        }
        if let (text, digits) = searchTerms(query) {
            if let digits {
                conditions.append("(instr(c.searchKey, ?) > 0 OR instr(c.searchKey, ?) > 0)")
                arguments += [text, digits]
            } else {
                conditions.append("instr(c.searchKey, ?) > 0")
                arguments += [text]
            }
        }
        return (conditions, arguments)
    }

    static func unsyncedCount(_ db: Database, side: Side?) throws -> Int {
        var total = 0
        // Every link has one customer on each side but a deleted one, which has one only
        // (count(*) on a table is a b-tree count; deleted links are few).
        let links = try Int.fetchOne(db, sql: "SELECT count(*) FROM link") ?? 0
        for s in side.map({ [$0] }) ?? Side.allCases {
            let vanished = try Int.fetchOne(db, sql: "SELECT count(*) FROM link WHERE state = 'deleted' AND \(s == .local ? "localId" : "remoteId") IS NULL") ?? 0
            total += try Tally.count(db, side: s, excluded: false) - (links - vanished)
        }
        return total
    }

    /// Customers excluded from sync, optionally of one side, in id order after `after`.
    public func listExcluded(side: Side?, limit: Int, after: Int64?) throws -> Page<Customer> {
        var conditions = ["c.excluded = 1"]
        var arguments: StatementArguments = []
        if let side {
            conditions.insert("c.side = ?", at: 0)
            arguments += [side.rawValue]
        }
        return try read { db in
            try Self.customerPage(db, conditions: conditions, arguments: arguments, limit: limit, after: after)
        }
    }

    /// Links, optionally in one state, in id order after `after`.
    public func listLinks(state: LinkState?, limit: Int, after: Int64?) throws -> Page<Link> {
        try read { db in
            try Page.fetch(db, select: LinkSQL.select, count: "SELECT count(*) FROM link",
                           id: "id", conditions: state == nil ? [] : ["state = ?"], arguments: StatementArguments(state.map { [$0.rawValue] } ?? []),
                           limit: limit, cursor: after, reader: { _ in { try Self.link(db, $0) } }, itemId: \.id)
        }
    }

    /// The folded query, and its digits when it looks like a phone number or CVR. A query that
    /// folds to nothing (punctuation only) finds nothing: the keys hold no punctuation.
    static func searchTerms(_ query: String?) -> (String, String?)? {
        guard let query = Normalize.clean(query) else { return nil }
        var bytes: [UInt8] = []
        Fold.append(query, to: &bytes, keepingSymbols: true)
        let folded = String(decoding: bytes, as: UTF8.self)
        let text = folded.isEmpty ? query.lowercased() : folded
        let looksNumeric = query.allSatisfy { $0.isNumber || $0 == " " || $0 == "+" || $0 == "-" }
        let digits = Normalize.digits(query)
        return (text, looksNumeric && !digits.isEmpty && digits != text ? digits : nil)
    }

    static func customerPage(_ db: Database, conditions: [String], arguments: StatementArguments, limit: Int, after: Int64?,
                             total knownTotal: Int? = nil) throws -> Page<Customer> {
        try Page.fetch(db, select: CustomerSQL.select, count: "SELECT count(*) FROM customer c", id: "c.id",
                       conditions: conditions, arguments: arguments, limit: limit, cursor: after, knownTotal: knownTotal,
                       reader: { try CustomerColumns($0).customer }, itemId: \.id)
    }
}
