import Foundation
import JSONRPC
import SyncFixtures
import TestSupport
import Testing

/// The article's workflow with Dinero in place of the file, against the fake Dinero written
/// from Dinero's documentation (Tests/Fixtures/fake_dinero.py), through the real binary: the
/// same steps as with e-conomic (`EconomicTests`), through the same connector seam.
@Suite("Dinero connection", .serialized)
struct DineroTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("dinero-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func server() throws -> Spawned {
        try Spawned(["--db", dir.appendingPathComponent("register.sqlite").path, "--key-file", dir.appendingPathComponent("key").path])
    }

    func remote(_ s: Spawned) throws -> [String: JSONValue] {
        guard case .array(let items)? = try s.result("listUnsynced", ["side": "remote", "limit": 1000])["items"] else { return [:] }
        var out: [String: JSONValue] = [:]
        for item in items { if let name = item["name"]?.stringValue { out[name] = item } }
        return out
    }

    @Test func theArticlesWorkflowWithDinero() throws {
        let fake = try FakeDinero()
        defer { fake.stop() }
        try fake.seed([
            FakeDinero.contact("11111111-1111-1111-1111-111111111111", "Jensens Auto ApS", reference: "101", extra: [
                "Street": "Vestergade 3", "ZipCode": "5000", "City": "Odense C", "VatNumber": "25043235", "AttPerson": "Jens Jensen",
                "Webpage": "https://jensens.dk", "PaymentConditionNumberOfDays": 14,
            ]),
            FakeDinero.contact("22222222-2222-2222-2222-222222222222", "Café Møllen", extra: ["City": "Kolding", "Phone": "75 50 11 22"]),
            FakeDinero.contact("33333333-3333-3333-3333-333333333333", "Gammel Kunde A/S", reference: "103"),
        ])
        let s = try server()
        defer { s.close() }
        _ = try s.result("importCustomers", ["side": "local", "content": """
            Kundenr.;Navn;Adresse;Postnr.;By;Land;CVR;Att.
            1;Jensens Auto ApS;Vestergade 3;5000;Odense C;DK;25043235;Jens Jensen
            2;Bageriet Ørsted;Østergade 12;8000;Aarhus C;DK;;
            """])
        // A wrong API key: Unauthorized in words, nothing stored, no secret echoed.
        let refused = try s.call("connect", fake.connectParams(apiKey: "not-the-key"))
        #expect(refused["error"]?["data"]?["kind"] == "Unauthorized")
        #expect(!refused.jsonText.contains("not-the-key"))
        let connected = try s.result("connect", fake.connectParams())
        #expect(connected["system"] == "dinero")
        #expect(!connected.jsonText.contains(FakeDinero.clientSecret) && !connected.jsonText.contains(FakeDinero.apiKey))

        let pulled = try s.result("pullRemote")
        #expect(pulled["added"] == 3)
        var held = try remote(s)
        #expect(held["Jensens Auto ApS"]?["number"] == "101")
        #expect(held["Jensens Auto ApS"]?["contact"] == "Jens Jensen")
        #expect(held["Jensens Auto ApS"]?["cvr"] == "25043235")
        #expect(held["Café Møllen"]?["number"] == .null, "a contact without our number shows none")

        // Partners both ways: chosen, created toward Dinero under a number, created from Dinero.
        let link = try s.result("selectPartner", ["localId": "c1", "remoteId": try #require(held["Jensens Auto ApS"]?["id"])])
        #expect(link["state"] == "synced")
        _ = try s.result("createPartner", ["customerId": "c2", "number": "5001"])
        let cafe = try #require(held["Café Møllen"]?["id"])
        let noNumber = try s.call("createPartner", ["customerId": cafe])
        #expect(noNumber["error"]?["data"]?["kind"] == "InvalidNumber")
        #expect(try s.result("createPartner", ["customerId": cafe, "number": "77"])["state"] == "synced")
        let pushed = try s.result("pushRemote")
        #expect(pushed["created"] == 1)
        #expect(pushed["failed"] == [])
        var contacts = try fake.byReference()
        #expect(contacts["5001"]?["Name"] == "Bageriet Ørsted")
        #expect(contacts["5001"]?["CountryKey"] == "DK")
        #expect(try s.result("connectionStatus")["queued"] == 0)

        // Edits both ways; what we do not sync survives our update.
        _ = try s.result("updateCustomer", ["id": "c1", "fields": ["city": "Odense M"]])
        #expect(try s.result("pushRemote")["updated"] == 1)
        contacts = try fake.byReference()
        #expect(contacts["101"]?["City"] == "Odense M")
        #expect(contacts["101"]?["Webpage"] == "https://jensens.dk")
        #expect(contacts["101"]?["PaymentConditionNumberOfDays"] == 14)
        #expect(contacts["101"]?["AttPerson"] == "Jens Jensen")
        try fake.touch(try #require(contacts["5001"]?["ContactGuid"]?.stringValue), ["Phone": "86 12 34 56"])
        let incremental = try s.result("pullRemote")
        #expect(incremental["full"] == false)
        #expect(try s.result("getCustomer", ["id": "c2"])["phone"] == "86 12 34 56", "copied to the local partner")

        // A conflict: left alone in Dinero until resolved, then both get the choice.
        _ = try s.result("updateCustomer", ["id": "c1", "fields": ["phone": "66 11 11 11"]])
        try fake.touch("11111111-1111-1111-1111-111111111111", ["Phone": "66 22 22 22"])
        #expect(try s.result("pushRemote")["conflicts"] == 1)
        #expect(try fake.byReference()["101"]?["Phone"] == "66 22 22 22")
        #expect(try s.result("getLink", ["linkId": try #require(link["id"])])["state"] == "conflict")
        _ = try s.result("resolveConflict", ["linkId": try #require(link["id"]), "choices": ["phone": "local"]])
        _ = try s.result("pushRemote")
        #expect(try fake.byReference()["101"]?["Phone"] == "66 11 11 11")

        // Deleted in Dinero: the next pull, incremental, learns it (deletedOnly) and deletes it.
        _ = try fake.control("POST", "/__fake/delete", ["guid": "33333333-3333-3333-3333-333333333333"])
        let afterDelete = try s.result("pullRemote")
        #expect(afterDelete["full"] == false)
        #expect(afterDelete["deleted"] == 1)
        held = try remote(s)
        #expect(held["Gammel Kunde A/S"] == nil)
        #expect(try s.result("connectionStatus")["lastError"] == .null)
    }

    @Test func aLostReplyOrA500NeverMakesAContactTwiceNorDoesACrash() throws {
        let fake = try FakeDinero()
        defer { fake.stop() }
        var s = try server()
        _ = try s.result("connect", fake.connectParams(timeout: 1))
        let rows = (1...6).map { "\(800 + $0);Kunde \($0)" }.joined(separator: "\n")
        _ = try s.result("importCustomers", ["side": "local", "content": .string("Kundenr.;Navn\n\(rows)\n")])
        _ = try s.result("createAllPartners", ["side": "local", "numbering": ["mode": "keep"]])
        // The first create lands but its reply is lost; the next answers 500 without landing.
        try fake.faults([["method": "POST", "path": "/v1", "kind": "lose", "seconds": 2, "times": 1],
                         ["method": "POST", "path": "/v1", "status": 500, "times": 1, "skip": 1]])
        // A third is slow: the server is killed while it waits; Dinero takes it.
        try fake.faults([["method": "POST", "path": "/v1", "kind": "slow", "seconds": .number("1.5"), "times": 1, "skip": 3]])
        s.process.send(Array(#"{"jsonrpc":"2.0","id":"push","method":"pushRemote","params":{}}"#.utf8))
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, (try fake.byReference().count) < 3 { Thread.sleep(forTimeInterval: 0.05) }
        Thread.sleep(forTimeInterval: 0.3)
        s.kill()
        Thread.sleep(forTimeInterval: 1.5)
        s = try server()
        defer { s.close() }
        let pushed = try s.result("pushRemote", timeout: .seconds(60))
        #expect(pushed["failed"] == [])
        #expect(try fake.byReference().count == 6)
        let posts = try fake.stats()["posts"]
        for n in 801...806 { #expect(posts?[String(n)] == 1, "contact \(n) created once") }
        #expect(try s.result("connectionStatus")["queued"] == 0)
    }

    @Test func anExpiredTokenIsRenewedAndARateLimitWaitedOutNeverLosingAnything() throws {
        let fake = try FakeDinero(rate: "15/1")
        defer { fake.stop() }
        try fake.seed((1...2500).map { FakeDinero.contact(String(format: "00000000-0000-0000-0000-%012d", $0), "Kunde \($0)", reference: String($0)) })
        let s = try server()
        defer { s.close() }
        _ = try s.result("connect", fake.connectParams())
        // The second page is slow; meanwhile every token expires.
        try fake.faults([["method": "GET", "path": "/v1", "kind": "slow", "seconds": 1, "times": 1, "skip": 2]])
        s.process.send(Array(#"{"jsonrpc":"2.0","id":"pull","method":"pullRemote","params":{}}"#.utf8))
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try s.result("ping") == [:], "answered while the pull waits for its slow page")
        _ = try fake.control("POST", "/__fake/expire")
        let reply = try JSONValue.parse(try #require(s.process.receive(timeout: .seconds(60))))
        #expect(reply["result"]?["added"] == 2500, "\(reply)")
        #expect((try fake.stats()["tokens"]?.intValue ?? 0) >= 2, "renewed")

        // 40 creates against 15 requests a second: 429s, waited out; each contact once.
        let rows = (1...40).map { "\(9000 + $0);Ny \($0)" }.joined(separator: "\n")
        _ = try s.result("importCustomers", ["side": "local", "content": .string("Kundenr.;Navn\n\(rows)\n")])
        _ = try s.result("createAllPartners", ["side": "local", "numbering": ["mode": "keep"]])
        let pushed = try s.result("pushRemote", timeout: .seconds(120))
        #expect(pushed["created"] == 40)
        let stats = try fake.stats()
        #expect((stats["limited"]?.intValue ?? 0) > 0, "the limit was met")
        for n in 9001...9040 { #expect(stats["posts"]?[String(n)] == 1) }
    }

    @Test func connectChecksDinerosParamsAndNamesAMissingProSubscription() throws {
        let fake = try FakeDinero(pro: false)
        defer { fake.stop() }
        let s = try server()
        defer { s.close() }
        var params = fake.connectParams()
        params = .object((params.objectValue ?? [:]).merging(["organizationId": "acme"]) { $1 })
        #expect(try s.call("connect", params)["error"]?["data"]?["path"] == "organizationId")
        let mixed = try s.call("connect", .object((fake.connectParams().objectValue ?? [:]).merging(["agreementGrantToken": "x"]) { $1 }))
        #expect(mixed["error"]?["data"]?["path"] == "agreementGrantToken")
        let noPro = try s.call("connect", fake.connectParams())
        #expect(noPro["error"]?["data"]?["kind"] == "Unauthorized")
        #expect(noPro["error"]?["data"]?["status"] == 403)
        #expect(noPro["error"]?["message"]?.stringValue?.contains("Dinero Pro") == true)
    }
}

extension JSONValue {
    var objectValue: [String: JSONValue]? { if case .object(let members) = self { members } else { nil } }
}
