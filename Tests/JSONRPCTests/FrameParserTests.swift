@testable import JSONRPC
import Testing

@Suite("Framing parser")
struct FrameParserTests {
    /// Feeds `input` in chunks of `chunk` bytes, collecting every frame.
    func frames(_ input: [UInt8], mode: FramingMode = .auto, max: Int = 1 << 20, chunk: Int) -> [Frame] {
        var parser = FrameParser(mode: mode, maxMessageBytes: max)
        var out: [Frame] = []
        var i = 0
        while i < input.count {
            parser.append(input[i..<min(input.count, i + chunk)])
            i += chunk
            while let f = parser.next() { out.append(f) }
        }
        return out
    }

    func message(_ s: String, _ framing: Framing) -> Frame { .message(Array(s.utf8), framing) }

    /// Every chunk size from one byte to the whole input must give the same frames.
    func expectSameForEveryChunking(_ input: String, mode: FramingMode = .auto, max: Int = 1 << 20, _ expected: [Frame]) {
        let bytes = Array(input.utf8)
        for chunk in [1, 2, 3, 5, 7, 16, bytes.count] {
            #expect(frames(bytes, mode: mode, max: max, chunk: chunk) == expected, "chunk size \(chunk)")
        }
    }

    @Test func ndjsonOneByteAtATime() {
        expectSameForEveryChunking(
            "{\"a\":1}\n[1,2]\r\n\n  \n{\"b\":2}\n",
            [message("{\"a\":1}", .ndjson), message("[1,2]", .ndjson), message("{\"b\":2}", .ndjson)]
        )
    }

    @Test func ndjsonWaitsForTheNewline() {
        var parser = FrameParser()
        parser.append(Array("{\"a\":1}".utf8))
        #expect(parser.next() == nil)
        parser.append([0x0A])
        #expect(parser.next() == message("{\"a\":1}", .ndjson))
        #expect(parser.next() == nil)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func contentLengthOneByteAtATime() {
        let body1 = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"
        let body2 = "{\"x\":\"ø\"}"  // multi-byte: the length counts bytes
        let input = "Content-Length: \(body1.utf8.count)\r\n\r\n\(body1)"
            + "content-type: application/vscode-jsonrpc; charset=utf-8\r\nCONTENT-LENGTH:\(body2.utf8.count)\r\n\r\n\(body2)"
        expectSameForEveryChunking(input, [message(body1, .contentLength), message(body2, .contentLength)])
    }

    @Test func contentLengthBodyMayHoldNewlines() {
        let body = "{\n  \"a\": 1\n}"
        expectSameForEveryChunking("Content-Length: \(body.utf8.count)\r\n\r\n\(body)", [message(body, .contentLength)])
    }

    @Test func lenientBareNewlineHeaders() {
        expectSameForEveryChunking("Content-Length: 2\n\n{}", [message("{}", .contentLength)])
    }

    @Test func autoDetectsEachMessage() {
        expectSameForEveryChunking(
            "{\"a\":1}\nContent-Length: 2\r\n\r\n{}[3]\n",
            [message("{\"a\":1}", .ndjson), message("{}", .contentLength), message("[3]", .ndjson)]
        )
    }

    @Test func forcedNdjsonTreatsHeadersAsALine() {
        expectSameForEveryChunking("Content-Length: 2\n", mode: .ndjson, [message("Content-Length: 2", .ndjson)])
    }

    @Test func forcedContentLengthReadsBodiesStartingWithAnything() {
        expectSameForEveryChunking("content-length: 2\r\n\r\n{}", mode: .contentLength, [message("{}", .contentLength)])
    }

    @Test func oversizeLineIsReportedOnceAndSkipped() {
        let big = "{\"pad\":\"" + String(repeating: "x", count: 100) + "\"}"
        expectSameForEveryChunking(
            big + "\n{\"a\":1}\n", max: 50,
            [.tooLarge(size: big.utf8.count, limit: 50, .ndjson), message("{\"a\":1}", .ndjson)]
        )
    }

    @Test func oversizeLineIsNotBuffered() {
        var parser = FrameParser(maxMessageBytes: 100)
        for _ in 0..<1000 {
            parser.append(Array(repeating: UInt8(ascii: "x"), count: 1000))
            #expect(parser.next() == nil)
            #expect(parser.bufferedByteCount <= 1100)
        }
        parser.append(Array("\n{}\n".utf8))
        #expect(parser.next() == .tooLarge(size: 1_000_000, limit: 100, .ndjson))
        #expect(parser.next() == message("{}", .ndjson))
    }

    @Test func oversizeBodyIsReportedAtItsHeaderAndSkipped() {
        let body = String(repeating: "y", count: 300)
        expectSameForEveryChunking(
            "Content-Length: 300\r\n\r\n\(body)Content-Length: 2\r\n\r\n{}", max: 100,
            [.tooLarge(size: 300, limit: 100, .contentLength), message("{}", .contentLength)]
        )
    }

    @Test func messageExactlyAtTheLimitIsAccepted() {
        expectSameForEveryChunking("{\"a\":12}\n", max: 8, [message("{\"a\":12}", .ndjson)])
        expectSameForEveryChunking("Content-Length: 8\r\n\r\n{\"a\":12}", max: 8, [message("{\"a\":12}", .contentLength)])
    }

    @Test func missingContentLengthResyncsAtTheNextHeader() {
        expectSameForEveryChunking(
            "Content-Type: x\r\n\r\n{}Content-Length: 2\r\n\r\n[]",
            [.invalidHeader("missing Content-Length header"), message("[]", .contentLength)]
        )
    }

    @Test func badContentLengthValues() {
        for value in ["abc", "-1", "", "1 2", "99999999999999999999999"] {
            let frames = frames(Array("Content-Length: \(value)\r\n\r\n".utf8), chunk: 1)
            #expect(frames == [.invalidHeader("invalid Content-Length value '\(value.trimmingCharacters())'")], "value \(value)")
        }
    }

    @Test func headerLineWithoutColon() {
        let out = frames(Array("Content-Length: 2\r\nbogus\r\n\r\n{}".utf8), chunk: 1)
        #expect(out == [.invalidHeader("header line without ':'")])
    }

    @Test func endlessHeaderIsCutOff() {
        var parser = FrameParser()
        parser.append(Array("Content-Length: 2\r\nX-Long: ".utf8))
        parser.append(Array(repeating: UInt8(ascii: "z"), count: 9000))
        #expect(parser.next() == .invalidHeader("header block longer than 8192 bytes"))
        parser.append(Array("\r\n\r\nContent-Length: 2\r\n\r\n{}".utf8))
        #expect(parser.next() == message("{}", .contentLength))
    }

    @Test func framingRoundTrip() {
        for framing in Framing.allCases {
            let body = Array("{\"k\":\"v\"}".utf8)
            let out = frames(framing.frame(body) + framing.frame(body), mode: .auto, chunk: 1)
            #expect(out == [.message(body, framing), .message(body, framing)])
        }
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
