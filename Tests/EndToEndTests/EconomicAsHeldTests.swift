import Foundation
import JSONRPC
import SyncFixtures
import TestSupport
import Testing

/// What e-conomic holds arrives whole, every queued change drains, and every refusal carries
/// e-conomic's own reason: against the fake written from e-conomic's REST documentation, with
/// customers as real agreements hold them, through the real binary.
@Suite("e-conomic as agreements hold it", .serialized)
struct EconomicAsHeldTests {
    let dir: URL
    let fake: FakeEconomic

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("as-held-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        fake = try FakeEconomic()
    }

    func server() throws -> Spawned {
        try Spawned(["--db", dir.appendingPathComponent("register.sqlite").path, "--key-file", dir.appendingPathComponent("key").path])
    }

    func remote(_ s: Spawned) throws -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        var cursor: JSONValue = .null
        repeat {
            var params: [String: JSONValue] = ["side": "remote", "limit": 1000]
            if cursor != .null { params["cursor"] = cursor }
            let page = try s.result("listUnsynced", .object(params))
            guard case .array(let items)? = page["items"] else { break }
            for item in items { if let n = item["number"]?.stringValue { out[n] = item } }
            cursor = page["nextCursor"] ?? .null
        } while cursor != .null
        return out
    }

    @Test func aFullPullStoresEveryCustomerAndWarnsOfWhatBreaksOurRules() throws {
        try fake.seed(FakeEconomic.asAgreementsHoldThem(2500))
        let s = try server()
        defer { s.close() }
        _ = try s.result("connect", fake.connectParams())
        let pulled = try s.result("pullRemote")
        #expect(pulled["added"] == 2500)
        #expect(try s.result("status")["remote"]?["total"] == 2500, "nothing dropped")
        guard case .array(let warnings)? = pulled["warnings"] else { Issue.record("no warnings"); return }
        let byField = Dictionary(grouping: warnings, by: { $0["field"]?.stringValue ?? "" }).mapValues(\.count)
        #expect(byField == ["cvr": 250, "name": 250, "ean": 250, "country": 250])
        #expect(warnings.allSatisfy { $0["customerId"]?.stringValue?.hasPrefix("c") == true && $0["message"]?.stringValue != nil })

        let held = try remote(s)
        #expect(held.count == 2500)
        // Foreign VAT numbers are text; countries are codes whichever language named them.
        #expect(held["2"]?["cvr"] == "SE556677889901")
        #expect(held["2"]?["country"] == "SE")
        #expect(held["3"]?["country"] == "DE")
        #expect(held["1"]?["country"] == "DK")
        #expect(held["8"]?["country"] == "NO")
        #expect(held["2"]?["warnings"] == nil)
        #expect(held["4"]?["email"] == "faktura4@firma.dk bogholderi@firma.dk")
        #expect(held["4"]?["warnings"] == nil)
        // Never cut: the long name arrives whole, with its warning.
        #expect(held["5"]?["name"]?.stringValue?.count == 180)
        #expect(held["5"]?["warnings"]?[0]?["field"] == "name")
        #expect(held["9"]?["country"] == "Atlantis")
        #expect(held["9"]?["warnings"]?[0]?["field"] == "country")
        #expect(held["1"]?["warnings"]?[0]?["field"] == "cvr")

        // The local register's rules hold where a value would enter it.
        let longName = try #require(held["5"]?["id"])
        let refused = try s.call("createPartner", ["customerId": longName])
        #expect(refused["error"]?["code"] == -32602)
        #expect(refused["error"]?["data"]?["path"] == "fields.name")
        #expect(try s.result("status")["local"]?["total"] == 0, "nothing written")
        let fixed = try s.result("createPartner", ["customerId": longName, "fields": ["name": "Kunde 5"]])
        #expect(fixed["state"] == "synced")
        let all = try s.result("createAllPartners", ["side": "remote", "numbering": ["mode": "keep"], "dryRun": true])
        #expect(all["created"] == 1500)
        guard case .array(let skipped)? = all["skipped"] else { Issue.record("no skipped"); return }
        #expect(skipped.count == 999)
        #expect(skipped.allSatisfy { $0["reason"] == "InvalidValue" && $0["field"]?.stringValue != nil && $0["message"]?.stringValue != nil })

        // The next pull reads nothing new and warns again of what still breaks a rule.
        let again = try s.result("pullRemote", ["full": true])
        #expect(again["added"] == 0)
        #expect(again["deleted"] == 0)
        #expect(try s.result("status")["remote"]?["total"] == 2500)
    }

    @Test func everyQueuedChangeLandsBecomesAConflictOrFailsWithEconomicsReason() throws {
        try fake.seed([
            FakeEconomic.customer(1, "Engelsk Land ApS", extra: ["country": "Denmark", "city": "Odense"]),
            FakeEconomic.customer(2, "Begge Ændrer ApS", extra: ["city": "Vejle"]),
        ])
        let s = try server()
        defer { s.close() }
        _ = try s.result("connect", fake.connectParams())
        _ = try s.result("pullRemote")
        _ = try s.result("importCustomers", ["side": "local", "content": """
            Kundenr.;Navn;By;Land
            1;Engelsk Land ApS;Odense;DK
            2;Begge Ændrer ApS;Vejle;
            """])
        let held = try remote(s)
        let first = try s.result("selectPartner", ["localId": "c3", "remoteId": try #require(held["1"]?["id"])])
        let second = try s.result("selectPartner", ["localId": "c4", "remoteId": try #require(held["2"]?["id"])])
        #expect(first["state"] == "synced", "Denmark in English is the DK we hold")
        #expect(second["state"] == "synced")

        // A change of another field leaves e-conomic's own spelling of the country alone.
        _ = try s.result("updateCustomer", ["id": "c3", "fields": ["city": "Odense C"]])
        #expect(try s.result("pushRemote")["updated"] == 1)
        #expect(try fake.customers()["1"]?["country"] == "Denmark")
        #expect(try fake.customers()["1"]?["city"] == "Odense C")
        // A country edit lands, in e-conomic's language.
        _ = try s.result("updateCustomer", ["id": "c3", "fields": ["country": "SE"]])
        let pushed = try s.result("pushRemote")
        #expect(pushed["updated"] == 1)
        #expect(pushed["failed"] == [])
        #expect(try fake.customers()["1"]?["country"] == "Sverige")
        #expect(try s.result("connectionStatus")["queued"] == 0, "drained")

        // Both sides changed the city: the push leaves e-conomic's value and the link shows
        // the conflict at once; nothing stays queued.
        _ = try s.result("updateCustomer", ["id": "c4", "fields": ["city": "Kolding"]])
        try fake.touch(2, ["city": "Fredericia"])
        let met = try s.result("pushRemote")
        #expect(met["conflicts"] == 1)
        #expect(try fake.customers()["2"]?["city"] == "Fredericia")
        #expect(try s.result("connectionStatus")["queued"] == 0, "drained into a conflict")
        let conflict = try s.result("getLink", ["linkId": try #require(second["id"])])
        #expect(conflict["state"] == "conflict")
        #expect(conflict["conflicts"]?[0]?["field"] == "city")
        _ = try s.result("resolveConflict", ["linkId": try #require(second["id"]), "choices": ["city": "local"]])
        #expect(try s.result("pushRemote")["updated"] == 1)
        #expect(try fake.customers()["2"]?["city"] == "Kolding")
        #expect(try s.result("connectionStatus")["queued"] == 0)

        // e-conomic refuses (its customer group is gone): its own reason and code reach the
        // result, and the customer stays queued for a later push.
        _ = try fake.control("POST", "/__fake/references", ["customerGroups": [2]])
        _ = try s.result("importCustomers", ["side": "local", "content": "Kundenr.;Navn\n77;Ny Kunde ApS\n"])
        _ = try s.result("createPartner", ["customerId": "c5"])
        let refused = try s.result("pushRemote")
        let message = try #require(refused["failed"]?[0]?["message"]?.stringValue)
        #expect(message.contains("customerGroup does not exist."))
        #expect(message.contains("E06000"))
        #expect(try s.result("connectionStatus")["queued"] == 1)
    }

    @Test func connectNamesADefaultTheAgreementLacksAndNewCustomersAbroadGetTheirZone() throws {
        let s = try server()
        defer { s.close() }
        let missing = try s.call("connect", fake.connectParams(defaults: ["currency": "DKK", "customerGroup": 7, "paymentTerms": 1, "vatZone": 1]))
        #expect(missing["error"]?["code"] == -32602)
        #expect(missing["error"]?["data"]?["path"] == "defaults.customerGroup")
        #expect(missing["error"]?["data"]?["detail"]?.stringValue?.contains("customer group 7") == true)
        let euGroup = try s.call("connect", fake.connectParams(defaults: ["currency": "DKK", "customerGroup": 1, "paymentTerms": 1, "vatZone": 1,
                                                                          "eu": ["customerGroup": 9]]))
        #expect(euGroup["error"]?["data"]?["path"] == "defaults.eu.customerGroup")
        #expect(try s.result("connectionStatus")["connected"] == false)

        _ = try s.result("connect", fake.connectParams(defaults: ["currency": "DKK", "customerGroup": 1, "paymentTerms": 1, "vatZone": 1,
                                                                  "abroad": ["currency": "USD", "customerGroup": 2]]))
        _ = try s.result("importCustomers", ["side": "local", "content": """
            Kundenr.;Navn;Land
            11;Hjemme ApS;DK
            12;Svensk AB;SE
            13;American Inc;US
            14;Ingen Land ApS;
            """])
        _ = try s.result("createAllPartners", ["side": "local", "numbering": ["mode": "keep"]])
        #expect(try s.result("pushRemote")["created"] == 4)
        let held = try fake.customers()
        #expect(held["11"]?["vatZone"]?["vatZoneNumber"] == 1)
        #expect(held["14"]?["vatZone"]?["vatZoneNumber"] == 1)
        #expect(held["12"]?["vatZone"]?["vatZoneNumber"] == 2, "e-conomic's EU zone")
        #expect(held["12"]?["country"] == "Sverige")
        #expect(held["12"]?["currency"] == "DKK")
        #expect(held["13"]?["vatZone"]?["vatZoneNumber"] == 3, "e-conomic's abroad zone")
        #expect(held["13"]?["currency"] == "USD")
        #expect(held["13"]?["customerGroup"]?["customerGroupNumber"] == 2)
    }

    @Test func aGrantWithoutTheWriteRoleIsToldApart() throws {
        let s = try server()
        defer { s.close() }
        _ = try s.result("connect", fake.connectParams(grant: "read-only-grant"))
        _ = try s.result("importCustomers", ["side": "local", "content": "Kundenr.;Navn\n5;Læs ApS\n"])
        _ = try s.result("createPartner", ["customerId": "c1"])
        let denied = try s.call("pushRemote")
        #expect(denied["error"]?["data"]?["kind"] == "Unauthorized")
        #expect(denied["error"]?["data"]?["status"] == 403)
        #expect(denied["error"]?["message"]?.stringValue?.contains("role") == true)
        #expect(try s.result("connectionStatus")["queued"] == 1)
    }

    /// Work in e-conomic during a pull: a customer deleted while the pages are read shifts
    /// the later ones, and a customer changed on a page already read is newer than the mark.
    @Test func aPullDuringWhichTheRegisterChangesDeletesNoOneItPassedOverAndMissesNoChange() throws {
        try fake.seed((1...2500).map { FakeEconomic.customer($0, "Kunde \($0)") })
        let s = try server()
        defer { s.close() }
        _ = try s.result("connect", fake.connectParams())
        _ = try s.result("pullRemote")
        // Before page 1 of the next full pull (the mark's request and page 0 come first),
        // customer 10 is deleted, so customer 1001 moves to page 0 and is not on page 1. Before
        // page 2 (the fake takes one fault a request, in order), customer 20, read on page 0,
        // is changed, and then customer 2100, read on page 2: the newest change the pages show
        // is newer than the change to 20.
        try fake.faults([["method": "GET", "path": "/customers", "kind": "delete", "number": 10, "skip": 2, "times": 1],
                         ["method": "GET", "path": "/customers", "kind": "touch", "number": [20, 2100], "fields": ["city": "Skagen"], "times": 1]])
        let full = try s.result("pullRemote", ["full": true])
        #expect(full["deleted"] == 0, "customer 10 was read before it went; 1001 was passed over, not deleted")
        var held = try remote(s)
        #expect(held.count == 2500)
        #expect(held["1001"] != nil, "passed over by the shifted pages, still there")
        // The change to customer 20 came after page 0 was read: the next pull reads it.
        let next = try s.result("pullRemote")
        #expect(next["full"] == false)
        #expect(next["updated"] == 1, "customer 20; 2100 was read with its change")
        #expect(try remote(s)["20"]?["city"] == "Skagen")
        // The next full pull finds customer 10 gone, and only it.
        let after = try s.result("pullRemote", ["full": true])
        #expect(after["deleted"] == 1)
        held = try remote(s)
        #expect(held.count == 2499)
        #expect(held["10"] == nil)
    }
}
