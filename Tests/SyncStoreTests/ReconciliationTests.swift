import Foundation
import GRDB
import SyncCore
@testable import SyncStore
import Testing

/// Ongoing sync: three-way reconciliation of edits on either side, and history.
@Suite("Store: reconciliation and history")
final class ReconciliationTests {
    let db: AppDatabase
    var linkId: Int64 = 0
    var localId: Int64 = 0
    var remoteId: Int64 = 0

    init() throws {
        db = try AppDatabase.inMemory()
        _ = try db.importCustomers(side: .local, records: [ImportRecord(number: "1", fields: CustomerFields(name: "Jensens Auto", city: "Odense", phone: "66 15 22 33"), extra: [:])])
        _ = try db.importCustomers(side: .remote, records: [ImportRecord(number: "1", fields: CustomerFields(name: "Jensens Auto", city: "Odense", phone: "+4566152233"), extra: [:])])
        let link = try db.selectPartner(localId: 1, remoteId: 2)
        (linkId, localId, remoteId) = (link.id, link.local!.id, link.remote!.id)
        #expect(link.state == .synced)
    }

    deinit {
        #expect((try? db.tallyDifferences()) == [])
    }

    func pending(_ id: Int64) throws -> Bool {
        try db.reader.read { try Bool.fetchOne($0, sql: "SELECT pending FROM customer WHERE id = ?", arguments: [id]) ?? false }
    }

    /// What the user typed is a change even when it normalises to the partner's value: the
    /// partner gets the new text (normalisation only decides conflicts). A linked pair that
    /// merely spells a value differently, and nobody edits, stays as it is.
    @Test func aRespelledValueReachesThePartner() throws {
        #expect(try db.customer(id: localId).fields.phone == "66 15 22 33")
        _ = try db.updateCustomer(id: localId, fields: [.city: "Odense C"], expectedVersion: nil)
        #expect(try db.customer(id: remoteId).fields.phone == "+4566152233", "an edit of another field does not touch the phone")
        _ = try db.updateCustomer(id: localId, fields: [.phone: "+45 66 15 22 33"], expectedVersion: nil)
        let link = try db.link(id: linkId)
        #expect(link.state == .synced)
        #expect(link.remote?.fields.phone == "+45 66 15 22 33")
        #expect(try pending(remoteId))
        // From the remote file: a respelled phone reaches the local side.
        _ = try db.importCustomers(side: .remote, records: [ImportRecord(number: "1", fields: CustomerFields(name: "Jensens Auto", city: "Odense C", phone: "66152233"), extra: [:])])
        #expect(try db.customer(id: localId).fields.phone == "66152233")
    }

    @Test func aOneSidedEditReachesThePartner() throws {
        _ = try db.updateCustomer(id: localId, fields: [.city: "Odense C"], expectedVersion: nil)
        let link = try db.link(id: linkId)
        #expect(link.state == .synced)
        #expect(link.remote?.fields.city == "Odense C")
        #expect(try pending(remoteId), "the copy waits for the next export")
        // And the other way: a remote edit reaches the local side.
        _ = try db.updateCustomer(id: remoteId, fields: [.contact: "Per Jensen"], expectedVersion: nil)
        #expect(try db.customer(id: localId).fields.contact == "Per Jensen")
    }

    @Test func theSameEditOnBothSidesStaysSynced() throws {
        _ = try db.updateCustomer(id: localId, fields: [.city: "Odense SØ"], expectedVersion: nil)
        _ = try db.updateCustomer(id: remoteId, fields: [.city: "Odense  SØ"], expectedVersion: nil)
        let link = try db.link(id: linkId)
        #expect(link.state == .synced)
        // The later spelling reaches the partner: both registers show the same text.
        #expect(link.local?.fields.city == "Odense  SØ")
        #expect(link.remote?.fields.city == "Odense  SØ")
    }

