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
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, number, \(CustomerSQL.fieldColumns), extra FROM customer
                WHERE side = ?\(onlyPending ? " AND pending = 1" : "") ORDER BY id
                """, arguments: [side.rawValue])
            let customers = rows.map { row -> ExportedCustomer in
                var fields = CustomerFields()
                for (i, field) in SyncField.allCases.enumerated() { fields[field] = row[2 + i] }
                return ExportedCustomer(id: row[0], number: row[1], fields: fields, extra: CustomerSQL.decodeExtra(row[12]))
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
