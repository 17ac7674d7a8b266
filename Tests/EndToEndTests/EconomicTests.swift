import Foundation
import JSONRPC
import SyncFixtures
import TestSupport
import Testing

/// The article's workflow with e-conomic in place of the file, against the fake e-conomic on
/// loopback, through the real binary.
@Suite("e-conomic connection", .serialized)
struct EconomicTests {
    let dir: URL
    let fake: FakeEconomic

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("economic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        fake = try FakeEconomic()
    }

    var db: String { dir.appendingPathComponent("register.sqlite").path }
    var keyFile: String { dir.appendingPathComponent("key").path }

    func server() throws -> Spawned {
        try Spawned(["--db", db, "--key-file", keyFile])
    }

    func remoteByNumber(_ s: Spawned) throws -> [String: JSONValue] {
        guard case .array(let items)? = try s.result("listUnsynced", ["side": "remote", "limit": 1000])["items"] else { return [:] }
        var out: [String: JSONValue] = [:]
        for item in items { if let n = item["number"]?.stringValue { out[n] = item } }
        return out
    }

    @Test func theArticlesWorkflowWithEconomic() throws {
        try fake.seed([
            FakeEconomic.customer(101, "Jensens Auto ApS", extra: [
                "address": "Vestergade 3", "zip": "5000", "city": "Odense C", "country": "Danmark",
                "corporateIdentificationNumber": "25043235", "website": "https://jensens.dk", "creditLimit": 5000,
                "attention": ["customerContactNumber": 1], "__contacts": [["customerContactNumber": 1, "name": "Jens Jensen"]],
            ]),
            FakeEconomic.customer(102, "Café Møllen", extra: ["city": "Kolding", "telephoneAndFaxNumber": "75 50 11 22"]),
            FakeEconomic.customer(103, "Gammel Kunde A/S"),
        ])
        let s = try server()
        defer { s.close() }
        _ = try s.result("importCustomers", ["side": "local", "content": """
            Kundenr.;Navn;Adresse;Postnr.;By;Land;CVR;Att.
            1;Jensens Auto ApS;Vestergade 3;5000;Odense C;DK;25043235;Jens Jensen
            2;Bageriet Ørsted;Østergade 12;8000;Aarhus C;DK;;
            """])
        // Bad tokens: a domain error naming the cause; nothing stored, no token echoed.
        let refused = try s.call("connect", fake.connectParams(secret: "wrong"))
        #expect(refused["error"]?["code"] == 1013)
        #expect(refused["error"]?["data"]?["kind"] == "Unauthorized")
        #expect(!refused.jsonText.contains("wrong"))
        #expect(try s.result("connectionStatus")["connected"] == false)
        let connected = try s.result("connect", fake.connectParams())
        #expect(connected["connected"] == true)
        #expect(connected["system"] == "e-conomic")
        #expect(!connected.jsonText.contains(FakeEconomic.appSecret) && !connected.jsonText.contains(FakeEconomic.grant))
        // The tokens are not in the database file in clear.
        let file = try Data(contentsOf: URL(fileURLWithPath: db)) + ((try? Data(contentsOf: URL(fileURLWithPath: db + "-wal"))) ?? Data())
        #expect(file.range(of: Data(FakeEconomic.appSecret.utf8)) == nil)
        #expect(file.range(of: Data(FakeEconomic.grant.utf8)) == nil)

        // Pull: the remote register is e-conomic's.
        let pulled = try s.result("pullRemote", ["progressToken": "p"])
        #expect(pulled["added"] == 3)
        #expect(pulled["full"] == true)
        #expect(s.notifications.contains { $0.0 == "$/progress" && $0.1["token"] == "p" })
        var remote = try remoteByNumber(s)
        #expect(remote["101"]?["contact"] == "Jens Jensen")
        #expect(remote["101"]?["country"] == "DK")
        #expect(remote["102"]?["phone"] == "75 50 11 22")

        // Choose partners; create one toward e-conomic under a number we give.
        let link = try s.result("selectPartner", ["localId": "c1", "remoteId": try #require(remote["101"]?["id"])])
        #expect(link["state"] == "synced")
        _ = try s.result("createPartner", ["customerId": "c2", "number": "5001"])
        #expect(try s.result("connectionStatus")["queued"] == 1)
        let pushed = try s.result("pushRemote")
        #expect(pushed["created"] == 1)
        #expect(pushed["failed"] == [])
        var held = try fake.customers()
        #expect(held["5001"]?["name"] == "Bageriet Ørsted")
        #expect(held["5001"]?["currency"] == "DKK")
        #expect(held["5001"]?["city"] == "Aarhus C")
        #expect(held["5001"]?["country"] == "Danmark")
        #expect(try s.result("connectionStatus")["queued"] == 0)

        // Edit on both sides: a local change goes out, a change in e-conomic comes in, and what
        // we do not sync (website, credit limit) survives our update.
        _ = try s.result("updateCustomer", ["id": "c1", "fields": ["city": "Odense M"]])
        try fake.touch(5001, ["telephoneAndFaxNumber": "86 12 34 56"])
        #expect(try s.result("pushRemote")["updated"] == 1)
        held = try fake.customers()
        #expect(held["101"]?["city"] == "Odense M")
        #expect(held["101"]?["website"] == "https://jensens.dk")
        #expect(held["101"]?["creditLimit"] == 5000)
        #expect(held["101"]?["attention"]?["customerContactNumber"] == 1)
        let incremental = try s.result("pullRemote")
        #expect(incremental["full"] == false)
        #expect(incremental["updated"] == 1)
        #expect(try s.result("getCustomer", ["id": "c2"])["phone"] == "86 12 34 56", "copied to the local partner")

        // A conflict: both sides change the phone. e-conomic's value is not overwritten until
        // it is resolved; then both get the chosen value.
        _ = try s.result("updateCustomer", ["id": "c1", "fields": ["phone": "66 11 11 11"]])
        try fake.touch(101, ["telephoneAndFaxNumber": "66 22 22 22"])
        _ = try s.result("pushRemote")
        #expect(try fake.customers()["101"]?["telephoneAndFaxNumber"] == "66 22 22 22")
        _ = try s.result("pullRemote")
        let conflict = try s.result("getLink", ["linkId": try #require(link["id"])])
        #expect(conflict["state"] == "conflict")
        _ = try s.result("pushRemote")
        #expect(try fake.customers()["101"]?["telephoneAndFaxNumber"] == "66 22 22 22")
        _ = try s.result("resolveConflict", ["linkId": try #require(link["id"]), "choices": ["phone": "local"]])
        _ = try s.result("pushRemote")
        #expect(try fake.customers()["101"]?["telephoneAndFaxNumber"] == "66 11 11 11")

        // A customer deleted in e-conomic goes with the next full pull.
        _ = try fake.control("DELETE", "/customers/103")
        _ = try s.result("pullRemote", ["full": true])
        remote = try remoteByNumber(s)
        #expect(remote["103"] == nil)
        let status = try s.result("connectionStatus")
        #expect(status["lastPull"]?.stringValue != nil)
        #expect(status["lastPush"]?.stringValue != nil)
        #expect(status["lastError"] == .null)
    }

    @Test func retriesThroughRateLimitsAndServerErrorsAndNeverCreatesTwice() throws {
        try fake.seed((1...25).map { FakeEconomic.customer($0, "Kunde \($0)") })
        let s = try server()
        defer { s.close() }
        _ = try s.result("connect", fake.connectParams(timeout: 1))
        try fake.faults([["method": "GET", "path": "/customers", "status": 429, "times": 2], ["method": "GET", "path": "/customers", "status": 503, "times": 1]])
        #expect(try s.result("pullRemote")["added"] == 25)
        _ = try s.result("importCustomers", ["side": "local", "content": "Kundenr.;Navn\n900;Ny Kunde ApS\n901;Anden Kunde\n"])
        _ = try s.result("createAllPartners", ["side": "local", "numbering": ["mode": "keep"]])
        // The first create lands but its reply is lost; the next answers 500 without landing.
        try fake.faults([["method": "POST", "path": "/customers", "kind": "lose", "seconds": 2, "times": 1], ["method": "POST", "path": "/customers", "status": 500, "times": 1]])
        let pushed = try s.result("pushRemote")
        #expect(pushed["created"] == 2)
        #expect(pushed["failed"] == [])
        let stats = try fake.stats()
        #expect(stats["posts"]?["900"] == 1)
        #expect(stats["posts"]?["901"] == 1)
        #expect(try fake.customers().count == 27)
    }

    @Test func aCrashInTheMiddleOfAPushSendsNothingTwiceAfterTheRestart() throws {
        var s = try server()
        _ = try s.result("connect", fake.connectParams())
        _ = try s.result("pullRemote")
        let rows = (1...6).map { "\(700 + $0);Kunde \($0)" }.joined(separator: "\n")
        _ = try s.result("importCustomers", ["side": "local", "content": .string("Kundenr.;Navn\n\(rows)\n")])
        _ = try s.result("createAllPartners", ["side": "local", "numbering": ["mode": "keep"]])
        // The third create is slow: the server is killed while it waits; e-conomic takes it.
        try fake.faults([["method": "POST", "path": "/customers", "kind": "slow", "seconds": .number("1.5"), "times": 1, "skip": 2]])
        s.process.send(Array(#"{"jsonrpc":"2.0","id":"push","method":"pushRemote","params":{}}"#.utf8))
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, (try fake.customers().count) < 2 { Thread.sleep(forTimeInterval: 0.02) }
        Thread.sleep(forTimeInterval: 0.3)
        s.kill()
        Thread.sleep(forTimeInterval: 1.5)  // the slow create lands with nobody to hear it
        // Restarted on the same file and key: no new connect; the rest goes, nothing twice.
        s = try server()
        defer { s.close() }
        #expect(try s.result("connectionStatus")["connected"] == true)
        let pushed = try s.result("pushRemote")
        #expect(pushed["failed"] == [])
        let held = try fake.customers()
        #expect(held.count == 6)
        let posts = try fake.stats()["posts"]
        for n in 701...706 { #expect(posts?[String(n)] == 1, "customer \(n) created once") }
        #expect(try s.result("connectionStatus")["queued"] == 0)
    }

    /// A pull runs beside the protocol loop: `ping` is answered while a page is slow, and
    /// `$/cancelRequest` ends it with -32800, leaving the pages applied so far whole and
    /// deleting nobody.
    @Test func aSlowPullIsPingedAndCancelledBetweenPages() throws {
        try fake.seed((1...2500).map { FakeEconomic.customer($0, "Kunde \($0)") })
        let s = try server()
        defer { s.close() }
        _ = try s.result("connect", fake.connectParams())
        // The pull asks for the newest change first (its mark), then page 0; page 1 is slow.
        try fake.faults([["method": "GET", "path": "/customers", "kind": "slow", "seconds": 2, "times": 1, "skip": 2]])
        s.process.send(Array(#"{"jsonrpc":"2.0","id":"pull","method":"pullRemote","params":{}}"#.utf8))
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try s.result("ping") == [:], "answered while the pull waits for its second page")
        s.process.send(Array(#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"pull"}}"#.utf8))
        let reply = try JSONValue.parse(try #require(s.process.receive(timeout: .seconds(30))))
        #expect(reply["id"] == "pull")
        #expect(reply["error"]?["code"] == -32800)
        #expect(try s.result("status")["remote"]?["total"] == 1000, "exactly the first page")
        #expect(try s.result("connectionStatus")["lastPull"] == .null)
        #expect(try s.result("connectionStatus")["lastError"] == .null, "a cancel is not a fault")
        // The next pull is a full one again and brings the rest.
        let again = try s.result("pullRemote")
        #expect(again["full"] == true)
        #expect(again["added"] == 1500)
        #expect(again["unchanged"] == 1000)
    }

    /// A customer e-conomic refuses is listed with e-conomic's own message, stays queued, and
    /// goes with a later push; the others go now.
    @Test func aRefusedCustomerIsReportedAndStaysQueued() throws {
        let s = try server()
        defer { s.close() }
        _ = try s.result("connect", fake.connectParams())
        _ = try s.result("importCustomers", ["side": "local", "content": "Kundenr.;Navn\n31;Første ApS\n32;Anden ApS\n"])
        _ = try s.result("createAllPartners", ["side": "local", "numbering": ["mode": "keep"]])
        try fake.faults([["method": "POST", "path": "/customers", "status": 400, "times": 1]])
        let first = try s.result("pushRemote")
        #expect(first["created"] == 1)
        #expect(first["failed"]?[0]?["customerId"] == "c3")
        #expect(first["failed"]?[0]?["message"]?.stringValue?.contains("injected 400") == true)
        #expect(try s.result("connectionStatus")["queued"] == 1)
        #expect(try s.result("pushRemote")["created"] == 1)
        #expect(try fake.customers().keys.sorted() == ["31", "32"])
    }

    @Test func aDeadAPIChangesNothingAndKeepsTheQueue() throws {
        let s = try server()
        defer { s.close() }
        _ = try s.result("connect", fake.connectParams(timeout: 3))
        _ = try s.result("importCustomers", ["side": "local", "content": "Kundenr.;Navn\n42;Svar ApS\n"])
        _ = try s.result("createPartner", ["customerId": "c1"])
        fake.stop()
        let failed = try s.call("pushRemote", timeout: .seconds(60))
        #expect(failed["error"]?["data"]?["kind"] == "RemoteUnavailable")
        let status = try s.result("connectionStatus")
        #expect(status["queued"] == 1)
        #expect(status["lastError"]?.stringValue?.contains("pushRemote") == true)
        #expect(try s.result("ping") == [:])
    }

    @Test func pullAndPushNeedAConnectionAndConnectChecksItsParams() throws {
        let s = try Spawned(["--db", ":memory:", "--key-file", keyFile])
        defer { s.close() }
        #expect(try s.call("pullRemote")["error"]?["data"]?["kind"] == "NotConnected")
        #expect(try s.call("pushRemote")["error"]?["data"]?["kind"] == "NotConnected")
        let badCurrency = fake.connectParams(defaults: ["currency": "kroner", "customerGroup": 1, "paymentTerms": 2, "vatZone": 1])
        #expect(try s.call("connect", badCurrency)["error"]?["data"]?["path"] == "defaults.currency")
        #expect(try s.call("connect", fake.connectParams(baseUrl: "ftp://example"))["error"]?["data"]?["path"] == "baseUrl")
        // A revoked grant is 401 (e-conomic's REST docs, HTTP Status Codes), in e-conomic's words.
        let revoked = try s.call("connect", fake.connectParams(grant: "revoked-grant"))["error"]
        #expect(revoked?["data"]?["status"] == 401)
        #expect(revoked?["data"]?["kind"] == "Unauthorized")
        #expect(revoked?["message"]?.stringValue?.contains("revoked") == true)
        _ = try s.result("connect", fake.connectParams())
        _ = try s.result("disconnect")
        #expect(try s.result("connectionStatus")["connected"] == false)
    }
}
