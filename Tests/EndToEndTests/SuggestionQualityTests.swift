import Foundation
import JSONRPC
import JSONRPCClient
import SyncFixtures
import TestSupport
import Testing

/// Partner suggestions on generated registers with a known true pairing, through the binary:
/// precision and recall at the default threshold must stay above the targets (0.99, 0.97).
/// `customer-sync-bench suggestions` measures the same at 10,000 and 100,000 a side.
@Suite("Suggestion quality")
struct SuggestionQualityTests {
    final class Server {
        let process: ChildProcess
        var id = 0
        init() throws { process = try ChildProcess(executable: Paths.serverBinary, arguments: ["--db", ":memory:"], framing: .ndjson) }
        func call(_ method: String, _ params: JSONValue) throws -> JSONValue {
            id += 1
            let request: JSONValue = ["jsonrpc": "2.0", "id": .int(id), "method": .string(method), "params": params]
            process.send(Array(request.jsonText.utf8))
            let reply = try JSONValue.parse(try #require(process.receive(timeout: .seconds(120))))
            if let error = reply["error"] { throw Failure("\(method): \(error.jsonText)") }
            return try #require(reply["result"])
        }
        func close() {
            process.closeInput()
            process.waitForExit()
        }
    }

    @Test(arguments: [(UInt64(1), 1.0), (UInt64(2), 2.0)])
    func precisionAndRecallAtTheDefaultThreshold(seed: UInt64, hardness: Double) throws {
        var generator = RegisterGenerator(seed: seed, customers: 1500, overlap: 0.6, hardness: hardness)
        let data = generator.generate()
        let server = try Server()
        defer { server.close() }
        _ = try server.call("importCustomers", ["side": "local", "content": .string(data.localCSV)])
        _ = try server.call("importCustomers", ["side": "remote", "content": .string(data.remoteCSV)])
        // Every customer's number, to compare with the truth.
        var numberById: [String: String] = [:]
        var cursor: JSONValue = .null
        repeat {
            var params: [String: JSONValue] = ["limit": 1000]
            if cursor != .null { params["cursor"] = cursor }
            let page = try server.call("listUnsynced", .object(params))
            if case .array(let items)? = page["items"] {
                for c in items { numberById[c["id"]!.stringValue!] = c["number"]!.stringValue! }
            }
            cursor = page["nextCursor"] ?? .null
        } while cursor != .null
        var found: Set<String> = []
        cursor = .null
        repeat {
            var params: [String: JSONValue] = ["limit": 1000]
            if cursor != .null { params["cursor"] = cursor }
            let page = try server.call("listSuggestions", .object(params))
            if case .array(let items)? = page["items"] {
                for s in items { found.insert(numberById[s["localId"]!.stringValue!]! + "|" + numberById[s["remoteId"]!.stringValue!]!) }
            }
            cursor = page["nextCursor"] ?? .null
        } while cursor != .null
        let truth = Set(data.truth.map { "\($0.local)|\($0.remote)" })
        let correct = found.intersection(truth).count
        let precision = Double(correct) / Double(max(1, found.count))
        let recall = Double(correct) / Double(truth.count)
        #expect(precision >= 0.99, "precision \(precision)")
        #expect(recall >= 0.97, "recall \(recall)")
        // Accepting links exactly those pairs.
        let accepted = try server.call("acceptSuggestions", ["minScore": .number("0.7")])
        #expect(accepted["linked"]?.intValue == found.count)
        #expect(try server.call("listSuggestions", [:])["total"] == 0)
    }
}
