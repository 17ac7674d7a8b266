@testable import JSONRPC
import Testing

@Suite("JSON reader")
struct JSONScannerTests {
    @Test(arguments: [
        "null", "true", "false", "0", "-0", "1.5", "-1.25e-3", "1E+2", "\"\"", "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
        "\"\\u00e6\\u00f8\\u00e5\"", "\"\\ud83d\\ude00\"", "[]", "{}", "[1,[2,[3]]]", "{\"a\":{\"b\":[null]}}",
        " \t\r\n{ \"a\" : 1 } \n", "\"æøå €\"",
    ])
    func accepts(_ text: String) throws {
        _ = try JSONValue.parse(Array(text.utf8))
    }

    @Test(arguments: [
        "", "nul", "tru", "01", "1.", ".5", "-", "1e", "+1", "[1,]", "{\"a\":1,}", "{a:1}", "{\"a\" 1}", "[1 2]",
        "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud83d\"", "\"\\ude00\"", "\"a\u{01}b\"", "'a'", "[1]]", "{}{}", "NaN",
        "Infinity", "[", "{\"a\":}",
    ])
    func rejects(_ text: String) {
        #expect(throws: (any Error).self) { try JSONValue.parse(Array(text.utf8)) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: (any Error).self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: (any Error).self) { try JSONValue.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func rejectsHostileNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: (any Error).self) { try JSONValue.parse(Array(deep.utf8)) }
        let ok = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: Never.self) { try JSONValue.parse(Array(ok.utf8)) }
    }

    @Test func keepsNumberLiterals() throws {
        #expect(try JSONValue.parse(Array("[1.0,12345678901234567890,-0]".utf8))
            == .array([.number("1.0"), .number("12345678901234567890"), .number("-0")]))
    }

    @Test func decodesEscapes() throws {
        #expect(try JSONValue.parse(Array("\"k\\u00f8 \\ud83d\\ude00\\n\"".utf8)) == .string("kø 😀\n"))
    }

    @Test func writesWhatItReads() throws {
        let value: JSONValue = ["s": "a\"b\\c\n\u{01}", "n": .number("1.5"), "a": [true, false, nil], "o": [:]]
        #expect(try JSONValue.parse(Array(value.jsonText.utf8)) == value)
    }
}
