import Foundation
import GRDB
@testable import SyncStore
import SyncCore
import Testing

/// Every list a frontend pages through runs on an index: `EXPLAIN QUERY PLAN` of each statement
/// the list methods execute shows no full scan of `customer`, `link` or `history`, a `query`
/// through the search index included. (A query on a side of at most
/// `SearchTuning.standard.scanLimit` unsynced customers reads their keys by design.)
@Suite("Query plans of the lists")
struct QueryPlanTests {
    let db: AppDatabase

    /// Over another register (`ListWorkTests`), for `statements`.
    init(database: AppDatabase) {
        db = database
    }

    init() throws {
        db = try AppDatabase.inMemory()
        let records = (1...40).map { ImportRecord(number: "\($0)", fields: CustomerFields(name: "Kunde \($0)", city: "By \($0 % 4)"), extra: [:]) }
        _ = try db.importCustomers(side: .local, records: records)
        _ = try db.importCustomers(side: .remote, records: records)
        for i in 1...10 { _ = try db.selectPartner(localId: Int64(i), remoteId: Int64(40 + i)) }
        _ = try db.setExcluded(customerId: 20, true)
        try db.writerForTests.write { try $0.execute(sql: "ANALYZE") }
    }

    /// The statements `body` executes, with their arguments in place.
    func statements(_ body: () throws -> Void) throws -> [String] {
        let box = Box()
        db.writerForTests.writeWithoutTransaction { db in
            db.trace(options: .statement) { event in
                if case .statement(let statement) = event { box.sql.append(statement.expandedSQL) }
            }
        }
        defer { db.writerForTests.writeWithoutTransaction { $0.trace(options: .statement, nil) } }
        try body()
        return box.sql
    }

    final class Box: @unchecked Sendable { var sql: [String] = [] }

    /// A query through the index however few the unsynced (`SearchIndexTests.indexed`).
    static let indexed = SearchTuning(scanLimit: 0, countBudget: SearchTuning.standard.countBudget)

    func plan(_ sql: String) throws -> [String] {
        try db.reader.read { db in try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String } }
    }

    /// Whether a plan line reads a whole table or index of the three (not a range of one).
    func isFullScan(_ detail: String) -> Bool {
        ["customer", "c", "link", "history", "h"].contains { detail == "SCAN \($0)" || detail.hasPrefix("SCAN \($0) ") }
            // The excluded are few by nature: their partial index may be read whole.
            && !detail.contains("customer_excluded")
    }

    @Test(arguments: ["unsynced local", "unsynced remote", "unsynced both", "unsynced local, second page",
                      "unsynced local, query", "unsynced both, query", "unsynced local, query, second page",
                      "unsynced local, short query", "excluded", "excluded local",
                      "links", "links in conflict", "history of a customer", "history of a link", "history"])
    func aListRunsOnAnIndex(_ list: String) throws {
        let run: () throws -> Void = switch list {
        case "unsynced local": { _ = try db.listUnsynced(side: .local, query: nil, limit: 5, after: nil) }
        case "unsynced remote": { _ = try db.listUnsynced(side: .remote, query: nil, limit: 5, after: nil) }
        case "unsynced both": { _ = try db.listUnsynced(side: nil, query: nil, limit: 5, after: nil) }
        case "unsynced local, second page": { _ = try db.listUnsynced(side: .local, query: nil, limit: 5, after: 25) }
        case "unsynced local, query": { _ = try db.listUnsynced(side: .local, query: "kunde", limit: 5, after: nil, tuning: Self.indexed) }
        case "unsynced local, short query": { _ = try db.listUnsynced(side: .local, query: "by", limit: 5, after: nil, tuning: Self.indexed) }
        case "unsynced both, query": { _ = try db.listUnsynced(side: nil, query: "86 12", limit: 5, after: nil, tuning: Self.indexed) }
        case "unsynced local, query, second page": { _ = try db.listUnsynced(side: .local, query: "by 2", limit: 5, after: 25, tuning: Self.indexed) }
        case "excluded": { _ = try db.listExcluded(side: nil, limit: 5, after: nil) }
        case "excluded local": { _ = try db.listExcluded(side: .local, limit: 5, after: nil) }
        case "links": { _ = try db.listLinks(state: nil, limit: 5, after: nil) }
        case "links in conflict": { _ = try db.listLinks(state: .conflict, limit: 5, after: nil) }
        case "history of a customer": { _ = try db.history(customerId: 3, linkId: nil, limit: 5, before: nil) }
        case "history of a link": { _ = try db.history(customerId: nil, linkId: 1, limit: 5, before: nil) }
        default: { _ = try db.history(customerId: nil, linkId: nil, limit: 5, before: nil) }
        }
        let executed = try statements(run)
        #expect(!executed.isEmpty)
        for sql in executed where sql.uppercased().hasPrefix("SELECT") {
            let lines = try plan(sql)
            if sql.contains(" LIMIT ") {
                // A page: it walks an index in the order it returns, and stops after the page
                // (a scan is bounded by the LIMIT; a sort would read every row first).
                #expect(!lines.contains { $0.contains("USE TEMP B-TREE FOR ORDER BY") }, "\(list): \(sql) → \(lines)")
                // The unsynced from the index that holds them alone: a page never walks past
                // the linked (217 ms a page after a million links, when it did).
                if list.hasPrefix("unsynced") && sql.contains("FROM customer c") {
                    #expect(lines.contains { $0.contains("USING INDEX customer_unsynced") }, "\(list): \(sql) → \(lines)")
                }
            } else {
                // A total: from the tallies (`linkTally`, `tally`, the history's largest id)
                // or counted over an index range, never by walking a whole table.
                #expect(!lines.contains(where: isFullScan), "\(list): \(sql) reads a whole table: \(lines)")
            }
        }
    }
}

