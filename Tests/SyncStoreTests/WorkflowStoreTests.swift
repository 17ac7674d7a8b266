import Foundation
import GRDB
import SyncCore
@testable import SyncStore
import Testing

/// The sync rules against a fresh in-memory database per test.
@Suite("Store: import, partners, conflicts, exclusion")
final class WorkflowStoreTests {
    let db: AppDatabase

    init() throws {
        db = try AppDatabase.inMemory()
    }

    /// After every test: the per-side counts the write methods keep match a recount.
    deinit {
        #expect((try? db.tallyDifferences()) == [])
    }

    func record(_ number: String, _ name: String, phone: String? = nil, email: String? = nil, address: String? = nil) -> ImportRecord {
        ImportRecord(number: number, fields: CustomerFields(name: name, address: address, email: email, phone: phone), extra: [:])
    }

    /// Every row of the customer and link tables, as text: "byte for byte" comparisons.
    func snapshot() throws -> String {
        try db.reader.read { db in
            let customers = try Row.fetchAll(db, sql: "SELECT * FROM customer ORDER BY id").map(\.description)
            let links = try Row.fetchAll(db, sql: "SELECT * FROM link ORDER BY id").map(\.description)
            let tally = try Row.fetchAll(db, sql: "SELECT * FROM tally ORDER BY side, excluded").map(\.description)
            return (customers + ["--"] + links + ["--"] + tally).joined(separator: "\n")
        }
    }

    /// Imports a local and a remote register; returns the ids by "side:number".
    @discardableResult
    func seed(local: [ImportRecord], remote: [ImportRecord]) throws -> [String: Int64] {
        _ = try db.importCustomers(side: .local, records: local)
        _ = try db.importCustomers(side: .remote, records: remote)
        var ids: [String: Int64] = [:]
        for side in Side.allCases {
            var after: Int64?
            repeat {
                let page = try db.listUnsynced(side: side, query: nil, limit: 1000, after: after)
                for c in page.items { ids["\(side.rawValue):\(c.number!)"] = c.id }
                after = page.nextAfter
            } while after != nil
        }
        return ids
    }

    // MARK: Import

    /// A partner's search key is its source's with the new number: also when the source had no
    /// number (a system's customer known by its key), whose key then starts with the name.
    @Test func aPartnerOfANumberlessCustomerIsFoundByName() throws {
        _ = try db.importCustomers(side: .remote, records: [
            ImportRecord(key: "guid-1", number: nil, fields: CustomerFields(name: "Bageriet Ørsted", city: "Aarhus")),
            ImportRecord(key: "guid-2", number: "77", fields: CustomerFields(name: "Café Møllen", city: "Kolding")),
        ])
        _ = try db.createAllPartners(side: .remote, numbering: .sequence(start: 500), customerIds: nil, dryRun: false)
        #expect(try db.tallyDifferences() == [])
        #expect(try db.listUnsynced(side: nil, query: "bageriet", limit: 10, after: nil).total == 0)
        let links = try db.listLinks(state: nil, query: "bageriet", limit: 10, after: nil)
        #expect(links.items.count == 1 && links.items.first?.local?.number == "500")
        #expect(try db.listLinks(state: nil, query: "møllen", limit: 10, after: nil).items.count == 1)
    }

    @Test func importCountsAddedUpdatedUnchanged() throws {
        #expect(try db.importCustomers(side: .remote, records: [record("1", "A"), record("2", "B")]) == ImportOutcome(added: 2, updated: 0, unchanged: 0))
        let again = try db.importCustomers(side: .remote, records: [record("1", "A"), record("2", "B2"), record("3", "C")])
        #expect(again == ImportOutcome(added: 1, updated: 1, unchanged: 1))
        let b = try db.listUnsynced(side: .remote, query: "b2", limit: 10, after: nil).items
        #expect(b.map(\.version) == [2])
    }

