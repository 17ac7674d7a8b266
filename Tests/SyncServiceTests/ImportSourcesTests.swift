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
