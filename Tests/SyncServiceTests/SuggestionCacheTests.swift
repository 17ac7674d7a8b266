import Foundation
import JSONRPC
import SyncService
import SyncStore
import TestSupport
import Testing

/// The matching index is cached between calls: it must follow every change that matters.
@Suite("Suggestions follow changes")
struct SuggestionCacheTests {
    let rpc: InProcess<ServiceContext>

    init() throws {
        rpc = InProcess(Registry.connection(database: try AppDatabase.inMemory()))
    }

    func pairs() throws -> [String] {
        guard case .array(let items)? = try rpc.call("listSuggestions", "{}")["result"]?["items"] else { return [] }
        return items.map { "\($0["localId"]!.stringValue!)-\($0["remoteId"]!.stringValue!)" }
    }

    @Test func fieldChangesLinksAndExclusionsAreSeen() throws {
        _ = try rpc.call("importCustomers", #"{"side":"local","content":"Kundenr.;Navn;Adresse;Postnr.;CVR\n1;Bageriet Ørsted ApS;Østergade 12;8000;25043235\n2;Café Møllen;Møllevej 2;6000;25169883\n"}"#)
        _ = try rpc.call("importCustomers", #"{"content":"Kundenr.;Navn;Adresse;Postnr.;CVR\n7;Bageriet Oersted;Østergade 12;8000;25043235\n8;Cafe Moellen;Møllevej 2;6000;25169883\n"}"#)
        #expect(try pairs() == ["c1-c3", "c2-c4"])
        // The remote register changes: customer 8 is now somebody else.
        _ = try rpc.call("importCustomers", #"{"content":"Kundenr.;Navn;Adresse;Postnr.;CVR\n7;Bageriet Oersted;Østergade 12;8000;25043235\n8;Vinduespudseren;Havnegade 8;5000;25270843\n"}"#)
        #expect(try pairs() == ["c1-c3"])
        // A new customer appears and pairs.
        _ = try rpc.call("importCustomers", #"{"content":"Kundenr.;Navn;Adresse;Postnr.;CVR\n9;Cafe Moellen;Møllevej 2;6000;25169883\n"}"#)
        #expect(try pairs() == ["c1-c3", "c2-c5"])
        // Linked and excluded customers are no longer offered.
        _ = try rpc.call("selectPartner", #"{"localId":"c1","remoteId":"c3"}"#)
        #expect(try pairs() == ["c2-c5"])
        _ = try rpc.call("disableSync", #"{"customerId":"c5"}"#)
        #expect(try pairs() == [])
        _ = try rpc.call("enableSync", #"{"customerId":"c5"}"#)
        _ = try rpc.call("unlink", #"{"linkId":"L1"}"#)
        #expect(try pairs() == ["c1-c3", "c2-c5"])
        // A resolved conflict changes fields: the index follows.
        _ = try rpc.call("selectPartner", #"{"localId":"c2","remoteId":"c5"}"#)
        _ = try rpc.call("resolveConflict", #"{"linkId":"L2","values":{"name":"Restaurant Havblik"}}"#)
        _ = try rpc.call("unlink", #"{"linkId":"L2"}"#)
        let candidates = try rpc.call("suggestPartners", #"{"customerId":"c2"}"#)["result"]?["candidates"]
        #expect(candidates?[0]?["customer"]?["name"] == "Restaurant Havblik")
    }

    /// Another process's write (another connection to the file) is seen too: every write of
    /// the facade counts in the database's 'writes' generation, which the pairing keys on.
    @Test func anotherProcesssLinkIsSeen() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pairing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("db.sqlite").path
        let rpc = InProcess(Registry.connection(database: try AppDatabase.open(path: path)))
        _ = try rpc.call("importCustomers", #"{"side":"local","content":"Kundenr.;Navn;Adresse;Postnr.\n1;Bageriet Ørsted ApS;Østergade 12;8000\n2;Café Møllen;Møllevej 2;6000\n"}"#)
        _ = try rpc.call("importCustomers", #"{"content":"Kundenr.;Navn;Adresse;Postnr.\n7;Bageriet Oersted;Østergade 12;8000\n8;Cafe Moellen;Møllevej 2;6000\n"}"#)
        guard case .array(let before)? = try rpc.call("listSuggestions", "{}")["result"]?["items"] else { Issue.record("no suggestions"); return }
        #expect(before.count == 2)
        let other = try AppDatabase.open(path: path)
        _ = try other.selectPartner(localId: 1, remoteId: 3)
        guard case .array(let after)? = try rpc.call("listSuggestions", "{}")["result"]?["items"] else { Issue.record("no suggestions"); return }
        #expect(after.map { $0["localId"]?.stringValue } == ["c2"])
    }
}

extension JSONValue {
    subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }
}
