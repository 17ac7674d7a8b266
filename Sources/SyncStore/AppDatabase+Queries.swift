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
            counts.linksConflict = try LinkTally.count(db, state: .conflict)
            counts.linksDeleted = try LinkTally.count(db, state: .deleted)
            counts.linksSynced = try LinkTally.count(db, state: .synced)
            // Customers per side from the tally the schema keeps; every synced or conflicting
            // link has one customer on each side.
            for side in Side.allCases {
                var c = StatusCounts.SideCounts()
                c.excluded = try Tally.count(db, side: side, excluded: true)
                c.unsynced = try Tally.count(db, side: side, excluded: false)
                c.synced = counts.linksSynced
                c.conflict = counts.linksConflict
                // A deleted link keeps the customer of the side that still has one.
                c.deleted = try LinkTally.count(db, state: .deleted, hasLocal: side == .local)
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
        try listUnsynced(side: side, query: query, limit: limit, after: after, tuning: .standard)
    }

    /// As above, with the bounds of a search's strategy set (tests lower them to take the
    /// index's path on a small register).
    func listUnsynced(side: Side?, query: String?, limit: Int, after: Int64?, tuning: SearchTuning) throws -> Page<Customer> {
        try read { db in
            let search = Self.searchTerms(query).map(UnsyncedSearch.init)
            // The index runs by side, then id, so one walk in id order over both sides would
            // sort every unsynced customer. Each side's page instead, merged by id.
            let pages = try (side.map { [$0] } ?? Side.allCases).map {
                try Self.unsyncedPage(db, side: $0, search: search, limit: limit, after: after, tuning: tuning)
            }
            guard pages.count > 1 else { return pages[0] }
            let merged = pages.flatMap(\.items).sorted { $0.id < $1.id }
            let items = Array(merged.prefix(limit))
            let more = merged.count > limit || pages.contains { $0.nextAfter != nil }
            return Page(items: items, nextAfter: more ? items.last?.id : nil, total: pages.map(\.total).reduce(0, +),
                        totalEstimated: pages.contains(where: \.totalEstimated))
        }
    }

    /// One side's page of the unsynced customers, with their total.
    static func unsyncedPage(_ db: Database, side: Side, search: UnsyncedSearch?, limit: Int, after: Int64?,
                             tuning: SearchTuning) throws -> Page<Customer> {
        var conditions = ["c.side = ?", "c.excluded = 0", "c.linked = 0"]
        var arguments: StatementArguments = [side.rawValue]
        guard let search else {
            // Without a query the total is counted on indexes (`unsyncedCount`), not with
            // NOT EXISTS, which reads every customer.
            return try customerPage(db, conditions: conditions, arguments: arguments, limit: limit, after: after,
                                    total: unsyncedCount(db, side: side))
        }
        conditions.append(search.condition)
        arguments += search.arguments
        let unsynced = try unsyncedCount(db, side: side)
        guard unsynced > tuning.scanLimit else {
            return try customerPage(db, conditions: conditions, arguments: arguments, limit: limit, after: after)
        }
        guard let expression = search.expression else {
            // Shorter than a trigram: keys are read until the page is full, and the total is
            // estimated from the side's first `countBudget` keys (reading all is slow at a large side).
            var page = try customerPage(db, conditions: conditions, arguments: arguments, limit: limit, after: after, total: 0)
            let sample = min(max(tuning.countBudget, 1), unsynced)
            let matches = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM (SELECT \(SearchKey.columnsOfC) FROM customer c WHERE c.side = ? AND c.excluded = 0 AND c.linked = 0 ORDER BY c.id LIMIT ?) c
                WHERE \(search.condition)
                """, arguments: [side.rawValue, sample] + search.arguments) ?? 0
            page.total = Int((Double(matches) * Double(unsynced) / Double(sample)).rounded())
            page.totalEstimated = sample < unsynced
            page.settleEstimate(after: after)
            return page
        }
        // The indexed customers by the index, then those it does not hold yet by their keys.
        let table = SearchIndex.table(side)
        let upTo = try SearchIndex.upTo(db)
        var ids = try Int64.fetchAll(db, sql: """
            SELECT c.id FROM \(table) CROSS JOIN customer c ON c.id = \(table).rowid
            WHERE \(table) MATCH ? AND \(table).rowid > ? AND c.excluded = 0 AND c.linked = 0 AND \(search.condition)
            ORDER BY \(table).rowid LIMIT ?
            """, arguments: [expression, after ?? 0] + search.arguments + [limit + 1])
        let tail = conditions + ["c.id > ?"]
        let tailArguments = arguments + [max(upTo, after ?? 0)]
        if ids.count <= limit {
            ids += try Int64.fetchAll(db, sql: "SELECT c.id FROM customer c WHERE " + tail.joined(separator: " AND ") + " ORDER BY c.id LIMIT ?",
                                      arguments: tailArguments + [limit + 1 - ids.count])
        }
        var (total, estimated) = try indexedCount(db, side: side, upTo: upTo, expression: expression, search: search, budget: tuning.countBudget)
        total += try Int.fetchOne(db, sql: "SELECT count(*) FROM customer c WHERE " + tail.joined(separator: " AND "),
                                  arguments: arguments + [upTo]) ?? 0
        var items = try customers(db, ids: ids)
        let more = items.count > limit
        if more { items.removeLast() }
        var page = Page(items: items, nextAfter: more ? items.last?.id : nil, total: total, totalEstimated: estimated)
        page.settleEstimate(after: after)
        return page
    }

    /// How many of a side's indexed customers are unsynced and match: exact over at most
    /// `budget` candidates, else extrapolated from the first ones over the ids of the side's
    /// unsynced customers (`true`: estimated). The first candidates, not a sample spread over
    /// the ids: FTS5 finds a rowid past a bound by reading its lists from their start, so a
    /// spread sample costs several times the first candidates.
    static func indexedCount(_ db: Database, side: Side, upTo: Int64, expression: String, search: UnsyncedSearch,
                             budget: Int) throws -> (Int, Bool) {
        let table = SearchIndex.table(side)
        let row = try Row.fetchOne(db, sql: """
            SELECT count(*) AS candidates, coalesce(sum(c.excluded = 0 AND c.linked = 0 AND \(search.condition)), 0) AS matches,
                   min(f.id) AS first, max(f.id) AS last
            FROM (SELECT rowid AS id FROM \(table) WHERE \(table) MATCH ? ORDER BY rowid LIMIT ?) f CROSS JOIN customer c ON c.id = f.id
            """, arguments: search.arguments + [expression, budget + 1])!
        let candidates: Int = row["candidates"], matches: Int = row["matches"]
        guard candidates > budget, let first: Int64 = row["first"], let last: Int64 = row["last"] else { return (matches, false) }
        // The candidates run on to the side's last unsynced customer the index holds (an index's
        // end; asking FTS5 for its last candidate reads a list backwards whole).
        let lastUnsynced = try Int64.fetchOne(db, sql: "SELECT max(c.id) FROM customer c WHERE c.side = ? AND c.excluded = 0 AND c.linked = 0",
                                              arguments: [side.rawValue]) ?? last
        let end = max(last, min(lastUnsynced, upTo))
        return (Int((Double(matches) * Double(end - first + 1) / Double(last - first + 1)).rounded()), true)
    }

    /// The customers of `ids`, in id order.
    static func customers(_ db: Database, ids: [Int64]) throws -> [Customer] {
        guard !ids.isEmpty else { return [] }
        let statement = try db.makeStatement(sql: CustomerSQL.select + " WHERE c.id IN (" + databaseQuestionMarks(count: ids.count) + ") ORDER BY c.id")
        let item = try CustomerColumns(statement).customer
        return try Row.fetchAll(statement, arguments: StatementArguments(ids)).map(item)
    }

    static func unsyncedCount(_ db: Database, side: Side?) throws -> Int {
        var total = 0
        // Every link has one customer on each side but a deleted one, which has one only.
        let links = try LinkTally.count(db)
        for s in side.map({ [$0] }) ?? Side.allCases {
            // Deleted links whose customer on side `s` vanished.
            let vanished = try LinkTally.count(db, state: .deleted, hasLocal: s == .remote)
            total += try Tally.count(db, side: s, excluded: false) - (links - vanished)
        }
        return total
    }

    /// Customers excluded from sync, optionally of one side and matching `query` (as
    /// `listUnsynced`'s), in id order after `after`.
    public func listExcluded(side: Side?, query: String? = nil, order: ListOrder = .ascending, limit: Int, after: Int64?) throws -> Page<Customer> {
        var conditions = ["c.excluded = 1"]
        var arguments: StatementArguments = []
        if let side {
            conditions.insert("c.side = ?", at: 0)
            arguments += [side.rawValue]
        }
        if let search = Self.searchTerms(query).map(UnsyncedSearch.init) {
            // The excluded are few: their keys are read.
            conditions.append(search.condition)
            arguments += search.arguments
        }
        // The excluded are few by nature, and their partial index holds them alone; without
        // statistics SQLite preferred reading every customer through a covering index.
        let from = "customer c INDEXED BY customer_excluded"
        return try read { db in
            try Self.customerPage(db, from: from, order: order == .ascending ? .ascending : .descending, conditions: conditions, arguments: arguments,
                                  limit: limit, after: after)
        }
    }

    /// Links, optionally in one state and with a partner matching `query` (as
    /// `listUnsynced`'s, on either side), in id order after `after`.
    ///
    /// A query reads the partners' keys link by link until the page is full; its total is
    /// counted over every link up to `linkCountBudget` of them and estimated from the first ones
    /// past that (a million links' keys take about a second to read).
    public func listLinks(state: LinkState?, query: String? = nil, order: ListOrder = .ascending, limit: Int, after: Int64?) throws -> Page<Link> {
        var conditions = state == nil ? [] : ["state = ?"]
        var arguments = StatementArguments(state.map { [$0.rawValue] } ?? [])
        let search = Self.searchTerms(query).map(UnsyncedSearch.init)
        if let search {
            conditions.append("EXISTS (SELECT 1 FROM customer c WHERE c.id IN (link.localId, link.remoteId) AND \(search.condition))")
            arguments += search.arguments
        }
        return try read { db in
            // Without a query the total is the tally's; a query's is counted, and estimated
            // from the first links past `linkCountBudget`.
            var knownTotal: Int? = search == nil ? try LinkTally.count(db, state: state) : nil
            var estimated = false
            let links = search == nil ? 0 : try LinkTally.count(db)
            if links > Self.linkCountBudget {
                let sample = try Int.fetchOne(db, sql: "SELECT count(*) FROM (SELECT * FROM link ORDER BY id LIMIT ?) link WHERE "
                                              + conditions.joined(separator: " AND "), arguments: [Self.linkCountBudget] + arguments) ?? 0
                knownTotal = Int((Double(sample) * Double(links) / Double(Self.linkCountBudget)).rounded())
                estimated = true
            }
            var page = try Page.fetch(db, select: LinkSQL.select, count: "SELECT count(*) FROM link",
                                      id: "id", order: order == .ascending ? .ascending : .descending, conditions: conditions, arguments: arguments, limit: limit, cursor: after, knownTotal: knownTotal,
                                      reader: { _ in { try Self.link(db, $0) } }, itemId: \.id)
            page.totalEstimated = estimated
            page.settleEstimate(after: after)
            return page
        }
    }

    /// How many links a query's total is counted over exactly.
    static let linkCountBudget = 50_000

    /// The folded query, and its digits when it looks like a phone number or CVR. A query that
    /// folds to nothing (punctuation only) finds nothing: the keys hold no punctuation.
    static func searchTerms(_ query: String?) -> (String, String?)? {
        guard let query = Normalize.clean(query) else { return nil }
        var bytes: [UInt8] = []
        Fold.append(query, to: &bytes, keepingSymbols: true)
        let folded = String(decoding: bytes, as: UTF8.self)
        let text = folded.isEmpty ? query.lowercased() : folded
        let looksNumeric = query.allSatisfy { $0.isNumber || $0 == " " || $0 == "+" || $0 == "-" }
        // A phone number as dialled from abroad finds it as written here: "+45 67 38 56 14"
        // and "0045 67385614" are searched as "67385614", as the keys hold phones.
        let digits = Normalize.phoneDigits(query)
        return (text, looksNumeric && !digits.isEmpty && digits != text ? digits : nil)
    }

    /// A page of customers (`from`: the table as `c`, maybe with the index to read it by).
    static func customerPage(_ db: Database, from: String = "customer c", order: KeysetOrder = .ascending, conditions: [String],
                             arguments: StatementArguments, limit: Int, after: Int64?, total knownTotal: Int? = nil) throws -> Page<Customer> {
        try Page.fetch(db, select: CustomerSQL.select(from: from), count: "SELECT count(*) FROM " + from, id: "c.id", order: order,
                       conditions: conditions, arguments: arguments, limit: limit, cursor: after, knownTotal: knownTotal,
                       reader: { try CustomerColumns($0).customer }, itemId: \.id)
    }
}

/// A `listUnsynced` query: the folded text, and its digits when it looks like a phone or CVR.
struct UnsyncedSearch {
    let terms: [String]

    init(_ terms: (String, String?)) {
        self.terms = [terms.0] + (terms.1.map { [$0] } ?? [])
    }

    /// The search key of customer `c` holds one of the terms (`search_holds`: the key computed
    /// once, in the function).
    var condition: String { SearchKey.holdsInC }

    var arguments: StatementArguments { [terms[0], terms.count > 1 ? terms[1] : nil] }

    /// The candidates in the index (nil: a term too short for it).
    var expression: String? { SearchIndex.expression(terms) }
}

/// The bounds of a search's strategy.
struct SearchTuning {
    /// A side with at most this many unsynced customers is searched by reading every one's key
    /// (cheap at that size); a larger one through its trigram index (`SearchIndex`).
    var scanLimit: Int
    /// A search's total is counted exactly over at most this many candidates of the index, and
    /// estimated from them past it (counting every candidate of a common trigram is slow).
    var countBudget: Int

    static let standard = SearchTuning(scanLimit: 5_000, countBudget: 1_000)
}

extension Page {
    /// An estimated total is never below what the page shows (and one more when another page
    /// follows), and a first page that is also the last shows them all: exact.
    mutating func settleEstimate(after: Int64?) {
        if after == nil && nextAfter == nil {
            (total, totalEstimated) = (items.count, false)
        } else if totalEstimated {
            total = max(total, items.count + (nextAfter == nil ? 0 : 1))
        }
    }
}
