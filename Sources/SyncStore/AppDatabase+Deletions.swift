import GRDB
import SyncCore

extension AppDatabase {
    /// Deletes a customer. If it had a partner, the link stays in state `deleted` with this
    /// side empty (and the number it had) until `resolveDeletion`; if it was itself the one
    /// left in a deleted link, that link goes too. History keeps everything.
    static func delete(_ db: Database, customer: Customer, source: ChangeSource, history: inout HistoryWriter) throws {
        if let linkId = customer.linkId {
            if customer.state == .deleted {
                try db.execute(sql: "DELETE FROM link WHERE id = ?", arguments: [linkId])
            } else {
                let column = customer.side == .local ? "localId" : "remoteId"
                let partnerColumn = customer.side == .local ? "remoteId" : "localId"
                try db.execute(sql: """
                    UPDATE customer SET version = version + 1 WHERE id = (SELECT \(partnerColumn) FROM link WHERE id = ?)
                    """, arguments: [linkId])
                try db.execute(sql: "UPDATE link SET \(column) = NULL, state = 'deleted', vanishedNumber = ?, version = version + 1 WHERE id = ?",
                               arguments: [customer.number, linkId])
            }
        }
        try db.execute(sql: "DELETE FROM customer WHERE id = ?", arguments: [customer.id])
        try Tally.adjust(db, side: customer.side, excluded: customer.state == .excluded, by: -1)
        try history.event(source, customer: customer.id, link: customer.linkId)
        try FieldsGeneration.bump(db)
    }

    /// Deletes a customer (see `delete`).
    public func deleteCustomer(id: Int64, expectedVersion: Int? = nil) throws {
        try write { db in
            let customer = try Self.fetchCustomer(db, id: id)
            try Self.checkVersion(of: customer, expected: expectedVersion)
            var history = try HistoryWriter(db, operation: "deleteCustomer")
            try Self.delete(db, customer: customer, source: .user, history: &history)
        }
    }

    /// What to do with a link whose customer vanished on one side.
    public enum DeletionAction: String, Sendable, CaseIterable, ClosedStringSet {
        /// Delete the customer left on the other side too.
        case deletePartner
        /// Create the vanished customer again from the one left (its old number if free).
        case recreate
        /// Keep the customer left, unsynced.
        case unlink
    }

    /// Settles a `deleted` link; returns the link again for `recreate`.
    public func resolveDeletion(linkId: Int64, action: DeletionAction, expectedVersion: Int? = nil) throws -> Link? {
        try write { db in
            let link = try Self.fetchLink(db, id: linkId)
            try Self.checkVersion(of: link, expected: expectedVersion)
            let lid = LinkID.format(linkId)
            guard link.state == .deleted, let survivor = link.local ?? link.remote else {
                throw SyncError(.notInConflict, "link \(lid) is \(link.state.rawValue), not deleted",
                                details: ["linkId": .string(lid), "state": .string(link.state.rawValue)])
            }
            var history = try HistoryWriter(db, operation: "resolveDeletion")
            switch action {
            case .deletePartner:
                try Self.delete(db, customer: survivor, source: .user, history: &history)
                return nil
            case .unlink:
                _ = try Self.removeLink(db, linkId: linkId, history: &history)
                return nil
            case .recreate:
                let side = survivor.side.opposite
                let vanished = try String.fetchOne(db, sql: "SELECT vanishedNumber FROM link WHERE id = ?", arguments: [linkId])
                let number: String
                if let vanished, let valid = CustomerNumber.canonical(vanished, side: side),
                   try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM customer WHERE side = ? AND number = ?)", arguments: [side.rawValue, valid]) == false {
                    number = valid
                } else if let next = try Self.nextFreeNumber(db, side: side) {
                    number = next
                } else {
                    throw try Self.numberError(db, .numberTaken, number: vanished, side: side, message: "no free \(side.rawValue) customer number is left")
                }
                let id = try Self.insertPartner(db, side: side, number: number, fields: survivor.fields)
                try Tally.adjust(db, side: side, excluded: false, by: 1)
                try FieldsGeneration.bump(db)
                try history.event(.user, customer: id, link: linkId)
                try db.execute(sql: """
                    UPDATE link SET \(side == .local ? "localId" : "remoteId") = ?, state = 'synced', base = NULL, vanishedNumber = NULL,
                    version = version + 1 WHERE id = ?
                    """, arguments: [id, linkId])
                try db.execute(sql: "UPDATE customer SET linked = 1 WHERE id = ?", arguments: [id])
                try Self.bumpVersion(db, customerIds: [survivor.id])
                return try Self.fetchLink(db, id: linkId)
            }
        }
    }
}
