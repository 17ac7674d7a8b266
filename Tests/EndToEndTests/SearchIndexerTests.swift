import Foundation
import JSONRPC
@testable import SyncStore
import TestSupport
import Testing

/// The search indexer of a real server: after a bulk import the reply comes first and the new
/// customers are indexed on the indexer's thread; a server that ends (or is killed) part way
/// leaves the rest to the next one, with the index true throughout.
@Suite("Search indexer")
struct SearchIndexerTests {
    static func register(_ count: Int) -> String {
        "Kundenr.;Navn;By\n" + (1...count).map { "\($0);Kunde \($0) Indeks;By \($0 % 17)" }.joined(separator: "\n") + "\n"
    }

    /// Waits until no customer waits for the index; false after `timeout`.
    static func indexed(_ path: String, within timeout: Duration = .seconds(120)) throws -> Bool {
        let database = try AppDatabase.open(path: path)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try database.searchIndexBacklog() == 0 { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    func numbers(_ page: JSONValue) -> [String] {
        guard case .array(let items)? = page["items"] else { return [] }
        return items.compactMap { $0["number"]?.stringValue }
    }

    func temporaryDatabase() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("indexer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("db.sqlite").path
    }

    @Test func aBulkImportIsIndexedAfterItsReply() throws {
        let db = try temporaryDatabase()
        let server = try Spawned(["--db", db])
        let outcome = try server.result("importCustomers", ["side": "local", "content": .string(Self.register(12_000))])
        #expect(outcome["added"]?.intValue == 12_000)
        #expect(try Self.indexed(db))
        let page = try server.result("listUnsynced", ["side": "local", "query": "kunde 11999 indeks", "limit": 5])
        #expect(numbers(page) == ["11999"])
        #expect(page["total"]?.intValue == 1 && page["totalEstimated"] == nil)
        #expect(server.close() == 0)
        #expect(try AppDatabase.open(path: db).tallyDifferences() == [])
    }

    @Test func aServerKilledWhileIndexingLeavesTheRestToTheNext() throws {
        let db = try temporaryDatabase()
        let first = try Spawned(["--db", db])
        try first.result("importCustomers", ["side": "local", "content": .string(Self.register(40_000))])
        first.kill()
        let database = try AppDatabase.open(path: db)
        #expect(try database.tallyDifferences() == [])
        // The next server starts the indexer at once, before any request.
        let second = try Spawned(["--db", db])
        #expect(try Self.indexed(db))
        #expect(try database.tallyDifferences() == [])
        let page = try second.result("listUnsynced", ["side": "local", "query": "kunde 39999 indeks", "limit": 5])
        #expect(numbers(page) == ["39999"])
        #expect(second.close() == 0)
    }
}
