import SyncCore
@testable import SyncStore
import Testing

/// A remote value that breaks a local rule is kept where it is and never enters the local
/// register: each way in refuses it, naming the field, and changes nothing.
@Suite("Local rules at the local register's door")
struct LocalRulesStoreTests {
    let db: AppDatabase
    let long = String(repeating: "L", count: 120)

    init() throws {
        db = try AppDatabase.inMemory()
        _ = try db.importCustomers(side: .remote, records: [ImportRecord(key: "g1", number: "1", fields: CustomerFields(name: .some(long), city: "Odense"))])
        _ = try db.importCustomers(side: .local, records: [ImportRecord(number: "1", fields: CustomerFields(name: "Kort Navn", city: "Odense"), extra: [:])])
    }

    func snapshot() throws -> [String?] {
        [try db.customer(id: 1).fields.name, try db.customer(id: 2).fields.name, String(try db.status().linksConflict)]
    }

    @Test func aChoiceOfTheRemoteValueIsRefusedAndNothingChanges() throws {
        let link = try db.selectPartner(localId: 2, remoteId: 1)
        #expect(link.state == .conflict)
        let before = try snapshot()
        #expect(throws: ParamsError.self) {
            _ = try db.resolveConflict(linkId: link.id, resolutions: [.name: .remote], expectedVersion: nil)
        }
        do {
            _ = try db.resolveConflict(linkId: link.id, resolutions: [.name: .remote], expectedVersion: nil)
        } catch let error as ParamsError {
            #expect(error.path == "choices.name")
        }
        #expect(try snapshot() == before, "nothing changed")
        // A value that fits settles it.
        #expect(try db.resolveConflict(linkId: link.id, resolutions: [.name: .value("Kort Navn")], expectedVersion: nil).state == .synced)
    }

    @Test func aPartnerFromTheRemoteCustomerIsRefusedNamingTheField() throws {
        do {
            _ = try db.createPartner(customerId: 1, number: "77", fields: [:])
            Issue.record("created a partner with a 120-character name")
        } catch let error as ParamsError {
            #expect(error.path == "fields.name")
        }
        #expect(try db.status().local.total == 1, "nothing written")
        #expect(try db.createPartner(customerId: 1, number: "77", fields: [.name: "Kort"]).state == .synced)
    }
}
