import Foundation
import GRDB
import JSONRPC
import SyncCore
import SyncImport
import SyncService
import SyncStore
import TestSupport
import Testing

/// What a careless or hostile caller sends, method by method: each call gets the right
/// JSON-RPC error and leaves the customer and link tables exactly as they were.
@Suite("Bad input changes nothing")
struct BadInputTests {
    let database: AppDatabase
    let rpc: InProcess<ServiceContext>

    init() throws {
        database = try AppDatabase.inMemory()
        rpc = InProcess(Registry.connection(database: database))
        // c1..c3 local (1, 2, K3), c4..c5 remote (1, 2); L1 conflict (c2-c5), c3 excluded.
        try rpc.call("importCustomers", #"{"side":"local","content":"Kundenr.;Navn;Telefon\n1;A;11\n2;B;22\nK3;C;33\n"}"#)
        try rpc.call("importCustomers", #"{"content":"Kundenr.;Navn;Telefon\n1;A;11\n2;B2;22\n"}"#)
        try rpc.call("selectPartner", #"{"localId":"c2","remoteId":"c5"}"#)
        try rpc.call("disableSync", #"{"customerId":"c3"}"#)
    }

    func snapshot() throws -> String {
        try database.reader.read { db in
            (try Row.fetchAll(db, sql: "SELECT * FROM customer ORDER BY id") + (try Row.fetchAll(db, sql: "SELECT * FROM link ORDER BY id"))
                + (try Row.fetchAll(db, sql: "SELECT * FROM tally ORDER BY side, excluded")))
                .map(\.description).joined(separator: "\n")
        }
    }

    static let cases: [(String, String, Int, String?)] = [
        // method, params, expected code, expected data.kind or data.path
        ("importCustomers", #"{"content":"Kundenr.;Navn\n;no number\n"}"#, 1006, "ImportRejected"),
        ("importCustomers", #"{"content":"Kundenr.;Navn\n1;A\n1;dup\n"}"#, 1006, "ImportRejected"),
        ("importCustomers", #"{"content":"Kundenr.;Navn\n1;changed\nx y;bad\n"}"#, 1006, "ImportRejected"),
        ("importCustomers", #"{"content":"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\nKundenr.;Navn\n1;late header\n"}"#, 1006, "ImportRejected"),
        ("importCustomers", #"{"content":"Kundeliste\nUdskrevet 29-11-2026\n"}"#, 1006, "ImportRejected"),
        ("importCustomers", #"{"content":"sep=,\nKundenr.;Navn\n1;changed\n"}"#, 1006, "ImportRejected"),
        ("importCustomers", #"{"path":"/no/such/file.csv"}"#, 1001, "NotFound"),
        ("importCustomers", #"{"path":"/proc"}"#, 1006, "ImportRejected"),
        ("importCustomers", #"{"content":"x","contentBase64":"eA=="}"#, -32602, "content"),
        ("importCustomers", #"{"contentBase64":"%%%"}"#, -32602, "contentBase64"),
        ("importCustomers", #"{"content":5}"#, -32602, "content"),
        ("importCustomers", #"{"content":"x","skipInvalid":"yes"}"#, -32602, "skipInvalid"),
        ("createPartner", #"{"customerId":"c1"}"#, 1004, "NumberTaken"),
        ("createPartner", #"{"customerId":"c1","number":"abc"}"#, 1005, "InvalidNumber"),
        ("createPartner", #"{"customerId":"c1","number":"1000000000"}"#, 1005, "InvalidNumber"),
        ("createPartner", #"{"customerId":"c2","number":"9"}"#, 1002, "AlreadyLinked"),
        ("createPartner", #"{"customerId":"c3","number":"9"}"#, 1003, "Excluded"),
        ("createPartner", #"{"customerId":"c9","number":"9"}"#, 1001, "NotFound"),
        ("createPartner", #"{"customerId":"c1","number":"9","fields":{"ean":"123"}}"#, -32602, "fields.ean"),
        ("createPartner", #"{"customerId":"c1","number":"9","fields":{"country":"Atlantis"}}"#, -32602, "fields.country"),
        ("createPartner", #"{"customerId":"c1","number":"9","fields":["name"]}"#, -32602, "fields"),
        ("createPartner", #"{"customerId":null}"#, -32602, "customerId"),
        ("createAllPartners", #"{"side":"local","numbering":{"mode":"keep"},"customerIds":["c1","c4"]}"#, 1009, "WrongSide"),
        ("createAllPartners", #"{"side":"local","numbering":{"mode":"keep"},"customerIds":["c1","c404"]}"#, 1001, "NotFound"),
        ("createAllPartners", #"{"side":"local","numbering":{"mode":"sequence","start":-5}}"#, -32602, "numbering.start"),
        ("createAllPartners", #"{"side":"local","numbering":{"mode":"sequence","start":1.5}}"#, -32602, "numbering.start"),
        ("createAllPartners", #"{"side":"local","numbering":"keep"}"#, -32602, "numbering"),
        ("createAllPartners", #"{"side":"local","numbering":{"mode":"keep"},"customerIds":"c1"}"#, -32602, "customerIds"),
        ("createAllPartners", #"{"side":"local","numbering":{"mode":"keep"},"customerIds":["c1",7]}"#, -32602, "customerIds[1]"),
        ("selectPartner", #"{"localId":"c1","remoteId":"c2"}"#, 1009, "WrongSide"),
        ("selectPartner", #"{"localId":"c1","remoteId":"c5"}"#, 1002, "AlreadyLinked"),
        ("selectPartner", #"{"localId":"c3","remoteId":"c4"}"#, 1003, "Excluded"),
        ("selectPartner", #"{"localId":"c1","remoteId":"c40"}"#, 1001, "NotFound"),
        ("selectPartner", #"{"localId":"c1","remoteId":"c4","extra":1}"#, -32602, "extra"),
        ("resolveConflict", #"{"linkId":"L1","choices":{}}"#, -32602, "choices"),
        ("resolveConflict", #"{"linkId":"L1","choices":{"name":"mine"}}"#, -32602, "choices.name"),
        ("resolveConflict", #"{"linkId":"L1","choices":{"name":"local"},"expectedVersion":2}"#, 1007, "StaleVersion"),
        ("resolveConflict", #"{"linkId":"L1","values":{"name":null}}"#, -32602, "values.name"),
        ("resolveConflict", #"{"linkId":"L1","values":{"name":"x","zip":"12345678901"}}"#, -32602, "values.zip"),
        ("resolveConflict", #"{"linkId":"L2","choices":{"name":"local"}}"#, 1001, "NotFound"),
        ("unlink", #"{"linkId":"L7"}"#, 1001, "NotFound"),
        ("unlink", #"{"linkId":["L1"]}"#, -32602, "linkId"),
        ("disableSync", #"{"customerId":"c2"}"#, 1002, "AlreadyLinked"),
        ("enableSync", #"{"customerId":"c5"}"#, 1002, "AlreadyLinked"),
        ("disableSync", #"{}"#, -32602, "customerId"),
        ("listUnsynced", #"{"limit":-1}"#, -32602, "limit"),
        ("listLinks", #"{"cursor":"YWZ0ZXI6LTE="}"#, -32602, "cursor"),
        ("getCustomer", #"{"id":"c1","side":"local"}"#, -32602, "side"),
        // A member twice, a snake_case param with its camelCase twin, numbers no integer
        // holds, a progress token that is neither integer nor string.
        ("listUnsynced", #"{"limit":1,"limit":2}"#, -32602, "limit"),
        ("disableSync", #"{"customer_id":"c1","customerId":"c1"}"#, -32602, "customer_id"),
        ("listUnsynced", #"{"limit":1.5}"#, -32602, "limit"),
        ("listUnsynced", #"{"limit":1e308}"#, -32602, "limit"),
        ("createAllPartners", #"{"side":"local","numbering":{"mode":"keep"},"progressToken":{"a":1}}"#, -32602, "progressToken"),
        // A control character in a value, whole or in a file's row.
        ("updateCustomer", #"{"id":"c1","fields":{"name":"AB\u0000CD"}}"#, -32602, "fields.name"),
        ("createPartner", #"{"customerId":"c1","number":"9","fields":{"city":"\u0007Vejle"}}"#, -32602, "fields.city"),
        ("importCustomers", #"{"content":"Kundenr.;Navn\n1;A\u0001B\n"}"#, 1006, "ImportRejected"),
        // A NUL in a path, in a CSV; a control character in a column that is no field.
        ("importCustomers", #"{"path":"register.csv\u0000.xlsx"}"#, -32602, "path"),
        ("exportCustomers", #"{"path":"out.csv\u0000.xlsx"}"#, -32602, "path"),
        ("importCustomers", #"{"content":"Kundenr.;Navn\n1;A\u0000B\n"}"#, 1006, "ImportRejected"),
        // Automatic sync: bad settings by their path, and none without a connection.
        ("setAutoSync", #"{"everySeconds":60}"#, 1012, "NotConnected"),
        ("setAutoSync", #"{}"#, -32602, "everySeconds"),
        ("setAutoSync", #"{"everySeconds":4}"#, -32602, "everySeconds"),
        ("setAutoSync", #"{"everySeconds":true}"#, -32602, "everySeconds"),
        ("setAutoSync", #"{"everySeconds":60,"fullEverySeconds":59}"#, -32602, "fullEverySeconds"),
        ("setAutoSync", #"{"everySeconds":null,"fullEverySeconds":60}"#, -32602, "fullEverySeconds"),
        ("syncRemote", #"{"full":"yes"}"#, -32602, "full"),
        ("syncRemote", #"{}"#, 1012, "NotConnected"),
        ("importCustomers", #"{"content":"Kundenr.;Navn;Note\n1;A;\u0001=1+1\n"}"#, 1006, "ImportRejected"),
        // A 1.3 KB workbook whose cell reference overflowed an Int (issue 14), as a replace.
        ("importCustomers", #"{"mode":"replace","contentBase64":"UEsDBBQAAAAAACAJgl19j8M5TQAAAE0AAAATAAAAW0NvbnRlbnRfVHlwZXNdLnhtbDxUeXBlcyB4bWxucz0iaHR0cDovL3NjaGVtYXMub3BlbnhtbGZvcm1hdHMub3JnL3BhY2thZ2UvMjAwNi9jb250ZW50LXR5cGVzIi8+UEsDBBQAAAAAACAJgl2Invqm3wAAAN8AAAAPAAAAeGwvd29ya2Jvb2sueG1sPHdvcmtib29rIHhtbG5zPSJodHRwOi8vc2NoZW1hcy5vcGVueG1sZm9ybWF0cy5vcmcvc3ByZWFkc2hlZXRtbC8yMDA2L21haW4iIHhtbG5zOnI9Imh0dHA6Ly9zY2hlbWFzLm9wZW54bWxmb3JtYXRzLm9yZy9vZmZpY2VEb2N1bWVudC8yMDA2L3JlbGF0aW9uc2hpcHMiPjxzaGVldHM+PHNoZWV0IG5hbWU9IkEiIHNoZWV0SWQ9IjEiIHI6aWQ9InJJZDEiLz48L3NoZWV0cz48L3dvcmtib29rPlBLAwQUAAAAAAAgCYJdtlSqz/EAAADxAAAAGgAAAHhsL19yZWxzL3dvcmtib29rLnhtbC5yZWxzPFJlbGF0aW9uc2hpcHMgeG1sbnM9Imh0dHA6Ly9zY2hlbWFzLm9wZW54bWxmb3JtYXRzLm9yZy9wYWNrYWdlLzIwMDYvcmVsYXRpb25zaGlwcyI+PFJlbGF0aW9uc2hpcCBJZD0icklkMSIgVHlwZT0iaHR0cDovL3NjaGVtYXMub3BlbnhtbGZvcm1hdHMub3JnL29mZmljZURvY3VtZW50LzIwMDYvcmVsYXRpb25zaGlwcy93b3Jrc2hlZXQiIFRhcmdldD0id29ya3NoZWV0cy9zaGVldDEueG1sIi8+PC9SZWxhdGlvbnNoaXBzPlBLAwQUAAAAAAAgCYJdS/jt7hkBAAAZAQAAGAAAAHhsL3dvcmtzaGVldHMvc2hlZXQxLnhtbDx3b3Jrc2hlZXQgeG1sbnM9Imh0dHA6Ly9zY2hlbWFzLm9wZW54bWxmb3JtYXRzLm9yZy9zcHJlYWRzaGVldG1sLzIwMDYvbWFpbiI+PHNoZWV0RGF0YT48cm93IHI9IjEiPjxjIHI9IkExIiB0PSJpbmxpbmVTdHIiPjxpcz48dD5LdW5kZW5yLjwvdD48L2lzPjwvYz48YyByPSJCMSIgdD0iaW5saW5lU3RyIj48aXM+PHQ+TmF2bjwvdD48L2lzPjwvYz48L3Jvdz48cm93IHI9IjIiPjxjIHI9IlpaWlpaWlpaWlpaWlpaMiI+PHY+MTwvdj48L2M+PC9yb3c+PC9zaGVldERhdGE+PC93b3Jrc2hlZXQ+UEsBAhQDFAAAAAAAIAmCXX2PwzlNAAAATQAAABMAAAAAAAAAAAAAAIABAAAAAFtDb250ZW50X1R5cGVzXS54bWxQSwECFAMUAAAAAAAgCYJdiJ76pt8AAADfAAAADwAAAAAAAAAAAAAAgAF+AAAAeGwvd29ya2Jvb2sueG1sUEsBAhQDFAAAAAAAIAmCXbZUqs/xAAAA8QAAABoAAAAAAAAAAAAAAIABigEAAHhsL19yZWxzL3dvcmtib29rLnhtbC5yZWxzUEsBAhQDFAAAAAAAIAmCXUv47e4ZAQAAGQEAABgAAAAAAAAAAAAAAIABswIAAHhsL3dvcmtzaGVldHMvc2hlZXQxLnhtbFBLBQYAAAAABAAEAAwBAAACBAAAAAA="}"#, 1006, "ImportRejected"),
    ]

    @Test(arguments: 0..<BadInputTests.cases.count)
    func refusedAndNothingChanged(_ index: Int) throws {
        let (method, params, code, mark) = Self.cases[index]
        let before = try snapshot()
        let reply = try rpc.call(method, params)
        let error = try #require(reply["error"], "\(method) \(params) should fail, got \(reply.jsonText)")
        #expect(error["code"]?.intValue == code, "\(method) \(params): \(error.jsonText)")
        if let mark {
            let data = error["data"]
            #expect(data?["kind"]?.stringValue == mark || data?["path"]?.stringValue == mark, "\(method) \(params): \(error.jsonText)")
        }
        #expect(try snapshot() == before, "\(method) \(params) changed the database")
        #expect(try rpc.call("ping", "{}")["result"] != nil, "no answer after \(method) \(params)")
    }

    /// Every file of `Tests/Fixtures/hostile/` (what fuzzing and issue 14 found: archives that
    /// point past their end, names that are not UTF-8, …) as a replace import: refused as a
    /// damaged file, nothing changed, the service answering.
    @Test(arguments: try! FileManager.default.contentsOfDirectory(atPath: Paths.packageRoot.appendingPathComponent("Tests/Fixtures/hostile").path).sorted())
    func hostileFilesAreRefusedAndChangeNothing(_ name: String) throws {
        let bytes = try Data(contentsOf: Paths.packageRoot.appendingPathComponent("Tests/Fixtures/hostile/\(name)"))
        let before = try snapshot()
        let reply = try rpc.call("importCustomers", #"{"mode":"replace","allowMassDelete":true,"contentBase64":"\#(bytes.base64EncodedString())"}"#)
        #expect(reply["error"]?["data"]?["kind"]?.stringValue == "ImportRejected", "\(name): \(reply.jsonText.prefix(300))")
        #expect(try snapshot() == before)
        #expect(try rpc.call("ping", "{}")["result"] != nil)
    }

    /// Each import limit, on a service with small ones: refused naming its flag, nothing changed.
    @Test(arguments: [
        (#"{"content":"Kundenr.;Navn\n1;A\n2;B\n3;C\n"}"#, "--max-rows"),
        (#"{"content":"Kundenr.;Navn\n1;Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"}"#, "--max-cell-bytes"),
        (#"{"content":"Kundenr.;Navn;a;b;c;d;e\n1;A\n"}"#, "--max-columns"),
        (#"{"content":"Kundenr.;Navn\n1;A\n\#(String(repeating: " ", count: 300))\n"}"#, "--max-file-bytes"),
    ])
    func importLimitsAreNamedAndChangeNothing(_ params: String, _ flag: String) throws {
        let limited = InProcess(Registry.connection(database: database, limits: ImportLimits(fileBytes: 300, rows: 2, columns: 4, cellBytes: 40)))
        let before = try snapshot()
        let reply = try limited.call("importCustomers", params)
        #expect(reply["error"]?["data"]?["kind"]?.stringValue == "ImportRejected")
        #expect(reply.jsonText.contains(flag), "\(reply.jsonText)")
        #expect(try snapshot() == before)
    }

    @Test func resolveConflictNamesEveryMissingField() throws {
        let error = try rpc.call("resolveConflict", #"{"linkId":"L1"}"#)["error"]
        #expect(error?["data"]?["missing"] == ["name"])
    }
}
