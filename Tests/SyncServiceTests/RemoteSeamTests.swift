import Foundation
import JSONRPC
import SyncCore
import SyncService
import SyncStore
import TestSupport
import Testing

/// The service's pull and push through the connector seam alone: an in-memory system
/// (`MemorySystem`), registered as any system is, no HTTP and no e-conomic. What must hold
/// for every system holds here: nothing held is dropped, a change made there meanwhile is a
/// conflict, deletions go with a full pull, a credential is never echoed.
@Suite("The connector seam, in process")
struct RemoteSeamTests {
    let register = MemoryRegister()
    let rpc: InProcess<ServiceContext>

    init() throws {
        let key = FileManager.default.temporaryDirectory.appendingPathComponent("seam-\(UUID().uuidString)-key").path
        rpc = InProcess(Registry.connection(database: try AppDatabase.inMemory(), keyFile: key, systems: [MemorySystem(register: register)]))
    }

    func connect() throws {
        let status = try rpc.result("connect", ["system": "memory", "baseUrl": "https://memory.example", "secret": "s3cret-token", "pageSize": 2])
        #expect(status["system"] == "memory")
        #expect(!status.jsonText.contains("s3cret-token"))
    }

    @Test func connectReadsTheSystemsOwnParamsAndRefusesAnothers() throws {
        let unknown = try rpc.call("connect", ["system": "memory", "secret": "x", "pageSize": 2, "appSecretToken": "t"])
        #expect(unknown["error"]?["data"]?["path"] == "appSecretToken")
        let wrongType = try rpc.call("connect", ["system": "memory", "secret": "x", "pageSize": "two"])
        #expect(wrongType["error"]?["data"]?["path"] == "pageSize")
        let checked = try rpc.call("connect", ["system": "memory", "secret": "", "pageSize": 2])
        #expect(checked["error"]?["data"]?["path"] == "secret")
        let plain = try rpc.call("connect", ["system": "memory", "baseUrl": "http://example.com", "secret": "x", "pageSize": 2])
        #expect(plain["error"]?["data"]?["path"] == "baseUrl", "plain http only to this machine")
        let other = try rpc.call("connect", ["system": "e-conomic", "secret": "x"])
        #expect(other["error"]?["data"]?["path"] == "system")
        #expect(try rpc.result("connectionStatus")["connected"] == false)
    }

    @Test func pullPushConflictAndDeletionThroughTheSeam() throws {
        register.put("1", CustomerFields(name: "Første ApS", city: "Odense"))
        register.put("2", CustomerFields(name: .some(String(repeating: "L", count: 120)), country: "Narnia"))
        register.put("3", CustomerFields(name: "Tredje ApS"))
        try connect()
        let pulled = try rpc.result("pullRemote")
        #expect(pulled["added"] == 3)
        #expect(pulled["pages"] == 2)
        #expect(pulled["warnings"]?[0]?["number"] == "2")
        #expect(try rpc.result("getCustomer", ["id": "c2"])["warnings"]?[1]?["field"] == "country")

        // A local customer goes out under its number; its partner was made here.
        _ = try rpc.result("importCustomers", ["side": "local", "content": "Kundenr.;Navn;By\n1;Første ApS;Odense\n9;Ny ApS;Vejle\n"])
        let link = try rpc.result("selectPartner", ["localId": "c4", "remoteId": "c1"])
        #expect(link["state"] == "synced")
        _ = try rpc.result("createPartner", ["customerId": "c5"])
        #expect(try rpc.result("pushRemote")["created"] == 1)
        #expect(register.get("9")?.city == "Vejle")

        // Both sides change the city: the push leaves the system's, and the link is in conflict.
        _ = try rpc.result("updateCustomer", ["id": "c4", "fields": ["city": "Svendborg"]])
        register.put("1", CustomerFields(name: "Første ApS", city: "Nyborg"))
        let met = try rpc.result("pushRemote")
        #expect(met["conflicts"] == 1)
        #expect(register.get("1")?.city == "Nyborg")
        #expect(try rpc.result("connectionStatus")["queued"] == 0)
        #expect(try rpc.result("getLink", ["linkId": try #require(link["id"])])["state"] == "conflict")

        // The system lets customer 3 go: a full pull deletes it, and no one else.
        register.remove("3")
        let full = try rpc.result("pullRemote", ["full": true])
        #expect(full["deleted"] == 1)
        #expect(try rpc.call("getCustomer", ["id": "c3"])["error"]?["data"]?["kind"] == "NotFound")
        #expect(try rpc.result("status")["remote"]?["total"] == 3)
    }

    @Test func oneRoundBringsBothSidesInStep() throws {
        register.put("1", CustomerFields(name: "Første ApS", city: "Odense"))
        register.put("2", CustomerFields(name: "Anden ApS", city: "Vejle"))
        try connect()
        _ = try rpc.result("pullRemote")
        _ = try rpc.result("importCustomers", ["side": "local", "content": "Kundenr.;Navn;By\n1;Første ApS;Odense\n2;Anden ApS;Vejle\n"])
        #expect(try rpc.result("selectPartner", ["localId": "c3", "remoteId": "c1"])["state"] == "synced")
        #expect(try rpc.result("selectPartner", ["localId": "c4", "remoteId": "c2"])["state"] == "synced")
        // An edit on each side, then one round: each reaches the other.
        _ = try rpc.result("updateCustomer", ["id": "c3", "fields": ["city": "Nyborg"]])
        register.put("2", CustomerFields(name: "Anden ApS", city: "Kolding"))
        let round = try rpc.result("syncRemote", ["progressToken": "r"])
        #expect(round["pull"]?["updated"] == 1)
        #expect(round["push"]?["updated"] == 1)
        #expect(register.get("1")?.city == "Nyborg")
        #expect(try rpc.result("getCustomer", ["id": "c4"])["city"] == "Kolding")
        #expect(try rpc.result("connectionStatus")["queued"] == 0)
        // Nothing changed: a quiet round.
        let quiet = try rpc.result("syncRemote")
        #expect(quiet["pull"]?["updated"] == 0 && quiet["push"]?["updated"] == 0 && quiet["push"]?["created"] == 0)
    }

