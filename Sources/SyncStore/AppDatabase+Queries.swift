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
            for side in Side.allCases {
                var c = StatusCounts.SideCounts()
                let rows = try Row.fetchAll(db, sql: "SELECT excluded, count(*) FROM customer WHERE side = ? GROUP BY excluded", arguments: [side.rawValue])
                for row in rows {
                    if row[0] as Bool { c.excluded = row[1] } else { c.unsynced = row[1] }
                }
                let column = side == .local ? "localId" : "remoteId"
                for row in try Row.fetchAll(db, sql: "SELECT state, count(*) FROM link WHERE \(column) IS NOT NULL GROUP BY state") {
                    switch LinkState(rawValue: row[0]) {
                    case .synced: c.synced = row[1]
                    case .conflict: c.conflict = row[1]
                    default: break
                    }
                }
                c.unsynced -= c.synced + c.conflict
                c.total = c.unsynced + c.synced + c.conflict + c.excluded
                if side == .local { counts.local = c } else { counts.remote = c }
            }
            for row in try Row.fetchAll(db, sql: "SELECT state, count(*) FROM link GROUP BY state") {
                switch LinkState(rawValue: row[0]) {
                case .synced: counts.linksSynced = row[1]
                case .conflict: counts.linksConflict = row[1]
                case .deleted: counts.linksDeleted = row[1]
                case nil: break
                }
            }
            return counts
        }
    }

    /// Customers not linked and not excluded, optionally of one side and matching `query`
    /// (number, name, e-mail, phone or CVR, case-insensitively), in id order after `after`.
    public func listUnsynced(side: Side?, query: String?, limit: Int, after: Int64?) throws -> Page<Customer> {
        var conditions = [
            "c.excluded = 0",
            "NOT EXISTS (SELECT 1 FROM link WHERE localId = c.id)",
            "NOT EXISTS (SELECT 1 FROM link WHERE remoteId = c.id)",
        ]
        var arguments: StatementArguments = []
        if let side {
            conditions.insert("c.side = ?", at: 0)
            arguments += [side.rawValue]
        }
        if let (text, digits) = Self.searchTerms(query) {
            if let digits {
                conditions.append("(instr(c.searchKey, ?) > 0 OR instr(c.searchKey, ?) > 0)")
                arguments += [text, digits]
            } else {
                conditions.append("instr(c.searchKey, ?) > 0")
                arguments += [text]
            }
        }
        return try read { db in
            try Self.customerPage(db, conditions: conditions, arguments: arguments, limit: limit, after: after)
        }
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
            var filter = ""
            var arguments: StatementArguments = []
            if let state {
                filter = "state = ?"
                arguments += [state.rawValue]
            }
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM link" + (filter.isEmpty ? "" : " WHERE " + filter), arguments: arguments) ?? 0
            var conditions = filter.isEmpty ? [] : [filter]
            var pageArguments = arguments
            if let after {
                conditions.append("id > ?")
                pageArguments += [after]
            }
            let sql = "SELECT id, localId, remoteId, state, version FROM link"
                + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
                + " ORDER BY id LIMIT ?"
            pageArguments += [limit + 1]
            var links = try Row.fetchAll(db, sql: sql, arguments: pageArguments).map { try Self.link(db, $0) }
            let more = links.count > limit
            if more { links.removeLast() }
            return Page(items: links, nextAfter: more ? links.last?.id : nil, total: total)
        }
    }

    /// The lower-cased query, and its digits when it looks like a phone number or CVR.
    static func searchTerms(_ query: String?) -> (String, String?)? {
        guard let query = Normalize.clean(query) else { return nil }
        let text = query.lowercased()
        let looksNumeric = query.allSatisfy { $0.isNumber || $0 == " " || $0 == "+" || $0 == "-" }
        let digits = Normalize.digits(query)
        return (text, looksNumeric && !digits.isEmpty && digits != text ? digits : nil)
    }

    static func customerPage(_ db: Database, conditions: [String], arguments: StatementArguments, limit: Int, after: Int64?) throws -> Page<Customer> {
        let filter = conditions.joined(separator: " AND ")
        let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM customer c WHERE " + filter, arguments: arguments) ?? 0
        var pageConditions = conditions
        var pageArguments = arguments
        if let after {
            pageConditions.append("c.id > ?")
            pageArguments += [after]
        }
        pageArguments += [limit + 1]
        let sql = CustomerSQL.select + " WHERE " + pageConditions.joined(separator: " AND ") + " ORDER BY c.id LIMIT ?"
        var customers = try Row.fetchAll(db, sql: sql, arguments: pageArguments).map(CustomerSQL.customer)
        let more = customers.count > limit
        if more { customers.removeLast() }
        return Page(items: customers, nextAfter: more ? customers.last?.id : nil, total: total)
    }
}
