import GRDB
import SyncCore
@testable import SyncStore
import Testing

/// A connected system's customers are matched by the system's key, apart from the number
/// they show: a pull never changes who a customer is; the number may change or be missing.
@Suite("System keys")
struct SystemKeyTests {
    let db: AppDatabase

    init() throws { db = try AppDatabase.inMemory() }

    func row(_ id: Int64) throws -> (number: String?, key: String?) {
        try db.reader.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT number, systemKey FROM customer WHERE id = ?", arguments: [id])!
            return (row["number"], row["systemKey"])
        }
    }

    @Test func aCustomerIsFoundByKeyWhateverNumberItShows() throws {
        let first = try db.importCustomers(side: .remote, records: [
            ImportRecord(key: "guid-a", number: "10", fields: CustomerFields(name: "A")),
            ImportRecord(key: "guid-b", number: nil, fields: CustomerFields(name: "B")),
        ])
        #expect(first.added == 2)
        // The number changes (and B gets one): the same customers, updated, not added.
        let second = try db.importCustomers(side: .remote, records: [
            ImportRecord(key: "guid-a", number: "11", fields: CustomerFields(name: "A")),
            ImportRecord(key: "guid-b", number: "12", fields: CustomerFields(name: "B")),
        ])
        #expect(second.added == 0)
        #expect(try row(1) == ("11", "guid-a"))
        #expect(try row(2) == ("12", "guid-b"))
        #expect(try db.listUnsynced(side: .remote, query: "11", limit: 10, after: nil).items.map(\.id) == [1], "searchable by its new number")
        // The same again: unchanged.
        let third = try db.importCustomers(side: .remote, records: [
            ImportRecord(key: "guid-a", number: "11", fields: CustomerFields(name: "A")),
            ImportRecord(key: "guid-b", number: "12", fields: CustomerFields(name: "B")),
        ])
        #expect(third.unchanged == 2)
        #expect(try db.tallyDifferences() == [])
    }

    @Test func aNumberAnotherCustomerHoldsStaysWithIt() throws {
        _ = try db.importCustomers(side: .remote, records: [ImportRecord(key: "guid-a", number: "10", fields: CustomerFields(name: "A"))])
        _ = try db.importCustomers(side: .remote, records: [ImportRecord(key: "guid-b", number: "10", fields: CustomerFields(name: "B"))])
        #expect(try row(1) == ("10", "guid-a"))
        #expect(try row(2) == (nil, "guid-b"), "kept, without the number")
    }

    @Test func aCustomerReadBeforeKeysWereKeptIsFoundByNumberAndGetsItsKey() throws {
        _ = try db.importCustomers(side: .remote, records: [ImportRecord(number: "42", fields: CustomerFields(name: "Old"), extra: [:])])
        let pulled = try db.importCustomers(side: .remote, records: [ImportRecord(key: "42", number: "42", fields: CustomerFields(name: "Old"))])
        #expect(pulled.added == 0)
        #expect(try row(1) == ("42", "42"))
    }

    @Test func aReplaceNamesTheSystemsCustomersByKey() throws {
        _ = try db.importCustomers(side: .remote, records: [
            ImportRecord(key: "guid-a", number: "1", fields: CustomerFields(name: "A")),
            ImportRecord(key: "guid-b", number: nil, fields: CustomerFields(name: "B")),
            ImportRecord(key: "guid-c", number: "3", fields: CustomerFields(name: "C")),
        ])
        let replaced = try db.importCustomers(side: .remote, records: [ImportRecord(key: "guid-a", number: "1", fields: CustomerFields(name: "A"))],
                                              replaceWith: { ["guid-a", "guid-b"] })
        #expect(replaced.deleted == 1)
        #expect(try db.identitiesOnceSeen(side: .remote) == ["guid-a", "guid-b"])
        #expect(try db.customerIds(side: .remote, keys: ["guid-b", "guid-c"]) == ["guid-b": 2])
    }
}