    @Test func differentEditsOnBothSidesAreAConflictThatResolves() throws {
        // Both sides change the name while the link is in conflict on nothing else.
        _ = try db.writerForTests.write { try $0.execute(sql: "UPDATE customer SET name = 'Jensens Auto ApS' WHERE id = ?", arguments: [self.localId]) }
        _ = try db.updateCustomer(id: remoteId, fields: [.name: "Jensen Biler"], expectedVersion: nil)
        let link = try db.link(id: linkId)
        #expect(link.state == .conflict)
        #expect(link.conflicts == [FieldConflict(field: .name, local: "Jensens Auto ApS", remote: "Jensen Biler", base: .some("Jensens Auto"))])
        let resolved = try db.resolveConflict(linkId: linkId, resolutions: [.name: .remote], expectedVersion: nil)
        #expect(resolved.state == .synced)
        #expect(resolved.local?.fields.name == "Jensen Biler")
        // The base advanced: a later one-sided edit copies again.
        _ = try db.updateCustomer(id: localId, fields: [.name: "Jensen Biler A/S"], expectedVersion: nil)
        #expect(try db.link(id: linkId).remote?.fields.name == "Jensen Biler A/S")
    }

    @Test func aCustomerWithoutPartnerOrExcludedChangesAlone() throws {
        _ = try db.importCustomers(side: .local, records: [ImportRecord(number: "2", fields: CustomerFields(name: "Alone"), extra: [:])])
        let alone = try db.listUnsynced(side: .local, query: "alone", limit: 1, after: nil).items[0]
        _ = try db.setExcluded(customerId: alone.id, true)
        let updated = try db.updateCustomer(id: alone.id, fields: [.name: "Still alone"], expectedVersion: alone.version + 1)
        #expect(updated.fields.name == "Still alone")
        #expect(updated.state == .excluded)
        #expect(try db.link(id: linkId).remote?.fields.name == "Jensens Auto")
    }

    @Test func aStaleVersionChangesNothing() throws {
        let customer = try db.customer(id: localId)
        #expect(throws: SyncError.self) { try db.updateCustomer(id: localId, fields: [.name: "X"], expectedVersion: customer.version - 1) }
        #expect(try db.customer(id: localId) == customer)
    }

    @Test func aStaleFileRowNeverRevertsAPendingValue() throws {
        _ = try db.updateCustomer(id: localId, fields: [.city: "Odense C"], expectedVersion: nil)
        // The remote file is read again before it was exported: it still says Odense.
        #expect(try db.importCustomers(side: .remote, records: [ImportRecord(number: "1", fields: CustomerFields(name: "Jensens Auto", city: "Odense", phone: "+4566152233"), extra: [:])])
                == ImportOutcome(unchanged: 1))
        let link = try db.link(id: linkId)
        #expect(link.remote?.fields.city == "Odense C")
        #expect(link.local?.fields.city == "Odense C")
        #expect(link.state == .synced)
        #expect(try pending(remoteId))
        // The file comes back showing the value: nothing left to send.
        _ = try db.importCustomers(side: .remote, records: [ImportRecord(number: "1", fields: CustomerFields(name: "Jensens Auto", city: "Odense C", phone: "+4566152233"), extra: [:])])
        #expect(try !pending(remoteId))
    }

    @Test func historyRecordsEveryChangeNewestFirst() throws {
        _ = try db.updateCustomer(id: localId, fields: [.city: "Odense C", .contact: "Per"], expectedVersion: nil)
        let local = try db.history(customerId: localId, linkId: nil, limit: 50, before: nil)
        #expect(local.items.map(\.operation) == ["updateCustomer", "updateCustomer", "selectPartner", "importCustomers"])
        #expect(local.items.prefix(2).map(\.source) == ["user", "user"])
        #expect(Set(local.items.prefix(2).compactMap(\.field)) == ["city", "contact"])
        #expect(local.items.first { $0.field == "city" }?.old == "Odense")
        let remote = try db.history(customerId: remoteId, linkId: linkId, limit: 50, before: nil)
        #expect(remote.items.filter { $0.source == "sync" }.count == 2)
        // Paging.
        let first = try db.history(customerId: nil, linkId: nil, limit: 2, before: nil)
        let second = try db.history(customerId: nil, linkId: nil, limit: 50, before: first.nextAfter)
        #expect(first.items.count == 2)
        #expect(first.total == second.total)
        #expect(first.items.count + second.items.count == first.total)
        #expect(Set(first.items.map(\.id)).isDisjoint(with: second.items.map(\.id)))
    }
}
