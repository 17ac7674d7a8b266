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
    @Test(arguments: [(UInt64(1), 1.0), (UInt64(2), 2.0)])
    func precisionAndRecallAtTheDefaultThreshold(seed: UInt64, hardness: Double) throws {
        var generator = RegisterGenerator(seed: seed, customers: 1500, overlap: 0.6, hardness: hardness)
        let data = generator.generate()
        let server = try Spawned()
        defer { server.close() }
        _ = try server.result("importCustomers", ["side": "local", "content": .string(data.localCSV)])
        _ = try server.result("importCustomers", ["side": "remote", "content": .string(data.remoteCSV)])
        // Every customer's number, to compare with the truth.
        var numberById: [String: String] = [:]
        var cursor: JSONValue = .null
        repeat {
            var params: [String: JSONValue] = ["limit": 1000]
            if cursor != .null { params["cursor"] = cursor }
            let page = try server.result("listUnsynced", .object(params))
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
            let page = try server.result("listSuggestions", .object(params))
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
        let accepted = try server.result("acceptSuggestions", ["minScore": .number("0.7")])
        #expect(accepted["linked"]?.intValue == found.count)
        #expect(try server.result("listSuggestions", [:])["total"] == 0)
    }
}
