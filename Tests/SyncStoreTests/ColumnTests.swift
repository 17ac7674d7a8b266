import Foundation
import GRDB
import SyncCore
@testable import SyncStore
import Testing

/// Rows are read by column name, never by where a hand-written SELECT happened to put them.
@Suite("Reading rows by column name")
struct ColumnTests {
    let db: AppDatabase

    init() throws {
        db = try AppDatabase.inMemory()
        // Every synced field, the number and the extra columns hold a value of their own, so a
        // value read from a neighbouring column cannot pass for the right one.
        var fields = CustomerFields()
        for field in SyncField.allCases { fields[field] = "value of \(field.rawValue)" }
        _ = try db.importCustomers(side: .local, records: [ImportRecord(number: "K1", fields: fields, extra: ["Website": "value of extra"])])
    }

    @Test func aCustomerReadsTheSameWhateverTheOrderOfTheColumns() throws {
        let customer = try db.customer(id: 1)
        for field in SyncField.allCases { #expect(customer.fields[field] == "value of \(field.rawValue)") }
        #expect(customer.extra == ["Website": "value of extra"])
        #expect(customer.number == "K1")
        // The same customer through a SELECT that lists its columns backwards.
        let reversed = try db.reader.read { db in
            let columns = ["c.id", "c.side", "c.number"] + SyncField.allCases.map { "c.\($0.rawValue)" }
                + ["c.extra", "c.excluded", "c.version", "NULL AS linkId", "NULL AS linkState"]
            let statement = try db.makeStatement(sql: "SELECT \(columns.reversed().joined(separator: ", ")) FROM customer c WHERE c.id = 1")
            let read = try CustomerColumns(statement)
            return read.customer(try #require(try Row.fetchOne(statement)))
        }
        #expect(reversed == customer)
    }

    @Test func aSelectWithoutAFieldColumnFailsInsteadOfReadingItsNeighbour() throws {
        try db.reader.read { db in
            let fields = SyncField.allCases.dropLast().map(\.rawValue)  // as if a new field were missing from the query
            let statement = try db.makeStatement(sql: "SELECT id, \(fields.joined(separator: ", ")), extra FROM customer")
            #expect(throws: DatabaseError.self) { try FieldColumns(statement) }
        }
    }

    @Test func theReaderRefusesWrites() throws {
        #expect(throws: DatabaseError.self) {
            try db.reader.read { try $0.execute(sql: "UPDATE customer SET name = 'raw' WHERE id = 1") }
        }
        #expect(try db.customer(id: 1).fields.name == "value of name")
    }
}

/// The match index's records are made a batch at a time on every core: every customer, in
/// its own record, whatever the batches.
@Suite("Match records")
struct MatchRecordReadTests {
    @Test func everyCustomerOnceWithItsOwnFieldsAcrossBatches() throws {
        let db = try AppDatabase.inMemory()
        let count = AppDatabase.matchBatch + 1_000
        let records = (1...count).map { ImportRecord(number: String($0), fields: CustomerFields(name: "Kunde \($0)", zip: String(1000 + $0 % 8000)), extra: [:]) }
        _ = try db.importCustomers(side: .local, records: records)
        _ = try db.importCustomers(side: .remote, records: records.prefix(10))
        let read = try db.matchRecords().records
        #expect(read.count == count + 10)
        #expect(Set(read.map(\.id)).count == count + 10)
        for record in read where record.side == .local {
            #expect(record.name == NameKey("Kunde \(record.id)"), "\(record.id)")
        }
        #expect(Parallel.map(Array(0..<10_001)) { $0 * 2 } == (0..<10_001).map { $0 * 2 })
    }
}
