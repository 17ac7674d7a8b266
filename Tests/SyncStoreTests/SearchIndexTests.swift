import Foundation
import GRDB
import SyncCore
@testable import SyncStore
import Testing

/// The search index (`SearchIndex`): a query answers the same through the index as by reading
/// every key, whatever part of the register the index holds yet, and every write keeps it true.
@Suite("Store: search index")
struct SearchIndexTests {
    let db: AppDatabase

    /// Through the index on any register (the standard path reads every key below 5,000).
    static let indexed = SearchTuning(scanLimit: 0, countBudget: 1_000_000)
    /// Every key read.
    static let scanned = SearchTuning(scanLimit: .max, countBudget: 1_000_000)

    static let streets = ["Østergade", "Vestervej", "Strandvejen", "Skolevej", "Møllevej", "Kirkestræde", "Åboulevarden"]
    static let cities = ["Hørsholm", "Aarhus C", "Herning", "Ærøskøbing", "Køge", "Vejle"]
    static let names = ["Jens Hansen", "Mette Sørensen", "Rengøring ApS", "O'Brien & Co", "\"Citat\" A/S", "Lars Ølgaard", "Anne-Mette Kjær"]

    /// A register of `count` customers: names, streets and cities in turn, a phone, some CVRs.
    static func records(_ count: Int, from first: Int = 1, tag: String = "") -> [ImportRecord] {
        (first..<first + count).map { i in
            ImportRecord(number: "\(i)", fields: CustomerFields(
                name: names[i % names.count] + tag + (i % 3 == 0 ? " \(i)" : ""),
                address: streets[(i / 2) % streets.count] + " \(i % 90 + 1)",
                zip: String(1000 + (i * 37) % 9000), city: cities[(i / 3) % cities.count],
                email: i % 4 == 0 ? "kunde\(i)@firma.dk" : nil, phone: "+45 \(20_000_000 + i * 7919 % 9_000_000)",
                cvr: i % 5 == 0 ? String(10_000_000 + i * 31) : nil), extra: [:])
        }
    }

    init() throws {
        db = try AppDatabase.inMemory()
        _ = try db.importCustomers(side: .local, records: Self.records(400))
        _ = try db.importCustomers(side: .remote, records: Self.records(400))
        // Some linked, some excluded: the index holds them, the answer must not.
        for i in stride(from: 1, through: 120, by: 3) { _ = try db.selectPartner(localId: Int64(i), remoteId: Int64(400 + i)) }
        for i in stride(from: 2, through: 400, by: 12) { _ = try db.setExcluded(customerId: Int64(i), true) }
    }

    static let queries = ["hørsholm", "HOERSHOLM", "vej", "vejle", "jens hansen", "sørensen 3", "o'brien", "\"citat\"", "kunde12@",
                          "firma.dk", "20 00", "+45 2", "8612", "1234", "ap", "ø", "æ", "zzz", "ab c", "1", "12", "herning 9"]

    /// Every page of a query, walked with a small limit, and the first page's total.
    func walk(_ side: Side?, _ query: String, _ tuning: SearchTuning) throws -> (ids: [Int64], total: Int, estimated: Bool) {
        var ids: [Int64] = []
        var after: Int64?
        var total = -1, estimated = false
        repeat {
            let page = try db.listUnsynced(side: side, query: query, limit: 40, after: after, tuning: tuning)
            if total < 0 { (total, estimated) = (page.total, page.totalEstimated) }
            ids += page.items.map(\.id)
            after = page.nextAfter
        } while after != nil
        return (ids, total, estimated)
    }

