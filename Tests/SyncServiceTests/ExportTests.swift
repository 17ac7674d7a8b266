import Foundation
import JSONRPC
import SyncService
import SyncStore
import TestSupport
import Testing

/// Export: the CleanManager format the import reads; an exported file re-imported changes
/// nothing; formulas are guarded; pending changes go out and stop being pending.
@Suite("Export")
struct ExportTests {
    let connection: Connection<ServiceContext>
    let dir: URL

    init() throws {
        connection = Registry.connection(database: try AppDatabase.inMemory())
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func call(_ method: String, _ params: JSONValue) throws -> JSONValue {
        let request: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": .string(method), "params": params]
        return try JSONValue.parse(try #require(connection.handle(Array(request.jsonText.utf8))))
    }

    func result(_ method: String, _ params: JSONValue) throws -> JSONValue {
        let reply = try call(method, params)
        if let error = reply["error"] { throw Failure("\(method): \(error.jsonText)") }
        return try #require(reply["result"])
    }

    @Test(arguments: ["csv", "xlsx"])
    func anExportReimportedChangesNothing(_ format: String) throws {
        let examples = Paths.protocolDirectory.appendingPathComponent("examples")
        _ = try result("importCustomers", ["path": .string(examples.appendingPathComponent("remote-customers.csv").path)])
        _ = try result("importCustomers", ["side": "local", "path": .string(examples.appendingPathComponent("local-customers.csv").path)])
        // Values a spreadsheet would run, and ones that begin with an apostrophe.
        _ = try result("updateCustomer", ["id": "c13", "fields": ["contact": "=HYPERLINK(\"x\")", "address": "'Quoted' Street 1"]])
        _ = try result("createAllPartners", ["side": "local", "numbering": ["mode": "sequence", "start": 7000]])
        let path = dir.appendingPathComponent("remote.\(format)").path
        let exported = try result("exportCustomers", ["path": .string(path)])
        #expect(exported["written"] == 23)
        let again = try result("importCustomers", ["path": .string(path)])
        #expect(again == ["added": 0, "updated": 0, "unchanged": 23, "deleted": 0, "rejected": []])
        #expect(try result("getCustomer", ["id": "c13"])["contact"] == "=HYPERLINK(\"x\")")
        #expect(try result("getCustomer", ["id": "c13"])["address"] == "'Quoted' Street 1")
        #expect(try result("importCustomers", ["path": .string(path), "mode": "replace"])["deleted"] == 0)
    }

    @Test func theFileGuardsFormulas() throws {
        _ = try result("importCustomers", ["content": "Kundenr.;Navn;Telefon;Att.\n1;=cmd|' /C calc'!A0;+45 20 00 00 02;@SUM(1)\n"])
        let path = dir.appendingPathComponent("guarded.csv").path
        _ = try result("exportCustomers", ["path": .string(path)])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]), "UTF-8 with a byte order mark, for Excel")
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(text.hasPrefix("Customer no.;Customer name;"))
        #expect(text.contains(";'=cmd|' /C calc'!A0;"))
        #expect(text.contains(";'+45 20 00 00 02;"))
        #expect(text.contains(";'@SUM(1)"))
    }

    @Test func onlyPendingWritesWhatTheRemoteMustReceive() throws {
        _ = try result("importCustomers", ["side": "local", "content": "Kundenr.;Navn\n1;A\n2;B\n3;C\n"])
        _ = try result("importCustomers", ["content": "Kundenr.;Navn\n1;A\n2;B\n"])
        _ = try result("selectPartner", ["localId": "c1", "remoteId": "c4"])
        _ = try result("selectPartner", ["localId": "c2", "remoteId": "c5"])
        _ = try result("createPartner", ["customerId": "c3"])
        _ = try result("updateCustomer", ["id": "c1", "fields": ["city": "Vejle"]])
        let path = dir.appendingPathComponent("pending.csv").path
        #expect(try result("exportCustomers", ["path": .string(path), "onlyPending": true])["written"] == 2)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\r\n")
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("1;A;"))
        #expect(lines[2].hasPrefix("3;C;"))
        #expect(try result("exportCustomers", ["path": .string(path), "onlyPending": true])["written"] == 0)
    }

    @Test func badPathsAreRefusedAndChangeNothing() throws {
        _ = try result("importCustomers", ["content": "Kundenr.;Navn\n1;A\n"])
        #expect(try call("exportCustomers", ["path": "/no/such/folder/x.csv"])["error"]?["data"]?["kind"] == "NotFound")
        #expect(try call("exportCustomers", ["path": .string(dir.path)])["error"]?["data"]?["path"] == "path")
        #expect(try call("exportCustomers", ["path": "x.csv", "format": "pdf"])["error"]?["data"]?["path"] == "format")
        #expect(try call("exportCustomers", [:])["error"]?["data"]?["path"] == "path")
    }
}
