import Foundation
import GRDB
import SyncCore

extension AppDatabase {
    /// A customer as an export writes it.
    public struct ExportedCustomer: Sendable {
        public var id: Int64
        public var number: String?
        public var fields: CustomerFields
        public var extra: [String: String]
    }

    /// Exports one side: `write` gets the customers (all of the side, or the pending ones) and
    /// writes the file; in the same transaction they become what the file was last seen to
    /// hold, so nothing is pending and a re-import of the file changes nothing. If `write`
    /// throws, nothing is marked.
    public func export(side: Side, onlyPending: Bool, write: ([ExportedCustomer]) throws -> Void) throws -> Int {
        try self.write { db in
            let statement = try db.makeStatement(sql: """
                SELECT id, number, \(CustomerSQL.fieldColumns), extra FROM customer
                WHERE side = ?\(onlyPending ? " AND pending = 1" : "") ORDER BY id
                """)
            let fields = try FieldColumns(statement)
            let id = try statement.position(of: "id"), number = try statement.position(of: "number"), extra = try statement.position(of: "extra")
            let customers = try Row.fetchAll(statement, arguments: [side.rawValue]).map { row in
                ExportedCustomer(id: row[id], number: row[number], fields: fields.fields(row), extra: CustomerSQL.decodeExtra(row[extra]))
            }
            try write(customers)
            // The file now shows each customer's own values: the last seen is implicit again.
            var mark = try BulkStatement(db, sql: "UPDATE customer SET seenDigest = ?, seen = NULL, pending = 0 WHERE id = ?")
            for customer in customers {
                mark.bind(ImportRecord.digest(fields: customer.fields, extraJSON: CustomerSQL.encodeExtra(customer.extra)))
                mark.bind(customer.id)
                try mark.run()
            }
            return customers.count
        }
    }
}