    func expectSameAnswers(_ state: String) throws {
        for query in Self.queries {
            for side in [Side.local, .remote, nil] {
                let scan = try walk(side, query, Self.scanned), index = try walk(side, query, Self.indexed)
                #expect(index.ids == scan.ids, "\(state): \(query) on \(side?.rawValue ?? "both")")
                #expect(index.total == scan.total && index.total == scan.ids.count && !index.estimated,
                        "\(state): \(query) on \(side?.rawValue ?? "both"): total \(index.total), \(scan.ids.count) found")
            }
        }
    }

    /// Empties the index, then indexes the first `count` customers by id.
    func reindex(first count: Int) throws {
        try db.writerForTests.write { db in
            for side in Side.allCases {
                let t = SearchIndex.table(side)
                try db.execute(sql: "INSERT INTO \(t) (\(t)) VALUES ('delete-all')")
            }
            try db.execute(sql: "UPDATE search_index SET upTo = 0")
            if count > 0 { try SearchIndex.indexNext(db, atMost: count) }
        }
    }

    @Test func theIndexAnswersAsReadingEveryKeyWhateverItHolds() throws {
        #expect(try db.searchIndexBacklog() == 0)
        #expect(try db.tallyDifferences() == [])
        try expectSameAnswers("complete")
        #expect(try walk(.local, "hørsholm", Self.indexed).ids.count > 20)
        try reindex(first: 250)
        #expect(try db.searchIndexBacklog() == 550)
        #expect(try db.tallyDifferences() == [])
        try expectSameAnswers("up to customer 250")
        try reindex(first: 0)
        try expectSameAnswers("empty")
    }

    /// Built a chunk at a time with 'automerge' off, the index holds many segments; merging
    /// them a step at a time ends, and the answers stay the same.
    @Test func mergingTheSegmentsChangesNoAnswer() throws {
        try reindex(first: 0)
        for _ in 0..<40 { _ = try db.writerForTests.write { try SearchIndex.indexNext($0, atMost: 20) } }
        let segments = try db.reader.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM customer_search_local_data") ?? 0
        }
        var steps = 0
        while steps < 1_000, try db.mergeSearchIndex(pages: 4) { steps += 1 }
        #expect(steps < 1_000, "merging never ends")
        #expect(steps >= 1, "\(segments) rows of segment data, nothing merged")
        #expect(try !db.mergeSearchIndex(pages: 4))
        #expect(try db.tallyDifferences() == [])
        try expectSameAnswers("merged")
    }

    @Test func everyWriteKeepsTheIndexTrue() throws {
        func found(_ query: String) throws -> [String] {
            try db.listUnsynced(side: .remote, query: query, limit: 100, after: nil, tuning: Self.indexed).items.compactMap(\.number)
        }
        // An update of indexed customers: the new name is found, the old one no longer.
        let changed = Self.records(400).map { record in
            guard let number = record.number, ["200", "201", "202"].contains(number) else { return record }
            var fields = record.fields
            fields.name = "Nyt Navn Zebra \(number)"
            return ImportRecord(number: number, fields: fields, extra: [:])
        }
        _ = try db.importCustomers(side: .remote, records: changed)
        #expect(try found("zebra") == ["200", "201", "202"])
        #expect(try found("nyt navn zebra 201") == ["201"])
        #expect(try db.tallyDifferences() == [])
        // A replace deletes the indexed customers not in the file.
        let kept = Array(changed.prefix(390))
        _ = try db.importCustomers(side: .remote, records: kept, replaceWith: { Set(kept.compactMap { $0.number }) }, allowMassDelete: true)
        #expect(try db.status().remote.total == 390)
        #expect(try db.tallyDifferences() == [])
        // A new customer, one by one and by create-all: indexed in the write's own transaction.
        _ = try db.importCustomers(side: .remote, records: [ImportRecord(number: "9001", fields: CustomerFields(name: "Kvist Pedersen"), extra: [:])])
        #expect(try db.searchIndexBacklog() == 0)
        #expect(try found("kvist") == ["9001"])
        _ = try db.createAllPartners(side: .local, numbering: .sequence(start: 50_000), customerIds: nil, dryRun: false)
        #expect(try db.searchIndexBacklog() == 0)
        #expect(try db.tallyDifferences() == [])
        #expect(try db.listUnsynced(side: .local, query: "hørsholm", limit: 10, after: nil, tuning: Self.indexed).total == 0)
        try expectSameAnswers("after create-all")
    }

    @Test func aBulkWriteLeavesItsNewCustomersToTheIndexer() throws {
        let many = Self.records(SearchIndex.catchUpLimit + 500, from: 1_000, tag: " Bulk")
        _ = try db.importCustomers(side: .local, records: many)
        #expect(try db.searchIndexBacklog() == many.count)
        // Found meanwhile by their keys, past what the index holds.
        try expectSameAnswers("with a backlog")
        #expect(try walk(.local, "bulk", Self.indexed).ids.count == many.count)
        // A chunk at a time (the indexer's writes do not catch up themselves).
        #expect(try db.indexSearchKeys(atMost: 200) == 200)
        #expect(try db.searchIndexBacklog() == many.count - 200)
        var chunks = 1
        while try db.indexSearchKeys(atMost: 200) > 0 { chunks += 1 }
        #expect(chunks == (many.count + 199) / 200)
        #expect(try db.searchIndexBacklog() == 0)
        #expect(try db.tallyDifferences() == [])
        try expectSameAnswers("indexed after the bulk write")
    }

    @Test func aTotalPastTheBudgetIsAnEstimateAndSaysSo() throws {
        let exact = try walk(.local, "vej", Self.scanned)
        #expect(exact.ids.count > 200)
        let page = try db.listUnsynced(side: .local, query: "vej", limit: 5, after: nil, tuning: SearchTuning(scanLimit: 0, countBudget: 60))
        #expect(page.totalEstimated)
        #expect(Double(page.total) > Double(exact.ids.count) * 0.7 && Double(page.total) < Double(exact.ids.count) * 1.3,
                "estimated \(page.total), exactly \(exact.ids.count)")
        #expect(page.items.map(\.id) == Array(exact.ids.prefix(5)))
        // Under the budget: exact, and not flagged.
        let rare = try db.listUnsynced(side: .local, query: "kunde12@", limit: 5, after: nil, tuning: SearchTuning(scanLimit: 0, countBudget: 60))
        let rareCount = try walk(.local, "kunde12@", Self.scanned).ids.count
        #expect(!rare.totalEstimated && rare.total == rareCount)
        // Shorter than a trigram on a side past the scan limit: from the first keys.
        let short = try walk(.local, "ap", Self.scanned).ids
        let guess = try db.listUnsynced(side: .local, query: "ap", limit: 5, after: nil, tuning: SearchTuning(scanLimit: 100, countBudget: 200))
        #expect(guess.totalEstimated && guess.items.map(\.id) == Array(short.prefix(5)))
        #expect(Double(guess.total) > Double(short.count) * 0.7 && Double(guess.total) < Double(short.count) * 1.3,
                "estimated \(guess.total), exactly \(short.count)")
    }

    @Test func expressionsNarrowByTrigramsAndQuoteThem() {
        #expect(SearchIndex.expression(["vej"]) == "(\"vej\")")
        #expect(SearchIndex.expression(["abab"]) == "(\"aba\" AND \"bab\")")
        #expect(SearchIndex.expression(["a\"bc"]) == "(\"a\"\"b\" AND \"\"\"bc\")")
        #expect(SearchIndex.expression(["8612", "86 12"]) == "(\"861\" AND \"612\") OR (\"86 \" AND \"6 1\" AND \" 12\")")
        // Past three: the first and one across words, else the first, a middle one and the last.
        #expect(SearchIndex.expression(["jens hansen"]) == "(\"jen\" AND \"s h\")")
        #expect(SearchIndex.expression(["herning"]) == "(\"her\" AND \"rni\" AND \"ing\")")
        #expect(SearchIndex.narrowing(SearchIndex.trigrams("a bcd")) == ["a b", " bc", "bcd"])
        #expect(SearchIndex.expression(["ab"]) == nil)
        #expect(SearchIndex.expression(["abc", "12"]) == nil)
        #expect(SearchIndex.trigrams("øæå") == ["øæå"])
    }
}
