import GRDB
import SyncCore

extension AppDatabase {
    /// Edits a customer on either side (a local edit from the frontend, or a remote edit a
    /// connector reports), then reconciles its link, if any, three-way. A customer without a
    /// partner, or excluded from sync, changes alone.
    public func updateCustomer(id: Int64, fields changes: [SyncField: String?], expectedVersion: Int?) throws -> Customer {
        try write { db in
            let customer = try Self.fetchCustomer(db, id: id)
            try Self.checkVersion(of: customer, expected: expectedVersion)
            var fields = customer.fields
            for (field, value) in changes { fields[field] = value }
            guard fields != customer.fields else { return customer }
            var history = try HistoryWriter(db, operation: "updateCustomer")
            try Self.writeFields(db, customer: customer, fields: fields)
            try history.changes(.user, customer: id, link: customer.linkId, old: customer.fields, new: fields)
            try FieldsGeneration.bump(db)
            if let linkId = customer.linkId, customer.state != .deleted {
                let edited = Set(SyncField.allCases.filter { fields[$0] != customer.fields[$0] })
                try Self.reconcile(db, linkId: linkId, history: &history, edited: edited, side: customer.side)
            }
            return try Self.fetchCustomer(db, id: id)
        }
    }
}