/// The search index catches up a chunk of ids at a time: each chunk reads its own customers by
/// their ids, never a whole side (on `side = ?` SQLite took the index of numbers and read the
/// side for every chunk: 60 s of a million-customer catch-up).
@Suite("Search index chunks")
struct SearchIndexChunkTests {
    @Test func aChunkReadsItsIdsOnly() throws {
        let db = try AppDatabase.inMemory()
        let records = (1...3_000).map { ImportRecord(number: "\($0)", fields: CustomerFields(name: "Kunde \($0)"), extra: [:]) }
        _ = try db.importCustomers(side: .local, records: records)
        _ = try db.importCustomers(side: .remote, records: records)
        #expect(try db.searchIndexBacklog() == 6_000)
        let plans = QueryPlanTests(database: db)
        let executed = try plans.statements { _ = try db.indexSearchKeys(atMost: 500) }
        let inserts = executed.filter { $0.hasPrefix("INSERT INTO customer_search") }
        #expect(inserts.count == 2)
        for sql in inserts {
            let lines = try plans.plan(sql)
            #expect(lines.contains { $0.contains("USING INTEGER PRIMARY KEY") } && !lines.contains { $0.contains("USING INDEX") }, "\(sql) → \(lines)")
        }
        #expect(try db.searchIndexBacklog() == 5_500)
    }
}

/// What the plans cannot show: a `SEARCH … (side=?)` may read one end of an index (a lone
/// `max()`) or all of it (a count). Every statement a list runs, on a register of 20,000 a side
/// (most linked, the search index complete), takes a bounded number of SQLite's steps, far
/// fewer than reading a side: a list's work grows with its page and budget, not the register.
@Suite("Work of the lists")
struct ListWorkTests {
    let db: AppDatabase
    static let size = 20_000

    /// One register for every case (built once: 20,000 a side take a while in a debug build).
    static let shared = Result { try makeRegister() }

    init() throws {
        db = try Self.shared.get()
    }

    static func makeRegister() throws -> AppDatabase {
        let db = try AppDatabase.inMemory()
        let names = ["Jens Hansen", "Mette Sørensen", "Rengøring ApS", "Lars Ølgaard"]
        let records = (1...Self.size).map { i in
            ImportRecord(number: "\(i)", fields: CustomerFields(name: names[i % 4] + " \(i)", address: "Vestervej \(i % 90)",
                                                                 city: ["Herning", "Vejle", "Køge"][i % 3], phone: "86 12 \(i % 100)"), extra: [:])
        }
        _ = try db.importCustomers(side: .local, records: records)
        _ = try db.importCustomers(side: .remote, records: records)
        while try db.indexSearchKeys(atMost: 10_000) > 0 {}
        _ = try db.createAllPartners(side: .local, numbering: .sequence(start: 900_000), customerIds: Array(1...Int64(Self.size / 2)), dryRun: false)
        return db
    }

    /// A fifth of reading one side whole, checking every customer's search key (about twenty
    /// steps a customer since the key is computed, `SearchKey`; ten when it was stored, and
    /// the bound was 40,000 then).
    var bound: Int {
        get throws {
            try db.stepsToRun("SELECT count(*) FROM customer c WHERE c.side = 'remote' AND search_holds('zzqxw', NULL, \(SearchKey.columnsOfC))") / 5
        }
    }

    @Test(arguments: ["unsynced local", "unsynced both", "unsynced remote, page 3", "query city", "query name", "query digits",
                      "query rare", "query nothing", "query two letters", "excluded", "links"])
    func aListsWorkIsBounded(_ list: String) throws {
        let plans = QueryPlanTests(database: db)
        let run: () throws -> Void = switch list {
        case "unsynced local": { _ = try db.listUnsynced(side: .local, query: nil, limit: 50, after: nil) }
        case "unsynced both": { _ = try db.listUnsynced(side: nil, query: nil, limit: 50, after: nil) }
        case "unsynced remote, page 3": { _ = try db.listUnsynced(side: .remote, query: nil, limit: 50, after: Int64(Self.size + 100)) }
        case "query city": { _ = try db.listUnsynced(side: .remote, query: "herning", limit: 50, after: nil) }
        case "query name": { _ = try db.listUnsynced(side: nil, query: "jens hansen", limit: 50, after: nil) }
        case "query digits": { _ = try db.listUnsynced(side: .remote, query: "86 12 7", limit: 50, after: nil) }
        case "query rare": { _ = try db.listUnsynced(side: .remote, query: "ølgaard 1999", limit: 50, after: nil) }
        case "query nothing": { _ = try db.listUnsynced(side: .remote, query: "zzqxw", limit: 50, after: nil) }
        case "query two letters": { _ = try db.listUnsynced(side: .remote, query: "ng", limit: 50, after: nil) }
        case "excluded": { _ = try db.listExcluded(side: nil, limit: 50, after: nil) }
        default: { _ = try db.listLinks(state: nil, limit: 50, after: nil) }
        }
        let bound = try bound
        #expect(bound > 40_000 && bound < 100_000, "a side's \(ListWorkTests.size) customers read whole: \(bound * 5) steps")
        for sql in try plans.statements(run) where sql.uppercased().hasPrefix("SELECT") {
            let steps = try db.stepsToRun(sql)
            let plan = try plans.plan(sql)
            #expect(steps < bound, "\(list): \(steps) steps for \(sql): \(plan)")
        }
    }
}
