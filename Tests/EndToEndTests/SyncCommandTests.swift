import Foundation
import JSONRPC
import SyncFixtures
import TestSupport
import Testing

/// `customer-sync sync`: one round from a shell, for cron or a systemd timer.
@Suite("customer-sync sync", .serialized)
struct SyncCommandTests {
    /// Runs the binary to its end: exit status, standard output, standard error.
    func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.serverBinary)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }

    @Test func oneRoundFromAShellSucceedsAndFailsAsItShould() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sync-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let db = dir.appendingPathComponent("r.sqlite").path, key = dir.appendingPathComponent("key").path
        let fake = try FakeEconomic()
        try fake.seed([FakeEconomic.customer(1, "Første ApS", extra: ["city": "Odense"])])
        // Not connected yet: exit 1, the reason on standard error, nothing on standard output.
        let unconnected = try run(["sync", "--db", db, "--key-file", key])
        #expect(unconnected.status == 1)
        #expect(unconnected.err.contains("NotConnected"))
        #expect(unconnected.out.isEmpty)
        do {
            let s = try Spawned(["--db", db, "--key-file", key])
            defer { s.close() }
            _ = try s.result("connect", fake.connectParams())
            _ = try s.result("pullRemote")
            _ = try s.result("importCustomers", ["side": "local", "content": "Kundenr.;Navn;By\n1;Første ApS;Odense\n"])
            _ = try s.result("selectPartner", ["localId": "c2", "remoteId": "c1"])
            _ = try s.result("updateCustomer", ["id": "c2", "fields": ["city": "Nyborg"]])
        }
        try fake.touch(1, ["telephoneAndFaxNumber": "66 11 22 33"])
        let round = try run(["sync", "--db", db, "--key-file", key])
        #expect(round.status == 0, "\(round.err)")
        #expect(round.out.contains("pulled 0 new, 1 updated"), "\(round.out)")
        #expect(round.out.contains("pushed 0 created, 1 updated"), "\(round.out)")
        #expect(try fake.customers()["1"]?["city"] == "Nyborg")
        // The system gone: exit 1 with the reason; what is queued stays queued.
        let s = try Spawned(["--db", db, "--key-file", key])
        _ = try s.result("updateCustomer", ["id": "c2", "fields": ["city": "Svendborg"]])
        s.close()
        fake.stop()
        let failed = try run(["sync", "--db", db, "--key-file", key])
        #expect(failed.status == 1)
        #expect(failed.err.contains("RemoteUnavailable"), "\(failed.err)")
        let after = try Spawned(["--db", db, "--key-file", key])
        defer { after.close() }
        #expect(try after.result("connectionStatus")["queued"] == 1)
    }
}
