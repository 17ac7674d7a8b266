import ArgumentParser
import Foundation
import JSONRPC
import JSONRPCClient
import SyncFixtures

/// Partner suggestions through the server on generated registers: speed, memory and quality.
struct SuggestionsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suggestions",
        abstract: "Generates registers with a known true pairing, imports them, and times listSuggestions and suggestPartners; reports precision, recall, F1 and the server's peak RSS."
    )

    @Option(help: "Path of the customer-sync binary (default: next to this one).") var server: String?
    @Option(help: "Customers per side.") var customers: Int = 10_000
    @Option(help: "Share of customers on both sides.") var overlap: Double = 0.6
    @Option(help: "Generator seed.") var seed: UInt64 = 1
    @Option(help: "Corruption multiplier (1: realistic).") var hardness: Double = 1

    func run() throws {
        var generator = RegisterGenerator(seed: seed, customers: customers, overlap: overlap, hardness: hardness)
        let data = generator.generate()
        let p = try ChildProcess(executable: serverPath(server), arguments: ["--db", ":memory:"], framing: .ndjson)
        let clock = ContinuousClock()
        var id = 0
        func call(_ method: String, _ params: JSONValue) throws -> (JSONValue, Double) {
            id += 1
            let request: JSONValue = ["jsonrpc": "2.0", "id": .int(id), "method": .string(method), "params": params]
            let start = clock.now
            p.send(Array(request.jsonText.utf8))
            guard let body = p.receive(timeout: .seconds(900)) else { throw ValidationError("no reply to \(method)") }
            let ms = nanoseconds(clock.now - start) / 1e6
            let reply = try JSONValue.parse(body)
            if let error = reply["error"] { throw ValidationError("\(method): \(error.jsonText)") }
            return (reply["result"] ?? .null, ms)
        }
        func pages(_ method: String, _ base: [String: JSONValue], _ each: (JSONValue) -> Void) throws -> [Double] {
            var cursor: JSONValue = .null
            var times: [Double] = []
            repeat {
                var params = base
                if cursor != .null { params["cursor"] = cursor }
                let (page, ms) = try call(method, .object(params))
                times.append(ms)
                if case .array(let items)? = page["items"] { items.forEach(each) }
                cursor = page["nextCursor"] ?? .null
            } while cursor != .null
            return times
        }
        _ = try call("importCustomers", ["side": "local", "content": .string(data.localCSV)])
        _ = try call("importCustomers", ["side": "remote", "content": .string(data.remoteCSV)])
        var numberById: [String: String] = [:]
        var localIds: [String] = []
        _ = try pages("listUnsynced", ["limit": 1000]) { c in
            numberById[c["id"]!.stringValue!] = c["number"]!.stringValue!
            if c["side"] == "local" { localIds.append(c["id"]!.stringValue!) }
        }
        print("customers per side: \(customers), overlap \(overlap), true pairs \(data.truth.count)")

        let (_, firstMs) = try call("listSuggestions", ["limit": 50])
        print(String(format: "listSuggestions, first call (builds the index, pairs everyone): %.0f ms", firstMs))
        var found: Set<String> = []
        let pageTimes = try pages("listSuggestions", ["limit": 1000]) { s in
            found.insert(numberById[s["localId"]!.stringValue!]! + "|" + numberById[s["remoteId"]!.stringValue!]!)
        }
        print(String(format: "listSuggestions, %d pages of 1000 with the index built: mean %.0f ms a page", pageTimes.count, pageTimes.reduce(0, +) / Double(pageTimes.count)))
        var suggestTimes: [Double] = []
        var rng = SplitMix64(seed: 99)
        for _ in 0..<min(500, localIds.count) {
            let cid = localIds[Int(rng.next() % UInt64(localIds.count))]
            suggestTimes.append(try call("suggestPartners", ["customerId": .string(cid)]).1)
        }
        suggestTimes.sort()
        print(String(format: "suggestPartners, %d customers: p50 %.2f ms, p99 %.2f ms, max %.2f ms", suggestTimes.count,
                     suggestTimes[suggestTimes.count / 2], suggestTimes[suggestTimes.count * 99 / 100], suggestTimes.last!))
        let truth = Set(data.truth.map { "\($0.local)|\($0.remote)" })
        let correct = found.intersection(truth).count
        let precision = Double(correct) / Double(max(1, found.count))
        let recall = Double(correct) / Double(truth.count)
        print(String(format: "quality at the default minScore 0.7: %d pairs, precision %.4f, recall %.4f, F1 %.4f",
                     found.count, precision, recall, 2 * precision * recall / max(1e-9, precision + recall)))
        let (dry, dryMs) = try call("acceptSuggestions", ["minScore": .number("0.7"), "dryRun": true])
        print(String(format: "acceptSuggestions dry run: %.0f ms (%@)", dryMs, dry.jsonText))
        let status = (try? String(contentsOfFile: "/proc/\(p.process.processIdentifier)/status", encoding: .utf8)) ?? ""
        if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM") }) {
            print("server peak RSS: " + line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        p.closeInput()
        p.waitForExit()
    }
}
