import Foundation
import JSONRPC
import SyncService
import SyncStore
import TestSupport
import Testing

/// Every list a window shows can be searched: links by either partner, the excluded, and a
/// phone number as dialled from abroad.
@Suite("Searching every list")
struct ListSearchTests {
    let rpc: InProcess<ServiceContext>

    init() throws {
        rpc = InProcess(Registry.connection(database: try AppDatabase.inMemory()))
        let local = try Data(contentsOf: Paths.protocolDirectory.appendingPathComponent("examples/local-customers.csv")).base64EncodedString()
        let remote = try Data(contentsOf: Paths.protocolDirectory.appendingPathComponent("examples/remote-customers.csv")).base64EncodedString()
        _ = try rpc.result("importCustomers", ["side": "local", "contentBase64": .string(local)])
        _ = try rpc.result("importCustomers", ["side": "remote", "contentBase64": .string(remote)])
    }

    func names(_ page: JSONValue, _ path: (JSONValue) -> JSONValue? = { $0["name"] }) -> [String] {
        guard case .array(let items)? = page["items"] else { return [] }
        return items.compactMap { path($0)?.stringValue }
    }

    @Test func linksByEitherPartnerExcludedByTheirKeysAndPhonesFromAbroad() throws {
        _ = try rpc.result("acceptSuggestions", ["minScore": .number("0.9")])
        let all = try rpc.result("listLinks")
        #expect(all["total"]?.intValue ?? 0 >= 5)
        let bakery = try rpc.result("listLinks", ["query": "ørsted"])
        #expect(bakery["total"] == 1)
        #expect(names(bakery) { $0["local"]?["name"] } == ["Bageriet Ørsted ApS"])
        // The remote partner's e-mail finds the link too.
        #expect(try rpc.result("listLinks", ["query": "bageriet-oersted.dk"])["total"] == 1)
        #expect(try rpc.result("listLinks", ["query": "no such customer"])["total"] == 0)
        // The last page first: descending, and its cursor leads back towards the first.
        let count = try #require(all["total"]?.intValue)
        let last = try rpc.result("listLinks", ["order": "descending", "limit": 2])
        guard case .array(let newest)? = last["items"], case .array(let everyone)? = all["items"] else { Issue.record("no items"); return }
        #expect(newest.map { $0["id"] } == everyone.suffix(2).reversed().map { $0["id"] })
        let before = try rpc.result("listLinks", ["order": "descending", "limit": 2, "cursor": last["nextCursor"]!])
        guard case .array(let earlier)? = before["items"] else { Issue.record("no items"); return }
        #expect(earlier.map { $0["id"] } == everyone.dropLast(2).suffix(2).reversed().map { $0["id"] })
        #expect(last["total"]?.intValue == count)
        #expect(try rpc.call("listLinks", ["order": "newest"])["error"]?["data"]?["path"] == "order")
        // "+45 86 12 34 56" as the local register writes it, searched as dialled from abroad and at home.
        for query in ["+45 86123456", "0045 86 12 34 56", "86 12 34 56"] {
            #expect(try rpc.result("listLinks", ["query": .string(query)])["total"] == 1, "\(query)")
        }
        guard case .array(let unsynced)? = try rpc.result("listUnsynced", ["side": "local"])["items"], let first = unsynced.first else {
            Issue.record("no unsynced customer left")
            return
        }
        _ = try rpc.result("disableSync", ["customerId": first["id"]!])
        let name = try #require(first["name"]?.stringValue)
        #expect(names(try rpc.result("listExcluded", ["query": .string(name)])) == [name])
        #expect(try rpc.result("listExcluded", ["query": "no such customer"])["total"] == 0)
    }
}
