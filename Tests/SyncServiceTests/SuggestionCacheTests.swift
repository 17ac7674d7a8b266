import JSONRPC
import SyncService
import SyncStore
import Testing

/// The matching index is cached between calls: it must follow every change that matters.
@Suite("Suggestions follow changes")
struct SuggestionCacheTests {
    let connection: Connection<ServiceContext>

    init() throws {
        connection = Registry.connection(database: try AppDatabase.inMemory())
    }

    func call(_ method: String, _ params: String) throws -> JSONValue {
        let text = #"{"jsonrpc":"2.0","id":1,"method":"\#(method)","params":\#(params)}"#
        return try JSONValue.parse(try #require(connection.handle(Array(text.utf8))))
    }

    func pairs() throws -> [String] {
        guard case .array(let items)? = try call("listSuggestions", "{}")["result"]?["items"] else { return [] }
        return items.map { "\($0["localId"]!.stringValue!)-\($0["remoteId"]!.stringValue!)" }
    }

    @Test func fieldChangesLinksAndExclusionsAreSeen() throws {
        _ = try call("importCustomers", #"{"side":"local","content":"Kundenr.;Navn;Adresse;Postnr.;CVR\n1;Bageriet Ørsted ApS;Østergade 12;8000;25043235\n2;Café Møllen;Møllevej 2;6000;25169883\n"}"#)
        _ = try call("importCustomers", #"{"content":"Kundenr.;Navn;Adresse;Postnr.;CVR\n7;Bageriet Oersted;Østergade 12;8000;25043235\n8;Cafe Moellen;Møllevej 2;6000;25169883\n"}"#)
        #expect(try pairs() == ["c1-c3", "c2-c4"])
        // The remote register changes: customer 8 is now somebody else.
        _ = try call("importCustomers", #"{"content":"Kundenr.;Navn;Adresse;Postnr.;CVR\n7;Bageriet Oersted;Østergade 12;8000;25043235\n8;Vinduespudseren;Havnegade 8;5000;25270843\n"}"#)
        #expect(try pairs() == ["c1-c3"])
        // A new customer appears and pairs.
        _ = try call("importCustomers", #"{"content":"Kundenr.;Navn;Adresse;Postnr.;CVR\n9;Cafe Moellen;Møllevej 2;6000;25169883\n"}"#)
        #expect(try pairs() == ["c1-c3", "c2-c5"])
        // Linked and excluded customers are no longer offered.
        _ = try call("selectPartner", #"{"localId":"c1","remoteId":"c3"}"#)
        #expect(try pairs() == ["c2-c5"])
        _ = try call("disableSync", #"{"customerId":"c5"}"#)
        #expect(try pairs() == [])
        _ = try call("enableSync", #"{"customerId":"c5"}"#)
        _ = try call("unlink", #"{"linkId":"L1"}"#)
        #expect(try pairs() == ["c1-c3", "c2-c5"])
        // A resolved conflict changes fields: the index follows.
        _ = try call("selectPartner", #"{"localId":"c2","remoteId":"c5"}"#)
        _ = try call("resolveConflict", #"{"linkId":"L2","values":{"name":"Restaurant Havblik"}}"#)
        _ = try call("unlink", #"{"linkId":"L2"}"#)
        let candidates = try call("suggestPartners", #"{"customerId":"c2"}"#)["result"]?["candidates"]
        #expect(candidates?[0]?["customer"]?["name"] == "Restaurant Havblik")
    }
}

extension JSONValue {
    subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }
}
