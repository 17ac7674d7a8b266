import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import JSONRPC
import JSONRPCClient

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
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = fake ?? root.appendingPathComponent("Tests/Fixtures/fake_economic.py").path
        let api = try Fake(script: script)
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
            _ = try api.control("POST", "/__fake/customers", .array(batch))
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
            "system": "e-conomic", "baseUrl": .string("http://127.0.0.1:\(api.port)"), "appSecretToken": "bench-secret", "agreementGrantToken": "bench-grant",
            "defaults": ["currency": "DKK", "customerGroup": 1, "paymentTerms": 2, "vatZone": 1],
        ])
        let clock = ContinuousClock()

        var before = try api.stats()
        var started = clock.now
        let pulled = try call("pullRemote", [:])
        var elapsed = clock.now - started
        var after = try api.stats()
        report("pullRemote, \(customers) customers (\(pulled["pages"]?.jsonText ?? "?") pages): ", elapsed, before, after)
        print("  result: \(pulled.jsonText)")

        _ = try call("createAllPartners", ["side": "remote", "numbering": ["mode": "keep"]])
        for i in 0..<min(changes, customers) {
            // Local customers c(customers+1)… are the partners, in the remote ones' order.
            _ = try call("updateCustomer", ["id": .string("c\(customers + 1 + i)"), "fields": ["city": .string("Ny By \(i)")]])
        }
        before = try api.stats()
        started = clock.now
        let pushed = try call("pushRemote", [:])
        elapsed = clock.now - started
        after = try api.stats()
        report("pushRemote, \(changes) changed customers: ", elapsed, before, after)
        print("  result: created \(pushed["created"]?.jsonText ?? "?"), updated \(pushed["updated"]?.jsonText ?? "?"), failed \(pushed["failed"]?.jsonText ?? "?")")

        before = try api.stats()
        started = clock.now
        let again = try call("pullRemote", [:])
        elapsed = clock.now - started
        after = try api.stats()
        report("pullRemote again (changed since the last pull only): ", elapsed, before, after)
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

    /// The fake e-conomic, spawned.
    final class Fake {
        let process = Process()
        let port: Int

        init(script: String) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script, "--port", "0", "--app-secret", "bench-secret", "--grant", "bench-grant"]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            var line = Data()
            while !line.contains(0x0A) {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { throw ValidationError("the fake e-conomic did not start (\(script))") }
                line += chunk
            }
            guard let port = Int(String(decoding: line, as: UTF8.self).split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") else {
                throw ValidationError("the fake e-conomic said \(String(decoding: line, as: UTF8.self))")
            }
            self.port = port
        }

        func stop() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        func stats() throws -> JSONValue { try control("GET", "/__fake/stats", nil) }

        func control(_ method: String, _ path: String, _ body: JSONValue?) throws -> JSONValue {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            request.httpMethod = method
            if let body {
                request.httpBody = Data(body.jsonText.utf8)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
            let done = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var result: Data?
            URLSession.shared.dataTask(with: request) { data, _, _ in
                result = data
                done.signal()
            }.resume()
            done.wait()
            guard let data = result else { throw ValidationError("the fake did not answer \(method) \(path)") }
            return data.isEmpty ? .null : try JSONValue.parse(Array(data))
        }
    }
}