    @Test func aValueLongerThanTheSystemHoldsIsNotSentButReported() throws {
        try connect()
        _ = try rpc.result("importCustomers", ["side": "local", "content": .string("Kundenr.;Navn\n7;\(String(repeating: "N", count: 60))\n")])
        _ = try rpc.result("createPartner", ["customerId": "c1"])
        let pushed = try rpc.result("pushRemote")
        #expect(pushed["created"] == 0)
        #expect(pushed["failed"]?[0]?["message"]?.stringValue?.contains("memory holds at most 50") == true)
        #expect(register.get("7") == nil)
        #expect(try rpc.result("connectionStatus")["queued"] == 1)
    }
}

/// A register held in memory, as a system would hold it, with a clock for its changes.
final class MemoryRegister: @unchecked Sendable {
    // Unchecked: every member is read and written under `lock`.
    private let lock = NSLock()
    private var customers: [String: (fields: CustomerFields, changed: Int)] = [:]
    private var clock = 0

    func put(_ number: String, _ fields: CustomerFields) {
        lock.withLock {
            clock += 1
            customers[number] = (fields, clock)
        }
    }

    func get(_ number: String) -> CustomerFields? { lock.withLock { customers[number]?.fields } }
    func remove(_ number: String) { _ = lock.withLock { customers.removeValue(forKey: number) } }

    /// Customers changed at or after `since`, by number, and the newest change now.
    func changed(since: Int?) -> ([(String, CustomerFields, Int)], Int) {
        lock.withLock {
            let list = customers.filter { $0.value.changed >= (since ?? 0) }.map { ($0.key, $0.value.fields, $0.value.changed) }
            return (list.sorted { Int($0.0)! < Int($1.0)! }, clock)
        }
    }
}

struct MemorySystem: RemoteSystem {
    let register: MemoryRegister
    let name = "memory"
    var defaultBaseURL: URL { URL(string: "https://memory.example")! }
    var parameterNames: [String] { ["secret", "pageSize"] }

    struct ConnectParams: Decodable {
        var secret: String
        var pageSize: Int
    }

    func configure(_ params: ConnectParams) throws -> RemoteConfiguration {
        guard !params.secret.isEmpty else { throw ParamsError(path: "secret", "secret must not be empty") }
        return RemoteConfiguration(credentials: ["secret": params.secret], settings: try JSONEncoder().encode(["pageSize": params.pageSize]))
    }

    func connector(baseURL: URL, credentials: [String: String], settings: Data, timeout: Double) throws -> any RemoteConnector {
        let pageSize = try JSONDecoder().decode([String: Double].self, from: settings)["pageSize"].map(Int.init) ?? 100
        return MemoryConnector(register: register, baseURL: baseURL.absoluteString, pageSize: pageSize)
    }
}

struct MemoryConnector: RemoteConnector {
    let register: MemoryRegister
    let baseURL: String
    let pageSize: Int
    var system: String { "memory" }
    var fieldLimits: [SyncField: Int] { [.name: 50] }

    func verify() throws(ConnectorError) {}

    func pull(since mark: String?, onPage: (RemotePage) throws -> Void) throws -> RemotePull {
        let (changed, newest) = register.changed(since: mark.flatMap(Int.init))
        var index = 0
        for start in stride(from: 0, to: max(changed.count, 1), by: pageSize) {
            let page = changed[start..<min(start + pageSize, changed.count)]
            try onPage(RemotePage(customers: page.map { RemoteCustomer(number: $0.0, fields: $0.1, lastUpdated: String($0.2)) }, index: index, total: changed.count))
            index += 1
        }
        return RemotePull(mark: String(newest))
    }

    func fetch(key number: String) throws(ConnectorError) -> RemoteCustomer? {
        register.get(number).map { RemoteCustomer(number: number, fields: $0) }
    }

    func create(number: String, fields: CustomerFields) throws(ConnectorError) -> RemoteCustomer {
        register.put(number, fields)
        return RemoteCustomer(number: number, fields: fields)
    }

    func update(key number: String, changes: [SyncField: String?], expected: CustomerFields?) throws(ConnectorError) -> RemoteUpdate {
        guard var fields = register.get(number) else { throw ConnectorError(.notFound, "customer \(number) is gone") }
        var skipped: Set<SyncField> = []
        for (field, value) in changes {
            if let expected, Normalize.comparable(field, fields[field]) != Normalize.comparable(field, expected[field]) {
                skipped.insert(field)
            } else {
                fields[field] = value
            }
        }
        register.put(number, fields)
        return RemoteUpdate(customer: RemoteCustomer(number: number, fields: fields), skipped: skipped)
    }
}
