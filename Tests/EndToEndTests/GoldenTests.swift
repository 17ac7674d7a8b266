import Foundation
import JSONRPC
import JSONRPCClient
import SyncFixtures
import TestSupport
import Testing

/// Replays every transcript in `protocol/golden/` against the real binary, in each framing.
@Suite("Golden transcripts")
struct GoldenTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var transcript: GoldenTranscript
        var framing: Framing
        var testDescription: String { "\(transcript.name) [\(framing.rawValue)]" }
    }

    static var cases: [Case] {
        let transcripts = (try? GoldenTranscript.all()) ?? []
        return transcripts.flatMap { t in t.framings.map { Case(transcript: t, framing: $0) } }
    }

    static let recording = ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1"

    @Test func transcriptsExist() throws {
        #expect(try GoldenTranscript.all().count >= 12)
    }

    @Test(arguments: cases)
    func replay(_ c: Case) throws {
        let t = c.transcript
        // A transcript that talks to an accounting system gets a fake one, seeded, and a key file.
        var arguments = t.arguments
        var fakes: [(placeholder: String, url: String, stop: () -> Void)] = []
        func seed(_ text: String) throws -> [JSONValue] {
            guard case .array(let items) = try JSONValue.parse(Array(text.utf8)) else {
                throw Failure("\(t.url.lastPathComponent): a fake's seed is a JSON array")
            }
            return items
        }
        if let text = t.fakeEconomicSeed {
            let started = try FakeEconomic()
            try started.seed(try seed(text))
            fakes.append(("$ECONOMIC", started.baseURL, started.stop))
        }
        if let text = t.fakeDineroSeed {
            let started = try FakeDinero()
            try started.seed(try seed(text))
            fakes.append(("$DINERO", started.baseURL, started.stop))
        }
        if !fakes.isEmpty {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("golden-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            arguments += ["--key-file", dir.appendingPathComponent("key").path]
        }
        defer { for fake in fakes { fake.stop() } }
        let server = try ChildProcess(
            executable: Paths.serverBinary,
            arguments: ["--db", ":memory:", "--framing", c.framing.rawValue] + arguments,
            framing: c.framing
        )
        var recorded: [[String]] = []
        var pendingRecord = false
        for exchange in t.exchanges {
            let text = fakes.reduce(exchange.send) { $0.replacingOccurrences(of: $1.placeholder, with: $1.url) }
            server.send(Array(text.utf8))
            var got: [String] = []
            for (i, expected) in exchange.expect.enumerated() {
                let where_ = "\(t.url.lastPathComponent):\(exchange.expectLines[i])"
                guard let reply = server.receive(timeout: .seconds(20)) else {
                    Issue.record("\(where_): no reply within 20 s")
                    server.closeInput()
                    server.waitForExit()
                    return
                }
                let text = String(decoding: reply, as: UTF8.self)
                got.append(text)
                if expected == "?" {
                    pendingRecord = true
                    continue
                }
                let actual = try JSONValue.parse(reply)
                let wanted = try JSONValue.parse(Array(expected.utf8))
                if let difference = JSONMatch.difference(expected: wanted, actual: actual) {
                    Issue.record("\(where_): \(difference)\n  got: \(text)")
                }
            }
            recorded.append(got)
        }
        server.closeInput()
        let rest = server.remainingOutput()
        #expect(rest.isEmpty, "\(t.name): unexpected output after the last reply: \(String(decoding: rest, as: UTF8.self))")
        #expect(server.waitForExit() == 0, "\(t.name): exit status")
        if pendingRecord {
            if Self.recording && c.framing == t.framings.first {
                let filled = try t.record(recorded)
                Issue.record("\(t.name): recorded \(filled) replies; review the diff and rerun")
            } else if !Self.recording {
                Issue.record("\(t.name): has unrecorded replies ('<-- ?'); run with RECORD_GOLDEN=1")
            }
        }
    }
}
