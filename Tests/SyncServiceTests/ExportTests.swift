import Foundation
import JSONRPC
@testable import SyncImport
import SyncService
import SyncStore
import TestSupport
import Testing

/// Export: the CleanManager format the import reads; an exported file re-imported changes
/// nothing; formulas are guarded; pending changes go out and stop being pending.
@Suite("Export")
struct ExportTests {
    let rpc: InProcess<ServiceContext>
    let dir: URL

    init() throws {
        rpc = InProcess(Registry.connection(database: try AppDatabase.inMemory()))
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    @Test(arguments: ["csv", "xlsx"])
    func anExportReimportedChangesNothing(_ format: String) throws {
        let examples = Paths.protocolDirectory.appendingPathComponent("examples")
        _ = try rpc.result("importCustomers", ["path": .string(examples.appendingPathComponent("remote-customers.csv").path)])
        _ = try rpc.result("importCustomers", ["side": "local", "path": .string(examples.appendingPathComponent("local-customers.csv").path)])
        // Values a spreadsheet would run, and ones that begin with an apostrophe.
        _ = try rpc.result("updateCustomer", ["id": "c13", "fields": ["contact": "=HYPERLINK(\"x\")", "address": "'Quoted' Street 1"]])
        _ = try rpc.result("createAllPartners", ["side": "local", "numbering": ["mode": "sequence", "start": 7000]])
        let path = dir.appendingPathComponent("remote.\(format)").path
        let exported = try rpc.result("exportCustomers", ["path": .string(path)])
        #expect(exported["written"] == 23)
        let again = try rpc.result("importCustomers", ["path": .string(path)])
        #expect(again == ["added": 0, "updated": 0, "unchanged": 23, "deleted": 0, "rejected": []])
        #expect(try rpc.result("getCustomer", ["id": "c13"])["contact"] == "=HYPERLINK(\"x\")")
        #expect(try rpc.result("getCustomer", ["id": "c13"])["address"] == "'Quoted' Street 1")
        #expect(try rpc.result("importCustomers", ["path": .string(path), "mode": "replace"])["deleted"] == 0)
    }

    @Test func theFileGuardsFormulas() throws {
        _ = try rpc.result("importCustomers", ["content": "Kundenr.;Navn;Telefon;Att.\n1;=cmd|' /C calc'!A0;+45 20 00 00 02;@SUM(1)\n"])
        let path = dir.appendingPathComponent("guarded.csv").path
        _ = try rpc.result("exportCustomers", ["path": .string(path)])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]), "UTF-8 with a byte order mark, for Excel")
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(text.hasPrefix("Customer no.;Customer name;"))
        #expect(text.contains(";'=cmd|' /C calc'!A0;"))
        #expect(text.contains(";+45 20 00 00 02;"), "a plain number with a sign is not a formula: no apostrophe")
        #expect(text.contains(";'@SUM(1)"))
    }

    /// A file's own column named like a formula is guarded in the header too, and comes back
    /// under its own name.
    @Test func aHeaderNamedLikeAFormulaIsGuardedAndRoundTrips() throws {
        _ = try rpc.result("importCustomers", ["content": "Kundenr.;Navn;=HYPERLINK(\"http://x\")\n1;A;v\n"])
        let path = dir.appendingPathComponent("header.csv").path
        _ = try rpc.result("exportCustomers", ["path": .string(path)])
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)).dropFirst(3), as: UTF8.self)
        let header = text.split(separator: "\r\n").first.map(String.init) ?? ""
        #expect(header.hasSuffix(";\"'=HYPERLINK(\"\"http://x\"\")\""), "\(header)")
        #expect(try rpc.result("importCustomers", ["path": .string(path)])["unchanged"] == 1)
        #expect(try rpc.result("getCustomer", ["id": "c1"])["extra"] == ["=HYPERLINK(\"http://x\")": "v"])
        // The same in XLSX: the header cell guarded, the column back under its own name.
        let xlsx = dir.appendingPathComponent("header.xlsx").path
        _ = try rpc.result("exportCustomers", ["path": .string(xlsx)])
        let read = try RegisterFile.read(Array(try Data(contentsOf: URL(fileURLWithPath: xlsx))), format: .xlsx, side: .remote)
        #expect(read.header.last == "=HYPERLINK(\"http://x\")")
        let zip = try ZIPReader(Data(contentsOf: URL(fileURLWithPath: xlsx)))
        var sheetBytes = Data()
        try zip.extract(try #require(zip["xl/worksheets/sheet1.xml"])) { sheetBytes += $0 }
        let sheet = String(decoding: sheetBytes, as: UTF8.self)
        #expect(sheet.contains("'=HYPERLINK("), "the header cell is written guarded")
        #expect(try rpc.result("importCustomers", ["path": .string(xlsx)])["unchanged"] == 1)
        #expect(try rpc.result("getCustomer", ["id": "c1"])["extra"] == ["=HYPERLINK(\"http://x\")": "v"])
    }

    @Test func onlyPendingWritesWhatTheRemoteMustReceive() throws {
        _ = try rpc.result("importCustomers", ["side": "local", "content": "Kundenr.;Navn\n1;A\n2;B\n3;C\n"])
        _ = try rpc.result("importCustomers", ["content": "Kundenr.;Navn\n1;A\n2;B\n"])
        _ = try rpc.result("selectPartner", ["localId": "c1", "remoteId": "c4"])
        _ = try rpc.result("selectPartner", ["localId": "c2", "remoteId": "c5"])
        _ = try rpc.result("createPartner", ["customerId": "c3"])
        _ = try rpc.result("updateCustomer", ["id": "c1", "fields": ["city": "Vejle"]])
        let path = dir.appendingPathComponent("pending.csv").path
        #expect(try rpc.result("exportCustomers", ["path": .string(path), "onlyPending": true])["written"] == 2)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\r\n")
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("1;A;"))
        #expect(lines[2].hasPrefix("3;C;"))
        #expect(try rpc.result("exportCustomers", ["path": .string(path), "onlyPending": true])["written"] == 0)
    }

    @Test func badPathsAreRefusedAndChangeNothing() throws {
        _ = try rpc.result("importCustomers", ["content": "Kundenr.;Navn\n1;A\n"])
        #expect(try rpc.call("exportCustomers", ["path": "/no/such/folder/x.csv"])["error"]?["data"]?["kind"] == "NotFound")
        #expect(try rpc.call("exportCustomers", ["path": .string(dir.path)])["error"]?["data"]?["path"] == "path")
        // A FIFO (as a device: tested on a FIFO only, so that a regression cannot replace a
        // real device of the machine running the tests) is never replaced by a file.
        let fifo = dir.appendingPathComponent("pipe.csv").path
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(try rpc.call("exportCustomers", ["path": .string(fifo)])["error"]?["data"]?["path"] == "path")
        var info = stat()
        #expect(stat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO, "the FIFO is still a FIFO")
        #expect(try rpc.call("exportCustomers", ["path": "x.csv", "format": "pdf"])["error"]?["data"]?["path"] == "format")
        #expect(try rpc.call("exportCustomers", [:])["error"]?["data"]?["path"] == "path")
    }

    /// A write the system refuses is `WriteFailed` (code 1011) with the path and the reason,
    /// leaves the target as it was, and marks nothing as exported: the pending rows stay
    /// pending and go out with the next export that succeeds.
    /// A link planted at the temporary file's name is removed, never written through.
    @Test func aLinkAtTheTemporaryNameIsNotFollowed() throws {
        _ = try rpc.result("importCustomers", ["side": "local", "content": "Kundenr.;Navn\n1;A\n"])
        let victim = dir.appendingPathComponent("victim.txt").path
        try Data("untouched".utf8).write(to: URL(fileURLWithPath: victim))
        let path = dir.appendingPathComponent("planted.csv").path
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent(".planted.csv.\(getpid()).tmp").path, withDestinationPath: victim)
        _ = try rpc.result("exportCustomers", ["side": "local", "path": .string(path)])
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "untouched")
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("A"))
    }

    @Test func aRefusedWriteIsWriteFailedAndMarksNothing() throws {
        _ = try rpc.result("importCustomers", ["side": "local", "content": "Kundenr.;Navn\n1;A\n"])
        _ = try rpc.result("createPartner", ["customerId": "c1"])
        let path = dir.appendingPathComponent("out.csv").path
        try Data("the file as it was".utf8).write(to: URL(fileURLWithPath: path))
        // A directory where the file is written before it is renamed over the target.
        let inTheWay = dir.appendingPathComponent(".out.csv.\(getpid()).tmp")
        try FileManager.default.createDirectory(at: inTheWay, withIntermediateDirectories: false)
        let error = try #require(try rpc.call("exportCustomers", ["path": .string(path), "onlyPending": true])["error"])
        #expect(error["code"] == 1011)
        #expect(error["data"]?["kind"] == "WriteFailed")
        #expect(error["data"]?["path"] == .string(path))
        // The temporary file is always created new (O_EXCL, no link followed): a directory
        // that cannot be removed from its name makes that EEXIST.
        #expect(error["data"]?["errno"] == "EEXIST")
        #expect(error["data"]?["reason"]?.stringValue?.isEmpty == false)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "the file as it was")
        try FileManager.default.removeItem(at: inTheWay)
        #expect(try rpc.result("exportCustomers", ["path": .string(path), "onlyPending": true])["written"] == 1)
        #expect(FileManager.default.fileExists(atPath: inTheWay.path) == false)
    }

    /// XLSX text cells never run as formulas: written as they are. In CSV only what a
    /// spreadsheet would evaluate is guarded. Either way the round trip is exact.
    @Test(arguments: ["csv", "xlsx"])
    func onlyWhatWouldRunIsGuarded(_ format: String) throws {
        let values = ["+45 20 00 00 02", "-20", "=1+1", "-2+3+cmd|' /C calc'!A0", "+1+1", "@SUM(1)", "'quoted", "'=x"]
        let rows = values.enumerated().map { "\($0.offset + 1);\(String(describing: $0.element).replacingOccurrences(of: ";", with: ","))" }
        _ = try rpc.result("importCustomers", ["content": .string("Kundenr.;Navn\n" + rows.joined(separator: "\n") + "\n")])
        // As stored after the CSV import (its reader took the guard off '=x; 'quoted keeps its apostrophe).
        let stored = try (1...values.count).map { try rpc.result("getCustomer", ["id": .string("c\($0)")])["name"]?.stringValue ?? "" }
        let path = dir.appendingPathComponent("guards.\(format)").path
        _ = try rpc.result("exportCustomers", ["path": .string(path)])
        if format == "csv" {
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)).dropFirst(3), as: UTF8.self)
            #expect(text.contains(";+45 20 00 00 02;"))
            #expect(text.contains("\r\n2;-20;"))
            #expect(!text.contains(";=1+1"))
            #expect(text.contains(";'-2+3+cmd"))
            #expect(text.contains(";'+1+1"))
            #expect(text.contains(";'@SUM(1)"))
        } else {
            let cells = try XLSXReader.rows(of: Data(contentsOf: URL(fileURLWithPath: path))).flatMap(\.cells)
            #expect(cells.contains("+45 20 00 00 02"))
            #expect(cells.contains("@SUM(1)"))
            #expect(!cells.contains { $0.hasPrefix("'@") })
        }
        let again = try rpc.result("importCustomers", ["path": .string(path)])
        #expect(again["unchanged"] == .int(values.count))
        let read = try (1...values.count).map { try rpc.result("getCustomer", ["id": .string("c\($0)")])["name"]?.stringValue ?? "" }
        #expect(read == stored)
    }
}
