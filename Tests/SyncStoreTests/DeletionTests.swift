import Foundation
import GRDB
import SyncCore
@testable import SyncStore
import Testing

/// Deletions: a vanished customer leaves its link `deleted` until it is resolved.
@Suite("Store: deletions")
final class DeletionTests {
    let db: AppDatabase

    init() throws {
        db = try AppDatabase.inMemory()
        _ = try db.importCustomers(side: .local, records: (1...3).map { ImportRecord(number: "\($0)", fields: CustomerFields(name: "Kunde \($0)"), extra: [:]) })
        _ = try db.importCustomers(side: .remote, records: (1...3).map { ImportRecord(number: "\($0)", fields: CustomerFields(name: "Kunde \($0)"), extra: [:]) })
        for i in 1...2 { _ = try db.selectPartner(localId: Int64(i), remoteId: Int64(i + 3)) }  // L1: c1-c4, L2: c2-c5; c3, c6 unlinked
    }

    deinit {
        #expect((try? db.tallyDifferences()) == [])
    }

    func records(_ numbers: [Int]) -> [ImportRecord] {
        numbers.map { ImportRecord(number: "\($0)", fields: CustomerFields(name: "Kunde \($0)"), extra: [:]) }
    }

    @Test func deletingALinkedCustomerLeavesADeletedLink() throws {
        try db.deleteCustomer(id: 1)
        let link = try db.link(id: 1)
        #expect(link.state == .deleted)
        #expect(link.local == nil)
        #expect(link.remote?.state == .deleted)
        let status = try db.status()
        #expect(status.local.total == 2 && status.local.synced == 1 && status.local.deleted == 0)
        #expect(status.remote.total == 3 && status.remote.deleted == 1 && status.remote.synced == 1 && status.remote.unsynced == 1)
        #expect(status.linksDeleted == 1)
        #expect(try db.listUnsynced(side: .remote, query: nil, limit: 10, after: nil).total == 1)
        #expect(try db.listLinks(state: .deleted, limit: 10, after: nil).items.map(\.id) == [1])
        #expect(throws: SyncError.self) { try db.customer(id: 1) }
        #expect(try db.history(customerId: 1, linkId: nil, limit: 10, before: nil).items.first?.operation == "deleteCustomer")
    }

    @Test func replacingTheRegisterDeletesWhatTheFileNoLongerHas() throws {
        // A partner created here and never exported is not missing from the file.
        _ = try db.createPartner(customerId: 3, number: "30", fields: [:])
        let outcome = try db.importCustomers(side: .remote, records: records([2, 3]), replaceWith: { ["2", "3"] })
        #expect(outcome.deleted == 1)
        #expect(try db.link(id: 1).state == .deleted)
        #expect(try db.link(id: 1).remote == nil)
        #expect(try db.customer(id: 7).number == "30")
        // A number the file mentions on an invalid row is not missing either.
        #expect(try db.importCustomers(side: .remote, records: records([3]), replaceWith: { ["2", "3"] }).deleted == 0)
    }

    @Test func resolvingByRecreatingGivesTheOldNumberBack() throws {
        _ = try db.importCustomers(side: .remote, records: records([2, 3]), replaceWith: { ["2", "3"] })
        let link = try #require(try db.resolveDeletion(linkId: 1, action: .recreate))
        #expect(link.state == .synced)
        #expect(link.remote?.number == "1")
        #expect(link.remote?.fields == link.local?.fields)
        #expect(try db.reader.read { try Bool.fetchOne($0, sql: "SELECT pending FROM customer WHERE id = ?", arguments: [link.remote!.id]) } == true)
        #expect(try db.status().linksDeleted == 0)
    }

    @Test func resolvingByDeletingThePartnerOrUnlinking() throws {
        try db.deleteCustomer(id: 1)
        try db.deleteCustomer(id: 5)
        #expect(try db.resolveDeletion(linkId: 1, action: .deletePartner) == nil)
        #expect(throws: SyncError.self) { try db.link(id: 1) }
        #expect(throws: SyncError.self) { try db.customer(id: 4) }
        #expect(try db.resolveDeletion(linkId: 2, action: .unlink) == nil)
        #expect(try db.customer(id: 2).state == .unsynced)
        #expect(try db.status().local.unsynced == 2)
    }

    @Test func onlyADeletedLinkCanBeResolvedSo() throws {
        do {
            _ = try db.resolveDeletion(linkId: 1, action: .unlink)
            Issue.record("expected NotInConflict")
        } catch let error as SyncError {
            #expect(error.kind == .notInConflict)
        }
        #expect(try db.link(id: 1).state == .synced)
    }

    @Test func deletingAnUnlinkedOrExcludedCustomer() throws {
        _ = try db.setExcluded(customerId: 3, true)
        try db.deleteCustomer(id: 3)
        try db.deleteCustomer(id: 6)
        #expect(try db.status().local.excluded == 0)
        #expect(try db.status().remote.total == 2)
    }
}

@Suite("Store: stale versions")
struct StaleVersionTests {
    @Test func writesPreparedFromAnOldReadAreRefusedAndChangeNothing() throws {
        let db = try AppDatabase.inMemory()
        _ = try db.importCustomers(side: .local, records: [ImportRecord(number: "1", fields: CustomerFields(name: "A"), extra: [:])])
        _ = try db.importCustomers(side: .remote, records: [ImportRecord(number: "1", fields: CustomerFields(name: "A"), extra: [:])])
        let link = try db.selectPartner(localId: 1, remoteId: 2)
        func kind(_ body: () throws -> Void) -> SyncError.Kind? {
            do { try body(); return nil } catch { return (error as? SyncError)?.kind }
        }
        #expect(kind { _ = try db.unlink(linkId: link.id, expectedVersion: link.version + 1) } == .staleVersion)
        #expect(kind { try db.deleteCustomer(id: 1, expectedVersion: 1) } == .staleVersion)
        try db.deleteCustomer(id: 1, expectedVersion: link.local!.version)
        let deleted = try db.link(id: link.id)
        #expect(kind { _ = try db.resolveDeletion(linkId: link.id, action: .unlink, expectedVersion: deleted.version - 1) } == .staleVersion)
        #expect(try db.resolveDeletion(linkId: link.id, action: .unlink, expectedVersion: deleted.version) == nil)
    }
}