    @Test func sidesAreSeparateRegisters() throws {
        _ = try db.importCustomers(side: .remote, records: [record("1", "Remote")])
        #expect(try db.importCustomers(side: .local, records: [record("1", "Local")]).added == 1)
        #expect(try db.status().local.total == 1)
        #expect(try db.status().remote.total == 1)
    }

    @Test func failedImportChangesNothing() throws {
        _ = try db.importCustomers(side: .remote, records: [record("1", "A")])
        let before = try snapshot()
        // A row the schema refuses (an empty number) stops the transaction half way.
        #expect(throws: (any Error).self) {
            try db.importCustomers(side: .remote, records: [record("1", "changed"), record("5", "new"), record("", "bad")])
        }
        #expect(try snapshot() == before)
    }

    @Test func aRowAsLastReadIsUnchangedEvenAfterTheCustomerChanged() throws {
        let ids = try seed(local: [record("1", "Jensens Auto")], remote: [record("1", "Jensens Auto ApS")])
        let link = try db.selectPartner(localId: ids["local:1"]!, remoteId: ids["remote:1"]!)
        _ = try db.resolveConflict(linkId: link.id, resolutions: [.name: .local], expectedVersion: nil)
        // The file still says "Jensens Auto ApS": a stale row, not a change.
        #expect(try db.importCustomers(side: .remote, records: [record("1", "Jensens Auto ApS")]) == ImportOutcome(unchanged: 1))
        #expect(try db.link(id: link.id).remote?.fields.name == "Jensens Auto")
        #expect(try db.link(id: link.id).state == .synced)
        // The file changes to a third value while ours is pending: both sides changed it.
        #expect(try db.importCustomers(side: .remote, records: [record("1", "Jensens Auto A/S")]) == ImportOutcome(updated: 1))
        let contested = try db.link(id: link.id)
        #expect(contested.state == .conflict)
        #expect(contested.conflicts == [FieldConflict(field: .name, local: "Jensens Auto", remote: "Jensens Auto A/S", base: .some("Jensens Auto ApS"))])
    }

    @Test func aChangedRowEqualToTheStoredValuesIsUnchanged() throws {
        let ids = try seed(local: [record("1", "New name")], remote: [record("1", "Old name")])
        let link = try db.selectPartner(localId: ids["local:1"]!, remoteId: ids["remote:1"]!)
        _ = try db.resolveConflict(linkId: link.id, resolutions: [.name: .local], expectedVersion: nil)
        let version = try db.customer(id: ids["remote:1"]!).version
        #expect(try db.importCustomers(side: .remote, records: [record("1", "New name")]) == ImportOutcome(unchanged: 1))
        #expect(try db.customer(id: ids["remote:1"]!).version == version)
        #expect(try db.importCustomers(side: .remote, records: [record("1", "New name")]) == ImportOutcome(unchanged: 1))
    }

    @Test func reimportThatChangesALinkedCustomerReachesThePartner() throws {
        let ids = try seed(local: [record("1", "A", phone: "20 00 00 01")], remote: [record("1", "A", phone: "+45 20000001")])
        let link = try db.selectPartner(localId: ids["local:1"]!, remoteId: ids["remote:1"]!)
        #expect(link.state == .synced)
        // The file changed the phone; the local side did not: the change reaches the partner.
        _ = try db.importCustomers(side: .remote, records: [record("1", "A", phone: "20000002")])
        let after = try db.link(id: link.id)
        #expect(after.state == .synced)
        #expect(after.local?.fields.phone == "20000002")
    }

    // MARK: createPartner

    @Test func createPartnerKeepsTheNumberAndCopiesTheFields() throws {
        let ids = try seed(local: [record("1001", "Bageriet Ørsted", phone: "86 12 34 56", email: "a@b.dk")], remote: [])
        let link = try db.createPartner(customerId: ids["local:1001"]!, number: nil, fields: [:])
        #expect(link.state == .synced)
        #expect(link.remote?.number == "1001")
        #expect(link.remote?.side == .remote)
        #expect(link.remote?.fields == link.local?.fields)
        #expect(link.conflicts.isEmpty)
        #expect(try db.status().local.synced == 1)
    }

    @Test func createPartnerWithNumberAndFields() throws {
        let ids = try seed(local: [record("K7", "Old name")], remote: [])
        let link = try db.createPartner(customerId: ids["local:K7"]!, number: "0070", fields: [.name: "New name", .phone: nil])
        #expect(link.remote?.number == "70")
        #expect(link.local?.fields.name == "New name")
        #expect(link.remote?.fields.name == "New name")
    }

    @Test func createPartnerRefusesTakenAndInvalidNumbersWithNextFree() throws {
        let ids = try seed(local: [record("1001", "A"), record("K7", "B")], remote: [record("1001", "X"), record("1500", "Y")])
        let before = try snapshot()
        do {
            _ = try db.createPartner(customerId: ids["local:1001"]!, number: nil, fields: [:])
            Issue.record("expected NumberTaken")
        } catch let error as SyncError {
            #expect(error.kind == .numberTaken)
            #expect(error.details["nextFree"] == .string("1501"))
        }
        do {
            _ = try db.createPartner(customerId: ids["local:K7"]!, number: nil, fields: [:])
            Issue.record("expected InvalidNumber")
        } catch let error as SyncError {
            #expect(error.kind == .invalidNumber)
            #expect(error.details["nextFree"] == .string("1501"))
        }
        #expect(try snapshot() == before)
    }

    @Test func createPartnerFromRemoteGetsALocalNumber() throws {
        let ids = try seed(local: [record("12", "L")], remote: [record("12", "R"), record("13", "S")])
        #expect(throws: SyncError.self) { try db.createPartner(customerId: ids["remote:12"]!, number: nil, fields: [:]) }
        let link = try db.createPartner(customerId: ids["remote:13"]!, number: nil, fields: [:])
        #expect(link.local?.number == "13")
        #expect(link.local?.side == .local)
    }

    // MARK: createAllPartners

    @Test func createAllKeepSkipsInvalidAndTakenNumbers() throws {
        let ids = try seed(
            local: [record("1", "A"), record("K2", "B"), record("3", "C"), record("0004", "D"), record("4", "E")],
            remote: [record("3", "taken")])
        let outcome = try db.createAllPartners(side: .local, numbering: .keep, customerIds: nil, dryRun: false)
        #expect(outcome.created == 2)
        #expect(outcome.skipped.map(\.reason) == [.invalidNumber, .numberTaken, .numberTaken])
        #expect(outcome.skipped.map(\.customerId) == [ids["local:K2"]!, ids["local:3"]!, ids["local:4"]!])
        #expect(try db.status().linksSynced == 2)
    }

    @Test func createAllSequenceSkipsTakenNumbers() throws {
        _ = try seed(local: [record("a", "A"), record("b", "B"), record("c", "C")], remote: [record("101", "x"), record("102", "y")])
        let outcome = try db.createAllPartners(side: .local, numbering: .sequence(start: 100), customerIds: nil, dryRun: false)
        #expect(outcome.created == 3)
        let numbers = try db.listLinks(state: .synced, limit: 10, after: nil).items.map { $0.remote!.number! }
        #expect(numbers == ["100", "103", "104"])
    }

    @Test func createAllLeavesOutExcludedAndLinkedAndRestrictsToIds() throws {
        let ids = try seed(local: [record("1", "A"), record("2", "B"), record("3", "C"), record("4", "D")], remote: [record("9", "Z")])
        _ = try db.setExcluded(customerId: ids["local:2"]!, true)
        _ = try db.selectPartner(localId: ids["local:3"]!, remoteId: ids["remote:9"]!)
        let restricted = try db.createAllPartners(side: .local, numbering: .keep, customerIds: [ids["local:2"]!, ids["local:3"]!, ids["local:4"]!], dryRun: false)
        #expect(restricted.created == 1)
        #expect(Set(restricted.skipped.map(\.reason)) == [.excluded, .alreadyLinked])
        let rest = try db.createAllPartners(side: .local, numbering: .keep, customerIds: nil, dryRun: false)
        #expect(rest.created == 1)
        #expect(try db.status().local.unsynced == 0)
        #expect(try db.status().local.excluded == 1)
    }

    @Test func createAllDryRunWritesNothingAndPredictsExactly() throws {
        _ = try seed(local: (1...50).map { record("\($0)", "Customer \($0)") }, remote: [record("7", "taken")])
        let before = try snapshot()
        let dry = try db.createAllPartners(side: .local, numbering: .keep, customerIds: nil, dryRun: true)
        #expect(dry.dryRun)
        #expect(try snapshot() == before)
        var real = try db.createAllPartners(side: .local, numbering: .keep, customerIds: nil, dryRun: false)
        // The dry run lists what it would create; the real run made exactly that.
        #expect(dry.planned.map(\.number) == (1...50).filter { $0 != 7 }.map(String.init))
        real.dryRun = true
        real.planned = dry.planned
        #expect(real == dry)
        #expect(try db.status().linksSynced == 49)
    }

    @Test func failingCreateAllChangesNothing() throws {
        let ids = try seed(local: [record("1", "A"), record("2", "B")], remote: [record("5", "R")])
        let before = try snapshot()
        #expect(throws: SyncError.self) {
            try db.createAllPartners(side: .local, numbering: .keep, customerIds: [ids["local:1"]!, ids["remote:5"]!], dryRun: false)
        }
        #expect(throws: SyncError.self) {
            try db.createAllPartners(side: .local, numbering: .keep, customerIds: [ids["local:1"]!, 999], dryRun: false)
        }
        #expect(try snapshot() == before)
    }

    @Test func createAllReportsProgress() throws {
        _ = try seed(local: (1...300).map { record("\($0)", "C\($0)") }, remote: [])
        var seen: [(Int, Int)] = []
        _ = try db.createAllPartners(side: .local, numbering: .keep, customerIds: nil, dryRun: false) { seen.append(($0, $1)) }
        #expect(seen.first! == (0, 300))
        #expect(seen.last! == (300, 300))
        #expect(seen.count > 10)
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.0 < $1.0 })
    }

    // MARK: selectPartner, resolveConflict, unlink

    @Test func selectPartnerComparesNormalisedFields() throws {
        let ids = try seed(
            local: [record("1", "Café  Møllen", phone: "75 50 60 70", email: "cafe@moellen.dk"), record("2", "B", address: "Vej 1")],
            remote: [record("1", "Café Møllen", phone: "+45 75506070", email: "CAFE@Moellen.DK"), record("2", "B", address: "Vej 2")])
        #expect(try db.selectPartner(localId: ids["local:1"]!, remoteId: ids["remote:1"]!).state == .synced)
        let conflict = try db.selectPartner(localId: ids["remote:2"]!, remoteId: ids["local:2"]!)  // either order
        #expect(conflict.state == .conflict)
        #expect(conflict.local?.id == ids["local:2"])
        #expect(conflict.conflicts == [FieldConflict(field: .address, local: "Vej 1", remote: "Vej 2")])
    }

    @Test func selectPartnerErrors() throws {
        let ids = try seed(local: [record("1", "A"), record("2", "B"), record("3", "C")], remote: [record("1", "A"), record("2", "B")])
        _ = try db.setExcluded(customerId: ids["local:3"]!, true)
        _ = try db.selectPartner(localId: ids["local:1"]!, remoteId: ids["remote:1"]!)
        let before = try snapshot()
        func kind(_ a: Int64, _ b: Int64) -> SyncError.Kind? {
            do {
                _ = try db.selectPartner(localId: a, remoteId: b)
                return nil
            } catch { return (error as? SyncError)?.kind }
        }
        #expect(kind(ids["local:1"]!, ids["local:2"]!) == .wrongSide)
        #expect(kind(ids["local:2"]!, 999) == .notFound)
        #expect(kind(ids["local:3"]!, ids["remote:2"]!) == .excluded)
        #expect(kind(ids["local:1"]!, ids["remote:2"]!) == .alreadyLinked)
        #expect(kind(ids["local:2"]!, ids["remote:1"]!) == .alreadyLinked)
        #expect(try snapshot() == before)
    }

    @Test func resolveConflictAppliesChoicesAndValuesToBoth() throws {
        let ids = try seed(local: [record("1", "Jensens Auto", phone: "1", address: "A")], remote: [record("1", "Jensens Auto ApS", phone: "2", address: "B")])
        let link = try db.selectPartner(localId: ids["local:1"]!, remoteId: ids["remote:1"]!)
        #expect(link.conflicts.map(\.field) == [.name, .address, .phone])
        var missing: [SyncField] = []
        #expect(throws: (any Error).self) {
            do {
                _ = try db.resolveConflict(linkId: link.id, resolutions: [.name: .remote], expectedVersion: nil)
            } catch let error as ParamsError {
                if case .strings(let names)? = error.details["missing"] { missing = names.compactMap(SyncField.init(rawValue:)) }
                throw error
            }
        }
        #expect(missing == [.address, .phone])
        #expect(throws: SyncError.self) {
            try db.resolveConflict(linkId: link.id, resolutions: [.name: .remote, .address: .local, .phone: .remote], expectedVersion: link.version + 1)
        }
        let resolved = try db.resolveConflict(linkId: link.id, resolutions: [.name: .remote, .address: .value("C"), .phone: .local],
                                              expectedVersion: link.version)
        #expect(resolved.state == .synced)
        #expect(resolved.conflicts.isEmpty)
        #expect(resolved.local?.fields == CustomerFields(name: "Jensens Auto ApS", address: "C", phone: "1"))
        #expect(resolved.remote?.fields == resolved.local?.fields)
        #expect(resolved.version == link.version + 1)
        do {
            _ = try db.resolveConflict(linkId: link.id, resolutions: [:], expectedVersion: nil)
            Issue.record("expected NotInConflict")
        } catch let error as SyncError {
            #expect(error.kind == .notInConflict)
        }
    }

    @Test func unlinkReturnsBothToUnsyncedAndTheyCanBeLinkedAgain() throws {
        let ids = try seed(local: [record("1", "A")], remote: [record("1", "B")])
        let link = try db.selectPartner(localId: ids["local:1"]!, remoteId: ids["remote:1"]!)
        let (local, remote) = try db.unlink(linkId: link.id)
        #expect(local!.state == .unsynced && remote!.state == .unsynced)
        #expect(local?.linkId == nil)
        #expect(throws: SyncError.self) { try db.link(id: link.id) }
        #expect(try db.selectPartner(localId: local!.id, remoteId: remote!.id).state == .conflict)
    }

    @Test func idsAreNeverReused() throws {
        let ids = try seed(local: [record("1", "A"), record("2", "B")], remote: [record("1", "A"), record("2", "B")])
        let first = try db.selectPartner(localId: ids["local:1"]!, remoteId: ids["remote:1"]!)
        _ = try db.unlink(linkId: first.id)
        let second = try db.selectPartner(localId: ids["local:1"]!, remoteId: ids["remote:1"]!)
        #expect(second.id > first.id)
        _ = try db.unlink(linkId: second.id)
        let outcome = try db.createAllPartners(side: .local, numbering: .sequence(start: 10), customerIds: nil, dryRun: false)
        #expect(outcome.created == 2)
        let links = try db.listLinks(state: nil, limit: 10, after: nil).items
        #expect(links.allSatisfy { $0.id > second.id })
        #expect(links.allSatisfy { $0.remote!.id > ids["remote:2"]! })
    }

    @Test func exclusionIsOnlyForUnlinkedAndIdempotent() throws {
        let ids = try seed(local: [record("1", "A"), record("2", "B")], remote: [record("1", "A")])
        let excluded = try db.setExcluded(customerId: ids["local:2"]!, true)
        #expect(excluded.state == .excluded)
        #expect(try db.setExcluded(customerId: ids["local:2"]!, true).version == excluded.version)
        #expect(try db.listUnsynced(side: .local, query: nil, limit: 10, after: nil).items.map(\.id) == [ids["local:1"]!])
        #expect(try db.listExcluded(side: nil, limit: 10, after: nil).items.map(\.id) == [ids["local:2"]!])
        _ = try db.selectPartner(localId: ids["local:1"]!, remoteId: ids["remote:1"]!)
        #expect(throws: SyncError.self) { try db.setExcluded(customerId: ids["local:1"]!, true) }
        #expect(try db.setExcluded(customerId: ids["local:2"]!, false).state == .unsynced)
    }

    // MARK: Lists

    @Test func pagesAreStableWhileCustomersAreAdded() throws {
        _ = try db.importCustomers(side: .remote, records: (1...25).map { record("\($0)", "C\($0)") })
        let first = try db.listUnsynced(side: .remote, query: nil, limit: 10, after: nil)
        #expect(first.items.map(\.number) == (1...10).map { "\($0)" })
        #expect(first.total == 25)
        _ = try db.importCustomers(side: .remote, records: (26...30).map { record("\($0)", "C\($0)") })
        var seen = first.items.map(\.number!)
        var after = first.nextAfter
        while let a = after {
            let page = try db.listUnsynced(side: .remote, query: nil, limit: 10, after: a)
            seen += page.items.map(\.number!)
            after = page.nextAfter
        }
        #expect(seen == (1...30).map { "\($0)" })
    }

    /// In chunks, each with its sources marked and its history: every link has one event for
    /// each of its customers, every source's version grew once, and progress rises to the total.
    @Test func createAllWritesEachChunkWhole() throws {
        _ = try db.importCustomers(side: .local, records: (1...120).map { record("\($0)", "Kunde \($0)") })
        var seen: [Int] = []
        let outcome = try db.createAllPartners(side: .local, numbering: .keep, customerIds: nil, dryRun: false) { done, total in
            #expect(total == 120)
            seen.append(done)
        }
        #expect(outcome.created == 120)
        #expect(seen.count > 10 && seen == seen.sorted() && seen.first == 0 && seen.last == 120)
        let (events, links, versions) = try db.reader.read { db in
            (try Int.fetchOne(db, sql: "SELECT sum(coalesce(span, 1)) FROM history WHERE operation = 'createAllPartners'"),
             try Row.fetchAll(db, sql: "SELECT id, localId, remoteId FROM link"),
             try Int.fetchAll(db, sql: "SELECT DISTINCT version FROM customer WHERE side = 'local'"))
        }
        #expect(events == 240 && links.count == 120 && versions == [2])
        // As the history reads: each link's two events, one for each of its customers.
        for link in links {
            let entries = try db.history(customerId: nil, linkId: link["id"], limit: 10, before: nil).items.filter { $0.operation == "createAllPartners" }
            #expect(Set(entries.compactMap(\.customerId)) == [link["localId"], link["remoteId"]] && entries.count == 2, "link \(link)")
        }
    }

    @Test func queryMatchesNumberNameEmailPhoneAndCVRCaseInsensitively() throws {
        _ = try db.importCustomers(side: .local, records: [
            ImportRecord(number: "1001", fields: CustomerFields(name: "Bageriet ØRSTED", email: "Kontakt@Oersted.dk", phone: "+45 86 12 34 56", cvr: "25043235"), extra: [:]),
            ImportRecord(number: "2002", fields: CustomerFields(name: "Æblegården", phone: "20 30 40 50"), extra: [:]),
        ])
        func numbers(_ q: String) throws -> [String] { try db.listUnsynced(side: nil, query: q, limit: 10, after: nil).items.map(\.number!) }
        #expect(try numbers("ørsted") == ["1001"])
        #expect(try numbers("æblegå") == ["2002"])
        #expect(try numbers("KONTAKT@") == ["1001"])
        #expect(try numbers("86123456") == ["1001"])
        #expect(try numbers("86 12 34") == ["1001"])
        #expect(try numbers("2504") == ["1001"])
        #expect(try numbers("200") == ["2002"])
        #expect(try numbers("nobody") == [])
        #expect(try db.listUnsynced(side: nil, query: "e", limit: 10, after: nil).total == 2)
    }

    /// A query finds the address, the ZIP code and the city too, with Danish folding: "Hørsholm"
    /// and "HOERSHOLM" alike, an address however it is punctuated; never across two fields.
    @Test func queryMatchesAddressZipAndCityFolded() throws {
        _ = try db.importCustomers(side: .local, records: [
            ImportRecord(number: "1", fields: CustomerFields(name: "Anne Holm", address: "Store Kongensgade 40, 3. th.", zip: "1264", city: "København K"), extra: [:]),
            ImportRecord(number: "2", fields: CustomerFields(name: "Bo Berg", address: "Rungstedvej 1", zip: "2970", city: "Hørsholm"), extra: [:]),
        ])
        func numbers(_ q: String) throws -> [String] { try db.listUnsynced(side: nil, query: q, limit: 10, after: nil).items.map(\.number!) }
        #expect(try numbers("Hørsholm") == ["2"])
        #expect(try numbers("HOERSHOLM") == ["2"])
        #expect(try numbers("kobenhavn") == [])  // ø is oe, as Danes spell it without the letter
        #expect(try numbers("Koebenhavn") == ["1"])
        #expect(try numbers("kongensgade 40 3") == ["1"])
        #expect(try numbers("2970") == ["2"])
        #expect(try numbers("1264") == ["1"])
        // Not across two fields: a name's end and an address's start.
        #expect(try numbers("holm store") == [])
        #expect(try numbers("!!") == [])
    }

    @Test func aSymbolIsFoundButMatchingIgnoresIt() throws {
        _ = try db.importCustomers(side: .local, records: [
            ImportRecord(number: "1", fields: CustomerFields(name: "Engros-Rengøring € ApS"), extra: [:]),
            ImportRecord(number: "2", fields: CustomerFields(name: "Engros Rengøring ApS"), extra: [:]),
        ])
        #expect(try db.listUnsynced(side: nil, query: "€", limit: 10, after: nil).items.map(\.number!) == ["1"])
        #expect(try db.listUnsynced(side: nil, query: "rengøring", limit: 10, after: nil).items.map(\.number!) == ["1", "2"])
        // The name as matching reads it has no € word.
        #expect(NameKey("Engros-Rengøring € ApS").words == ["engros", "rengoering"])
    }

    @Test func statusCountsEverySideAndState() throws {
        let ids = try seed(local: [record("1", "A"), record("2", "B"), record("3", "C")], remote: [record("1", "A"), record("2", "X")])
        _ = try db.selectPartner(localId: ids["local:1"]!, remoteId: ids["remote:1"]!)
        _ = try db.selectPartner(localId: ids["local:2"]!, remoteId: ids["remote:2"]!)
        _ = try db.setExcluded(customerId: ids["local:3"]!, true)
        let s = try db.status()
        #expect(s.local.synced == 1 && s.local.conflict == 1 && s.local.excluded == 1 && s.local.unsynced == 0 && s.local.total == 3)
        #expect(s.remote.synced == 1 && s.remote.conflict == 1 && s.remote.total == 2)
        #expect(s.linksSynced == 1 && s.linksConflict == 1 && s.linksDeleted == 0)
    }
}
