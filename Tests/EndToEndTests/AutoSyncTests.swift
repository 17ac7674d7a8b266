import Foundation
import JSONRPC
import SyncFixtures
import TestSupport
import Testing

/// Automatic sync through the real binary against the fake e-conomic: edits reach each side
/// with nobody calling anything, rounds never hold the client up, a system that goes away is
/// asked again ever less often, and a restarted server goes on by itself. Every wait is a poll
/// with a deadline; the figures printed are what the closing note of issue 26 quotes.
@Suite("automatic sync", .serialized)
struct AutoSyncTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("autosync-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    var db: String { dir.appendingPathComponent("register.sqlite").path }
    var keyFile: String { dir.appendingPathComponent("key").path }

    func server() throws -> Spawned {
        try Spawned(["--db", db, "--key-file", keyFile])
    }

    /// Polls `condition` until it holds or `deadline` passes; how long it took, or nil.
    func waitFor(within deadline: Duration, _ condition: () throws -> Bool) rethrows -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < deadline {
            if try condition() { return ContinuousClock.now - start }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }

    /// A linked pair: local c-id for the fake's customer 1 ("Første ApS").
    func linkedPair(_ s: Spawned, _ fake: FakeEconomic) throws -> (local: String, remote: String) {
        _ = try s.result("connect", fake.connectParams())
        _ = try s.result("pullRemote")
        _ = try s.result("importCustomers", ["side": "local", "content": "Kundenr.;Navn;By\n1;Første ApS;Odense\n"])
        guard case .array(let remotes)? = try s.result("listUnsynced", ["side": "remote"])["items"],
              case .array(let locals)? = try s.result("listUnsynced", ["side": "local"])["items"],
              let remote = remotes.first?["id"]?.stringValue, let local = locals.first?["id"]?.stringValue else {
            throw Failure("no customers to link")
        }
        _ = try s.result("selectPartner", ["localId": .string(local), "remoteId": .string(remote)])
        return (local, remote)
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    @Test func aLinkedCustomerEditedOnEitherSideIsInStepWithinOneInterval() throws {
        let fake = try FakeEconomic()
        try fake.seed([FakeEconomic.customer(1, "Første ApS", extra: ["city": "Odense"])])
        let s = try server()
        defer { s.close() }
        let (local, _) = try linkedPair(s, fake)
        let status = try s.result("setAutoSync", ["everySeconds": 5])
        #expect(status["autoSync"]?["everySeconds"] == 5)
        #expect(status["autoSync"]?["fullEverySeconds"] == 3600)
        #expect(status["autoSync"]?["nextAt"]?.stringValue != nil)
        // The first round comes at once.
        let first = try #require(try s.notification("remoteSynced", timeout: .seconds(20)))
        #expect(first["pull"] != nil && first["error"] == nil, "\(first.jsonText)")

        // An edit in e-conomic reaches the local register with nobody calling anything but reads.
        try fake.touch(1, ["city": "Nyborg"])
        let inward = try waitFor(within: .seconds(15)) { try s.result("getCustomer", ["id": .string(local)])["city"] == "Nyborg" }
        #expect(inward != nil, "the system's edit did not arrive")

        // A local edit reaches e-conomic the same way.
        _ = try s.result("updateCustomer", ["id": .string(local), "fields": ["city": "Svendborg"]])
        let outward = try waitFor(within: .seconds(15)) { try fake.customers()["1"]?["city"] == "Svendborg" }
        #expect(outward != nil, "the local edit did not reach the system")
        print("auto sync every 5 s: e-conomic edit → local in \(inward.map(Self.seconds) ?? -1) s; local edit → e-conomic in \(outward.map(Self.seconds) ?? -1) s")

        // Off: no more rounds after the one in hand.
        let off = try s.result("setAutoSync", ["everySeconds": .null])
        #expect(off["autoSync"] == .null)
        // A round in hand as it was switched off still ends with its notification; none after.
        while try s.notification("remoteSynced", timeout: .seconds(2)) != nil {}
        try fake.touch(1, ["city": "Faaborg"])
        #expect(try s.notification("remoteSynced", timeout: .seconds(7)) == nil)
        #expect(try s.result("getCustomer", ["id": .string(local)])["city"] == "Svendborg")
    }

    @Test func aSlowRoundNeverHoldsTheClientUpNorLosesItsWrite() throws {
        let fake = try FakeEconomic()
        try fake.seed([FakeEconomic.customer(1, "Første ApS", extra: ["city": "Odense"])])
        let s = try server()
        defer { s.close() }
        let (local, _) = try linkedPair(s, fake)
        // Every request to the system now waits 2 s: a round takes several seconds.
        try fake.faults([["kind": "slow", "seconds": 2, "times": 4]])
        _ = try s.result("setAutoSync", ["everySeconds": 5])
        let running = try waitFor(within: .seconds(10)) { try s.result("connectionStatus")["autoSync"]?["running"] == true }
        #expect(running != nil, "no round started")
        // While it runs: ping, a list, and a write, each answered at once.
        var pings: [Double] = []
        for _ in 0..<200 {
            let t = ContinuousClock.now
            _ = try s.result("ping")
            pings.append(Self.seconds(ContinuousClock.now - t))
        }
        let t = ContinuousClock.now
        _ = try s.result("listUnsynced", ["side": "local"])
        let list = Self.seconds(ContinuousClock.now - t)
        let w = ContinuousClock.now
        _ = try s.result("updateCustomer", ["id": .string(local), "fields": ["city": "Kerteminde"]])
        let write = Self.seconds(ContinuousClock.now - w)
        let stillRunning = try s.result("connectionStatus")["autoSync"]?["running"] == true
        #expect(stillRunning, "the round ended before the client's requests: the test shows nothing")
        pings.sort()
        print("during a slow round: ping p50 \(pings[pings.count / 2] * 1e6) µs, max \(pings.last! * 1e6) µs; listUnsynced \(list * 1e3) ms; updateCustomer \(write * 1e3) ms")
        // Answered long before the round (seconds of waiting on the system) could end.
        #expect(pings.last! < 1, "a ping waited for the round")
        #expect(write < 1, "a write waited for the round")
        // The write made during the round is not lost: it reaches the system by a later round.
        let landed = try waitFor(within: .seconds(40)) { try fake.customers()["1"]?["city"] == "Kerteminde" }
        #expect(landed != nil, "the write made during a round never reached the system")
    }

    @Test func aSystemThatGoesAwayIsAskedAgainEverLessOftenAndTheNextGoodRoundSaysSo() throws {
        let fake = try FakeEconomic()
        let port = fake.port
        try fake.seed([FakeEconomic.customer(1, "Første ApS", extra: ["city": "Odense"])])
        let s = try server()
        defer { s.close() }
        _ = try s.result("connect", fake.connectParams(timeout: 1))
        _ = try s.result("setAutoSync", ["everySeconds": 5])
        let good = try #require(try s.notification("remoteSynced", timeout: .seconds(20)))
        #expect(good["error"] == nil)
        fake.stop()
        var pauses: [Double] = []
        for failures in 1...3 {
            let failed = try #require(try s.notification("remoteSynced", timeout: .seconds(60)), "no round after failure \(failures - 1)")
            #expect(failed["error"]?["data"]?["kind"] == "RemoteUnavailable", "\(failed.jsonText)")
            #expect(failed["failures"] == .int(failures))
            let at = try #require(failed["at"]?.stringValue.flatMap(Self.date)), next = try #require(failed["nextAt"]?.stringValue.flatMap(Self.date))
            pauses.append(next.timeIntervalSince(at))
            let status = try s.result("connectionStatus")["autoSync"]
            #expect(status?["failures"] == .int(failures))
            #expect(status?["lastError"]?["data"]?["kind"] == "RemoteUnavailable")
        }
        print("pauses after 1, 2, 3 failed rounds (every 5 s): \(pauses.map { String(format: "%.1f", $0) }.joined(separator: ", ")) s")
        #expect(pauses.count == 3 && abs(pauses[0] - 5) < 0.5 && abs(pauses[1] - 10) < 0.5 && abs(pauses[2] - 20) < 0.5, "\(pauses)")
        // The system comes back on the same port: the next round works, and says it recovered.
        let back = try FakeEconomic(port: port)
        try back.seed([FakeEconomic.customer(1, "Første ApS", extra: ["city": "Odense"])])
        let recovered = try #require(try s.notification("remoteSynced", timeout: .seconds(40)))
        #expect(recovered["error"] == nil, "\(recovered.jsonText)")
        #expect(recovered["recovered"]?["failures"] == 3)
        let status = try s.result("connectionStatus")["autoSync"]
        #expect(status?["failures"] == 0)
        #expect(status?["lastError"] == .null)
    }

    @Test func aRestartedServerGoesOnAndThePeriodicFullPullFindsDeletions() throws {
        let fake = try FakeEconomic()
        try fake.seed([FakeEconomic.customer(1, "Første ApS", extra: ["city": "Odense"]), FakeEconomic.customer(2, "Anden ApS")])
        do {
            let s = try server()
            let (local, _) = try linkedPair(s, fake)
            _ = try s.result("setAutoSync", ["everySeconds": 5, "fullEverySeconds": 10])
            _ = try s.result("updateCustomer", ["id": .string(local), "fields": ["city": "Nyborg"]])
            s.close()
        }
        // Nobody calls anything on the new server but reads: the stored schedule runs.
        let s = try server()
        defer { s.close() }
        let status = try s.result("connectionStatus")["autoSync"]
        #expect(status?["everySeconds"] == 5 && status?["fullEverySeconds"] == 10)
        let round = try #require(try s.notification("remoteSynced", timeout: .seconds(20)))
        #expect(round["push"]?["updated"] == 1, "\(round.jsonText)")
        #expect(try fake.customers()["1"]?["city"] == "Nyborg")
        // e-conomic says nothing of deletions since a mark: the periodic full pull finds them.
        _ = try fake.control("DELETE", "/customers/2")
        var deleted: JSONValue?
        _ = try waitFor(within: .seconds(40)) {
            guard let n = try s.notification("remoteSynced", timeout: .seconds(1)) else { return false }
            if n["pull"]?["deleted"] == 1 { deleted = n }
            return deleted != nil
        }
        let found = try #require(deleted, "no full pull found the deletion")
        #expect(found["pull"]?["full"] == true)
        #expect(try s.result("connectionStatus")["autoSync"]?["lastFullAt"]?.stringValue != nil)
    }

    @Test func theShellRoundWaitsForAServersRoundAndGivesUpWhenTold() throws {
        let fake = try FakeEconomic()
        try fake.seed([FakeEconomic.customer(1, "Første ApS")])
        let s = try server()
        defer { s.close() }
        _ = try s.result("connect", fake.connectParams())
        try fake.faults([["kind": "slow", "seconds": 3, "times": 2]])
        _ = try s.result("setAutoSync", ["everySeconds": 5])
        #expect(try waitFor(within: .seconds(10)) { try s.result("connectionStatus")["autoSync"]?["running"] == true } != nil)
        // A round from cron meanwhile: one at a time, so with no patience it gives up.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.serverBinary)
        process.arguments = ["sync", "--db", db, "--key-file", keyFile, "--wait", "0"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(message.contains("another round"), "\(message)")
    }

    @Test func badSettingsAreRefusedAndChangeNothing() throws {
        let s = try server()
        defer { s.close() }
        // No connection to store it with.
        let unconnected = try s.call("setAutoSync", ["everySeconds": 60])
        #expect(unconnected["error"]?["data"]?["kind"] == "NotConnected")
        let fake = try FakeEconomic()
        _ = try s.result("connect", fake.connectParams())
        for (params, path) in [(["everySeconds": 4], "everySeconds"), (["everySeconds": 0], "everySeconds"), (["everySeconds": -5], "everySeconds"),
                               (["everySeconds": "60"], "everySeconds"), (["everySeconds": .number("60.5")], "everySeconds"), ([:], "everySeconds"),
                               (["everySeconds": 60, "fullEverySeconds": 30], "fullEverySeconds"),
                               (["everySeconds": .null, "fullEverySeconds": 600], "fullEverySeconds"),
                               (["everySeconds": 99_999_999_999], "everySeconds"), (["everySeconds": 60, "every": 5], "every")] as [(JSONValue, String)] {
            let reply = try s.call("setAutoSync", params)
            #expect(reply["error"]?["code"] == -32602, "\(params.jsonText): \(reply.jsonText)")
            #expect(reply["error"]?["data"]?["path"] == .string(path), "\(params.jsonText): \(reply.jsonText)")
        }
        #expect(try s.result("connectionStatus")["autoSync"] == .null)
        // Disconnecting forgets it with the connection.
        _ = try s.result("setAutoSync", ["everySeconds": 3600])
        _ = try s.result("disconnect")
        _ = try s.result("connect", fake.connectParams())
        #expect(try s.result("connectionStatus")["autoSync"] == .null)
    }

    static func date(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)
    }
}
