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
        // A transcript that talks to e-conomic gets a fake one, seeded, and a key file.
        var arguments = t.arguments
        var fake: FakeEconomic?
        if let seed = t.fakeEconomicSeed {
            let started = try FakeEconomic()
            guard case .array(let customers) = try JSONValue.parse(Array(seed.utf8)) else {
                throw Failure("\(t.url.lastPathComponent): #! fake-economic: wants a JSON array of customers")
            }
            try started.seed(customers)
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("golden-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            arguments += ["--key-file", dir.appendingPathComponent("key").path]
            fake = started
        }
        defer { fake?.stop() }
        let server = try ChildProcess(
            executable: Paths.serverBinary,
            arguments: ["--db", ":memory:", "--framing", c.framing.rawValue] + arguments,
            framing: c.framing
        )
        var recorded: [[String]] = []
        var pendingRecord = false
        for exchange in t.exchanges {
            let text = fake.map { exchange.send.replacingOccurrences(of: "$ECONOMIC", with: $0.baseURL) } ?? exchange.send
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
