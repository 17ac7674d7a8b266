import Foundation
import JSONRPC
import SyncFixtures
import TestSupport
import Testing

/// One workflow, word for word, against both accounting systems: what the service promises
/// does not depend on which system is connected (each through its fake, written from its docs).
@Suite("The same workflow against e-conomic and Dinero", .serialized)
struct BothSystemsTests {
    /// What the workflow needs of a system's fake, in its own terms.
    struct System: CustomTestStringConvertible, Sendable {
        var name: String
        var testDescription: String { name }

        func start() throws -> Fake {
            name == "e-conomic" ? Fake(economic: try FakeEconomic()) : Fake(dinero: try FakeDinero())
        }
    }

    /// A started fake: seed, read, edit and delete customers by the number they show.
    final class Fake {
        let economic: FakeEconomic?
        let dinero: FakeDinero?
        init(economic: FakeEconomic) { self.economic = economic; dinero = nil }
        init(dinero: FakeDinero) { self.dinero = dinero; economic = nil }
        deinit { economic?.stop(); dinero?.stop() }

        var connectParams: JSONValue { economic?.connectParams() ?? dinero!.connectParams() }

        func seed(_ customers: [(number: Int, name: String, city: String)]) throws {
            if let economic {
                try economic.seed(customers.map { FakeEconomic.customer($0.number, $0.name, extra: ["city": .string($0.city), "country": "Danmark"]) })
            } else {
                try dinero!.seed(customers.map { FakeDinero.contact(UUID().uuidString, $0.name, reference: String($0.number), extra: ["City": .string($0.city)]) })
            }
        }

        func city(_ number: Int) throws -> String? {
            if let economic { return try economic.customers()[String(number)]?["city"]?.stringValue }
            return try dinero!.byReference()[String(number)]?["City"]?.stringValue
        }

        func setCity(_ number: Int, _ city: String) throws {
            if let economic { return try economic.touch(number, ["city": .string(city)]) }
            let guid = try #require(try dinero!.byReference()[String(number)]?["ContactGuid"]?.stringValue)
            try dinero!.touch(guid, ["City": .string(city)])
        }

        func delete(_ number: Int) throws {
            if let economic { _ = try economic.control("DELETE", "/customers/\(number)"); return }
            let guid = try #require(try dinero!.byReference()[String(number)]?["ContactGuid"]?.stringValue)
            _ = try dinero!.control("POST", "/__fake/delete", ["guid": .string(guid)])
        }
    }

    @Test(arguments: [System(name: "e-conomic"), System(name: "dinero")])
    func theWorkflow(_ system: System) throws {
        let fake = try system.start()
        try fake.seed([(101, "Jensens Auto ApS", "Odense C"), (103, "Gammel Kunde A/S", "Vejle")])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("both-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let s = try Spawned(["--db", dir.appendingPathComponent("r.sqlite").path, "--key-file", dir.appendingPathComponent("key").path])
        defer { s.close() }
        _ = try s.result("importCustomers", ["side": "local", "content": "Kundenr.;Navn;By;Land\n1;Jensens Auto ApS;Odense C;DK\n2;Bageriet Ørsted;Aarhus C;DK\n"])
        #expect(try s.result("connect", fake.connectParams)["connected"] == true)
        #expect(try s.result("pullRemote")["added"] == 2)
        let remote = try #require(try s.result("listUnsynced", ["side": "remote", "query": "101"])["items"]?[0]?["id"])
        let link = try s.result("selectPartner", ["localId": "c1", "remoteId": remote])
        #expect(link["state"] == "synced")
        // A partner created toward the system, under a number we give.
        _ = try s.result("createPartner", ["customerId": "c2", "number": "5001"])
        #expect(try s.result("pushRemote")["created"] == 1)
        #expect(try fake.city(5001) == "Aarhus C")
        // A local edit goes out; an edit there comes in.
        _ = try s.result("updateCustomer", ["id": "c1", "fields": ["city": "Odense M"]])
        #expect(try s.result("pushRemote")["updated"] == 1)
        #expect(try fake.city(101) == "Odense M")
        try fake.setCity(5001, "Aarhus N")
        _ = try s.result("pullRemote")
        #expect(try s.result("getCustomer", ["id": "c2"])["city"] == "Aarhus N")
        // Both sides: a conflict at once, e-conomic's or Dinero's value kept until resolved.
        _ = try s.result("updateCustomer", ["id": "c1", "fields": ["city": "Svendborg"]])
        try fake.setCity(101, "Nyborg")
        #expect(try s.result("pushRemote")["conflicts"] == 1)
        #expect(try fake.city(101) == "Nyborg")
        #expect(try s.result("connectionStatus")["queued"] == 0)
        _ = try s.result("resolveConflict", ["linkId": try #require(link["id"]), "choices": ["city": "local"]])
        _ = try s.result("pushRemote")
        #expect(try fake.city(101) == "Svendborg")
        // Deleted there: gone here after a full pull, and no one else.
        try fake.delete(103)
        #expect(try s.result("pullRemote", ["full": true])["deleted"] == 1)
        #expect(try s.result("status")["remote"]?["total"] == 2)
        #expect(try s.result("connectionStatus")["lastError"] == .null)
    }
}
