import Foundation
import GRDB
@testable import SyncStore
import SyncCore
import Testing

/// A bulk write's events for consecutive new customers are one range row (migration v11).
/// Read back, every page of every filter is what the same history reads with each entry in a
/// row of its own: the ranges are expanded in place and the pages compared.
@Suite("Store: history ranges")
struct HistoryRangeTests {
    static func records(_ range: ClosedRange<Int>, prefix: String = "Kunde") -> [ImportRecord] {
        range.map { ImportRecord(number: "\($0)", fields: CustomerFields(name: "\(prefix) \($0)", city: "By \($0 % 3)"), extra: [:]) }
    }

    /// Every page of the whole history and of each customer's and link's, at `limit`.
    static func everyPage(_ db: AppDatabase, limit: Int) throws -> [String] {
        var out: [String] = []
        let customers = try db.reader.read { try Int64.fetchAll($0, sql: "SELECT id FROM customer") } + [9_999]
        let links = try db.reader.read { try Int64.fetchAll($0, sql: "SELECT id FROM link") } + [9_999]
        var filters: [(Int64?, Int64?)] = [(nil, nil)]
        filters += customers.map { ($0, nil) }
        filters += links.map { (nil, $0) }
        // Both filters: a customer with its own link, and with another.
        let pairs = try db.reader.read { try Row.fetchAll($0, sql: "SELECT id, localId, remoteId FROM link") }
        for row in pairs {
            filters.append((row["remoteId"], row["id"]))
            filters.append((row["localId"], row["id"]))
            filters.append((row["localId"], (row["id"] as Int64) + 1))
        }
        for (customer, link) in filters {
            var cursor: Int64?
            repeat {
                let page = try db.history(customerId: customer, linkId: link, limit: limit, before: cursor)
                out.append("\(customer ?? 0)/\(link ?? 0) total \(page.total): " + page.items.map { "\($0)" }.joined(separator: "; "))
                cursor = page.nextAfter
            } while cursor != nil
        }
        return out
    }

    /// Replaces every range row by a row per entry.
    static func expandRanges(_ db: AppDatabase) throws {
        try db.writerForTests.write { db in
            let ranges = try Row.fetchAll(db, sql: "SELECT * FROM history WHERE span IS NOT NULL")
            try db.execute(sql: "DELETE FROM history WHERE span IS NOT NULL")
            for range in ranges {
                let last: Int64 = range["id"], span: Int64 = range["span"]
                for k in 0..<span {
                    try db.execute(sql: """
                        INSERT INTO history (id, at, operation, source, customerId, linkId, field, old, new)
                        VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, NULL)
                        """, arguments: [last - span + 1 + k, range["at"], range["operation"], range["source"],
                                         (range["customerId"] as Int64?).map { $0 + k }, (range["linkId"] as Int64?).map { $0 + k }])
                }
            }
        }
    }

    @Test func rangesReadAsARowAnEntry() throws {
        let db = try AppDatabase.inMemory()
        _ = try db.importCustomers(side: .local, records: Self.records(1...150))
        _ = try db.importCustomers(side: .remote, records: Self.records(1...5, prefix: "Andet"))
        // Single rows between and after the ranges: an edit, a link, an import adding one.
        _ = try db.updateCustomer(id: 3, fields: [.city: "Vejle"], expectedVersion: nil)
        _ = try db.selectPartner(localId: 2, remoteId: 151)
        // Chunks of 3 partners (a fiftieth of 117): a range row each for the new side.
        _ = try db.createAllPartners(side: .local, numbering: .sequence(start: 500), customerIds: Array(4...120), dryRun: false)
        _ = try db.importCustomers(side: .local, records: Self.records(1...151))
        _ = try db.createAllPartners(side: .remote, numbering: .sequence(start: 900), customerIds: nil, dryRun: false)
        let ranges = try db.reader.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM history WHERE span IS NOT NULL") ?? 0 }
        #expect(ranges >= 40, "the imports and create-alls left \(ranges) range rows")
        #expect(try db.tallyDifferences() == [])
        let byRanges = try [1, 4, 25].map { try Self.everyPage(db, limit: $0) }
        try Self.expandRanges(db)
        #expect(try db.reader.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM history WHERE span IS NOT NULL") } == 0)
        #expect(try db.tallyDifferences() == [])
        let byRows = try [1, 4, 25].map { try Self.everyPage(db, limit: $0) }
        for (a, b) in zip(byRanges, byRows) {
            #expect(a.count == b.count)
            for (x, y) in zip(a, b) where x != y { Issue.record("\(x)\n  vs\n\(y)") }
        }
    }

    /// A range's ids are taken whole: the next row comes after its last entry.
    @Test func theNextRowFollowsARange() throws {
        let db = try AppDatabase.inMemory()
        _ = try db.importCustomers(side: .local, records: Self.records(1...10))
        _ = try db.updateCustomer(id: 1, fields: [.city: "Vejle"], expectedVersion: nil)
        let page = try db.history(customerId: nil, linkId: nil, limit: 3, before: nil)
        #expect(page.total == 11)
        #expect(page.items.map(\.id) == [11, 10, 9])
        #expect(page.items.map(\.customerId) == [1, 10, 9])
        #expect(page.items.first?.field == "city")
    }
}
