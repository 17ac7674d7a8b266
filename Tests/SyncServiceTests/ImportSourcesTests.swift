import Foundation
import JSONRPC
import SyncService
import SyncStore
import TestSupport
import Testing

/// A register reaches `importCustomers` as a path, as text or as bytes; all three read alike.
@Suite("Import sources")
struct ImportSourcesTests {
    func importing(_ params: String) throws -> JSONValue {
        try InProcess(Registry.connection(database: try AppDatabase.inMemory())).call("importCustomers", params)
    }

    @Test func pathTextAndBytesAgree() throws {
        let url = Paths.protocolDirectory.appendingPathComponent("examples/local-customers.csv")
        let bytes = try Data(contentsOf: url)
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)  // without the BOM
        let base64 = bytes.base64EncodedString()
        let mime = bytes.base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let expected: JSONValue = ["added": 12, "updated": 0, "unchanged": 0, "deleted": 0, "rejected": []]
        #expect(try importing(#"{"side":"local","path":"\#(url.path)"}"#)["result"] == expected)
        #expect(try importing(#"{"side":"local","content":\#(JSONValue.string(text).jsonText)}"#)["result"] == expected)
        #expect(try importing(#"{"side":"local","contentBase64":"\#(base64)"}"#)["result"] == expected)
        #expect(try importing(#"{"side":"local","contentBase64":\#(JSONValue.string(mime).jsonText)}"#)["result"] == expected)
    }

    @Test func formatComesFromTheBytesWhenNotGiven() throws {
        let xlsx = try Data(contentsOf: Paths.protocolDirectory.appendingPathComponent("examples/remote-customers.xlsx"))
        #expect(try importing(#"{"contentBase64":"\#(xlsx.base64EncodedString())"}"#)["result"]?["added"] == 11)
        // Given as CSV, the same bytes are not a register.
        #expect(try importing(#"{"contentBase64":"\#(xlsx.base64EncodedString())","format":"csv"}"#)["error"]?["data"]?["kind"] == "ImportRejected")
    }
}

/// The data loss the issue opened with: a workbook whose hidden first sheet is a lookup list,
/// imported with mode replace over the real register.
@Suite("Replace never wipes a register by mistake")
struct MassDeleteTests {
    let database: AppDatabase
    let rpc: InProcess<ServiceContext>

    init() throws {
        database = try AppDatabase.inMemory()
        rpc = InProcess(Registry.connection(database: database))
        let rows = (1001...1003).map { "\($0);Kunde \($0)" } + (2001...2010).map { "\($0);Ældre kunde \($0)" }
        try rpc.result("importCustomers", ["content": .string("Kundenr.;Navn\n" + rows.joined(separator: "\n") + "\n")])
    }

    func workbook(_ name: String) throws -> JSONValue {
        .string(try Data(contentsOf: Paths.packageRoot.appendingPathComponent("Tests/Fixtures/real/\(name)")).base64EncodedString())
    }

    @Test func theVisibleSheetIsImportedAndAMassDeleteIsRefusedWithTheCount() throws {
        // The visible sheet holds 1001–1003: a replace would delete the other ten of thirteen.
        let refused = try rpc.call("importCustomers", ["contentBase64": try workbook("hidden-first-sheet.xlsx"), "mode": "replace"])
        #expect(refused["error"]?["code"] == 1016)
        #expect(refused["error"]?["data"]?["kind"] == "MassDelete")
        #expect(refused["error"]?["data"]?["wouldDelete"] == 10)
        #expect(refused["error"]?["data"]?["total"] == 13)
        #expect(try rpc.result("status")["remote"]?["total"] == 13, "nothing changed")
        // Naming the hidden sheet reads it; the visible one with allowMassDelete goes ahead.
        let hidden = try rpc.call("importCustomers", ["contentBase64": try workbook("hidden-first-sheet.xlsx"), "sheet": "Opslag"])
        #expect(hidden["result"]?["added"] == 2)
        let done = try rpc.result("importCustomers", ["contentBase64": try workbook("hidden-first-sheet.xlsx"), "mode": "replace", "allowMassDelete": true])
        #expect(done["deleted"] == 12)
        #expect(done["updated"] == 3)  // the sheet adds postcode and city
        let unknown = try rpc.call("importCustomers", ["contentBase64": try workbook("hidden-first-sheet.xlsx"), "sheet": "Ark1", "mode": "replace"])
        #expect(unknown["error"]?["data"]?["kind"] == "ImportRejected")
        #expect(try rpc.result("status")["remote"]?["total"] == 3, "an unknown sheet changes nothing")
    }

    @Test func aSmallReplaceGoesAheadUnasked() throws {
        let rows = (1001...1003).map { "\($0);Kunde \($0)" } + (2001...2008).map { "\($0);Ældre kunde \($0)" }
        let done = try rpc.result("importCustomers", ["content": .string("Kundenr.;Navn\n" + rows.joined(separator: "\n") + "\n"), "mode": "replace"])
        #expect(done["deleted"] == 2)
    }
}
