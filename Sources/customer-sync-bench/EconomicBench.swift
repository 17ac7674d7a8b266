import ArgumentParser
import Foundation
import JSONRPC
import JSONRPCClient
import SyncFixtures

/// Pull and push through the server against the fake e-conomic (Tests/Fixtures/fake_economic.py)
/// on loopback: time, requests, and the fake's own serving time, so what the server adds shows.
struct EconomicBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "economic",
        abstract: "Pull of N customers from a fake e-conomic (pages of 1000) and push of M changes: time, requests, overhead over the fake's own serving time."
    )

    @Option(help: "Path of the customer-sync binary (default: next to this one).")
    var server: String?
    @Option(help: "Customers in e-conomic.")
    var customers: Int = 10_000
    @Option(help: "Local changes to push.")
    var changes: Int = 1_000
    @Option(help: "The fake e-conomic script (default: Tests/Fixtures/fake_economic.py in this repository).")
    var fake: String?

    func run() throws {
        let api = try FakeEconomic(script: fake ?? FakeEconomic.script)
        defer { api.stop() }
        var generator = Generator(state: 7)
        var seeded = 0
        while seeded < customers {
            let batch = (seeded..<min(customers, seeded + 2000)).map { i -> JSONValue in
                let (zip, city) = generator.pick(Generator.cities)
                return [
                    "customerNumber": .int(10_000 + i), "name": .string("\(generator.pick(Generator.firstWords)) \(generator.pick(Generator.secondWords)) \(i)"),
                    "address": .string("\(generator.pick(Generator.streets)) \(1 + generator.below(200))"), "zip": .string(zip), "city": .string(city),
                    "country": "Danmark", "email": .string("kunde\(i)@example.dk"), "currency": "DKK",
                    "customerGroup": ["customerGroupNumber": 1], "paymentTerms": ["paymentTermsNumber": 2], "vatZone": ["vatZoneNumber": 1],
                    "website": "https://example.dk", "creditLimit": 10000,
                ]
            }
            try api.seed(batch)
            seeded += batch.count
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("economic-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try ChildProcess(executable: serverPath(server),
                                 arguments: ["--db", dir.appendingPathComponent("bench.sqlite").path, "--key-file", dir.appendingPathComponent("key").path],
                                 framing: .ndjson)
        var id = 0
        func call(_ method: String, _ params: JSONValue) throws -> JSONValue {
            id += 1
            let request: JSONValue = ["jsonrpc": "2.0", "id": .int(id), "method": .string(method), "params": params]
            p.send(Array(request.jsonText.utf8))
            guard let reply = p.receive(timeout: .seconds(600)) else { throw ValidationError("no reply to \(method)") }
            let value = try JSONValue.parse(reply)
            if let error = value["error"] { throw ValidationError("\(method): \(error.jsonText)") }
            return value["result"] ?? .null
        }
        _ = try call("connect", [
            "system": "e-conomic", "baseUrl": .string("http://127.0.0.1:\(api.port)"), "appSecretToken": .string(FakeEconomic.appSecret), "agreementGrantToken": .string(FakeEconomic.grant),
            "defaults": ["currency": "DKK", "customerGroup": 1, "paymentTerms": 2, "vatZone": 1],
        ])
        let clock = ContinuousClock()

        // One call, timed, with the fake's counters before and after.
        func measured(_ method: String, _ what: (JSONValue) -> String) throws -> JSONValue {
            let before = try api.stats()
            let started = clock.now
            let result = try call(method, [:])
            let elapsed = clock.now - started
            report(what(result), elapsed, before, try api.stats())
            return result
        }
        let pulled = try measured("pullRemote") { "pullRemote, \(customers) customers (\($0["pages"]?.jsonText ?? "?") pages): " }
        print("  result: \(pulled.jsonText)")

        _ = try call("createAllPartners", ["side": "remote", "numbering": ["mode": "keep"]])
        for i in 0..<min(changes, customers) {
            // Local customers c(customers+1)… are the partners, in the remote ones' order.
            _ = try call("updateCustomer", ["id": .string("c\(customers + 1 + i)"), "fields": ["city": .string("Ny By \(i)")]])
        }
        let pushed = try measured("pushRemote") { _ in "pushRemote, \(changes) changed customers: " }
        print("  result: created \(pushed["created"]?.jsonText ?? "?"), updated \(pushed["updated"]?.jsonText ?? "?"), failed \(pushed["failed"]?.jsonText ?? "?")")

        let again = try measured("pullRemote") { _ in "pullRemote again (changed since the last pull only): " }
        print("  result: \(again.jsonText)")
        p.closeInput()
        _ = p.waitForExit()
    }

    func report(_ what: String, _ elapsed: Duration, _ before: JSONValue, _ after: JSONValue) {
        func requests(_ s: JSONValue) -> Int {
            guard case .object(let counts)? = s["requests"] else { return 0 }
            return counts.values.compactMap(\.intValue).reduce(0, +)
        }
        let serve = (Double(after["serveSeconds"]?.jsonText ?? "0") ?? 0) - (Double(before["serveSeconds"]?.jsonText ?? "0") ?? 0)
        let total = nanoseconds(elapsed) / 1e6
        print(String(format: "%@%.0f ms, %d requests; the fake's own serving %.0f ms; the rest (server, HTTP client, loopback) %.0f ms",
                     what, total, requests(after) - requests(before), serve * 1000, total - serve * 1000))
    }
}
