import Foundation
import JSONRPC

/// A golden transcript (`protocol/golden/*.transcript`; the format is in that folder's README).
public struct GoldenTranscript: Sendable {
    public struct Exchange: Sendable {
        /// The line number of the `-->` line.
        public var line: Int
        /// The text sent, byte for byte.
        public var send: String
        /// The expected replies, as raw text (`?` when not yet recorded).
        public var expect: [String]
        /// Line numbers of the `<--` lines.
        public var expectLines: [Int]
    }

    public var url: URL
    public var name: String { url.deletingPathExtension().lastPathComponent }
    public var arguments: [String] = []
    public var framings: [Framing] = Framing.allCases
    public var exchanges: [Exchange] = []
    /// `#! fake-economic: [customers]`: the customers a fake e-conomic
    /// (`Tests/Fixtures/fake_economic.py`, tokens `test-app-secret`/`test-grant`) is seeded
    /// with; `$ECONOMIC` in a sent message is its base URL.
    public var fakeEconomicSeed: String?
    /// `#! fake-dinero: [contacts]`: the same with `Tests/Fixtures/fake_dinero.py` (client
    /// `isv_test`/`test-client-secret`, API key `test-api-key`, organisation 4711) and
    /// `$DINERO`.
    public var fakeDineroSeed: String?

    public init(url: URL) throws {
        self.url = url
        let text = try String(contentsOf: url, encoding: .utf8)
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(rawLine)
            let number = index + 1
            if line.hasPrefix("#! args:") {
                arguments += line.dropFirst("#! args:".count).split(separator: " ").map(String.init)
            } else if line.hasPrefix("#! fake-dinero:") {
                fakeDineroSeed = String(line.dropFirst("#! fake-dinero:".count)).trimmingCharacters(in: .whitespaces)
            } else if line.hasPrefix("#! fake-economic:") {
                fakeEconomicSeed = String(line.dropFirst("#! fake-economic:".count)).trimmingCharacters(in: .whitespaces)
            } else if line.hasPrefix("#! framing:") {
                let name = line.dropFirst("#! framing:".count).trimmingCharacters(in: .whitespaces)
                guard let framing = Framing(rawValue: name) else { throw Failure("\(url.lastPathComponent):\(number): unknown framing \(name)") }
                framings = [framing]
            } else if line.hasPrefix("#") || line.trimmingCharacters(in: .whitespaces).isEmpty {
                continue
            } else if line.hasPrefix("--> ") {
                exchanges.append(Exchange(line: number, send: String(line.dropFirst(4)), expect: [], expectLines: []))
            } else if line.hasPrefix("<-- ") {
                guard !exchanges.isEmpty else { throw Failure("\(url.lastPathComponent):\(number): a reply before any request") }
                exchanges[exchanges.count - 1].expect.append(String(line.dropFirst(4)))
                exchanges[exchanges.count - 1].expectLines.append(number)
            } else {
                throw Failure("\(url.lastPathComponent):\(number): not a transcript line: \(line)")
            }
        }
    }

    /// Every transcript in `protocol/golden/`, sorted by name.
    public static func all() throws -> [GoldenTranscript] {
        let dir = Paths.protocolDirectory.appendingPathComponent("golden")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".transcript") }.sorted()
        return try names.map { try GoldenTranscript(url: dir.appendingPathComponent($0)) }
    }

    /// Writes recorded replies in place of `<-- ?` lines; returns how many were filled.
    public func record(_ replies: [[String]]) throws -> Int {
        var lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var filled = 0
        for (exchange, got) in zip(exchanges, replies) {
            for (i, lineNumber) in exchange.expectLines.enumerated() where exchange.expect[i] == "?" && i < got.count {
                lines[lineNumber - 1] = "<-- " + got[i]
                filled += 1
            }
        }
        if filled > 0 { try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8) }
        return filled
    }
}

public struct Failure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Compares a reply with its expectation as parsed JSON; `"<any>"` in the expectation matches anything.
public enum JSONMatch {
    /// nil when they match, else where they differ.
    public static func difference(expected: JSONValue, actual: JSONValue, path: String = "$") -> String? {
        if expected == .string("<any>") { return nil }
        switch (expected, actual) {
        case (.object(let e), .object(let a)):
            for key in Set(e.keys).union(a.keys).sorted() {
                guard let ev = e[key] else { return "\(path).\(key): unexpected member \(a[key]!.jsonText)" }
                guard let av = a[key] else { return "\(path).\(key): missing, expected \(ev.jsonText)" }
                if let d = difference(expected: ev, actual: av, path: "\(path).\(key)") { return d }
            }
            return nil
        case (.array(let e), .array(let a)):
            guard e.count == a.count else { return "\(path): \(a.count) elements, expected \(e.count)" }
            for (i, (ev, av)) in zip(e, a).enumerated() {
                if let d = difference(expected: ev, actual: av, path: "\(path)[\(i)]") { return d }
            }
            return nil
        case (.number(let e), .number(let a)):
            // Numbers compare by value except where the spelling is the point (ids are echoed
            // byte for byte, which the raw reply text shows).
            if e == a || (Double(e) != nil && Double(e) == Double(a) && e.contains(".") == a.contains(".")) { return nil }
            return "\(path): \(a), expected \(e)"
        default:
            return expected == actual ? nil : "\(path): \(actual.jsonText), expected \(expected.jsonText)"
        }
    }
}
