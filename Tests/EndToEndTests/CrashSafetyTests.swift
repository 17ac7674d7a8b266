import Foundation
import GRDB
import JSONRPC
import JSONRPCClient
import SyncFixtures
@testable import SyncStore
import Testing
import TestSupport

/// The crash-safety harness: the real binary on a database file, a long operation, SIGKILL at a
/// random moment, and then the file checked: SQLite's integrity and foreign-key checks, the
/// per-side counts recounted, and the whole database equal to what it was before the operation
/// or to what the operation, run to its end, makes of it: never anything between. A burst of
/// `resolveConflict` must stop after a prefix of the requests, each applied whole.
///
/// `CRASH_TRIALS` sets the number of trials (default 12: two per operation, for CI; the full
/// run is `CRASH_TRIALS=200 swift test --filter CrashSafety`). `CRASH_SEED` repeats a run.
@Suite("Crash safety", .serialized)
struct CrashSafetyTests {
    static let customers = 3_000

    enum Operation: String, CaseIterable {
        case importMerge, importReplace, createAll, reconcile, export, resolveBurst
    }

    /// The registers and the prepared databases the trials start from.
    final class Stage {
        let dir: URL
        let remoteChanged: String
        let remoteFewer: String
        let localChanged: String
        /// Before any link (both registers imported), and after create-all (all synced).
        let imported: String
        let linked: String
        /// With `conflicts` links in conflict on the name.
        let conflicted: String
        /// Its links in conflict, each with a choice (the remote value) for every field that differs.
        let conflictLinks: [String]
        let conflictChoices: [JSONValue]

        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            var generator = RegisterGenerator(seed: 7, customers: CrashSafetyTests.customers)
            let registers = generator.generate()
            var other = RegisterGenerator(seed: 8, customers: CrashSafetyTests.customers)
            let second = other.generate()
            // The remote register with every tenth name changed and the other seed's customers
            // added; with a third of it gone (a replace deletes them); the local one changed.
            remoteChanged = Stage.changeNames(registers.remoteCSV, every: 10, tag: "R") + "\n" + Stage.renumbered(Stage.body(second.remoteCSV))
            remoteFewer = Stage.keep(registers.remoteCSV, share: 3)
            localChanged = Stage.changeNames(registers.localCSV, every: 7, tag: "L")
            imported = dir.appendingPathComponent("imported.sqlite").path
            try Stage.serve(imported, [
                ["method": "importCustomers", "params": ["side": "local", "content": .string(registers.localCSV)]],
                ["method": "importCustomers", "params": ["side": "remote", "content": .string(registers.remoteCSV)]],
            ])
            linked = dir.appendingPathComponent("linked.sqlite").path
            try Stage.copy(imported, to: linked)
            try Stage.serve(linked, [["method": "createAllPartners", "params": ["side": "local", "numbering": ["mode": "keep"]]]])
            // Conflicts: the true pairs linked by accepting the suggestions; their fields are
            // spelt otherwise on each side.
            conflicted = dir.appendingPathComponent("conflicted.sqlite").path
            try Stage.copy(imported, to: conflicted)
            try Stage.serve(conflicted, [["method": "acceptSuggestions", "params": ["minScore": .number("0.9")]]])
            let page = try Stage.serve(conflicted, [["method": "listLinks", "params": ["state": "conflict", "limit": 1000]]])
            guard case .array(let items)? = page[0]["result"]?["items"] else { throw CocoaError(.fileReadCorruptFile) }
            conflictLinks = items.compactMap { $0["id"]?.stringValue }
            conflictChoices = items.map { item in
                guard case .array(let fields)? = item["conflicts"] else { return [:] }
                return .object(Dictionary(uniqueKeysWithValues: fields.compactMap { $0["field"]?.stringValue }.map { ($0, JSONValue.string("remote")) }))
            }
            #expect(conflictLinks.count > 50, "the stage has \(conflictLinks.count) conflicts")
        }

        deinit { try? FileManager.default.removeItem(at: dir) }

        static func body(_ csv: String) -> String {
            String(csv.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n"))
        }

        /// The name (the second column) of every customer whose number divides by `every`,
        /// with `tag` added: the same customers on both sides when their numbers agree.
        static func changeNames(_ csv: String, every: Int, tag: String) -> String {
            changeNames(csv, tag: tag) { $0 % every == 0 }
        }

        static func changeNames(_ csv: String, tag: String, where chosen: (Int) -> Bool) -> String {
            var lines = csv.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let delimiter: Character = lines[0].contains(";") ? ";" : ","
            for i in 1..<lines.count where !lines[i].isEmpty {
                var cells = lines[i].split(separator: delimiter, omittingEmptySubsequences: false).map(String.init)
                guard cells.count > 1, let number = Int(cells[0]), chosen(number), !cells[1].hasPrefix("\"") else { continue }
                cells[1] += " \(tag)"
                lines[i] = cells.joined(separator: String(delimiter))
            }
            return lines.joined(separator: "\n")
        }

        /// Lines with "9" before each customer number (the first column), so they add customers.
        static func renumbered(_ lines: String) -> String {
            lines.split(separator: "\n").map { "9" + $0 }.joined(separator: "\n")
        }

        /// The header and one line in `share`.
        static func keep(_ csv: String, share: Int) -> String {
            let lines = csv.split(separator: "\n", omittingEmptySubsequences: false)
            return ([lines[0]] + lines.dropFirst().enumerated().filter { $0.offset % share != 0 }.map(\.element)).joined(separator: "\n")
        }

        static func copy(_ from: String, to: String) throws {
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: to + suffix)
                if FileManager.default.fileExists(atPath: from + suffix) { try FileManager.default.copyItem(atPath: from + suffix, toPath: to + suffix) }
            }
        }

        /// Runs requests to their end on a spawned server; every one must succeed.
        @discardableResult
        static func serve(_ db: String, _ requests: [JSONValue]) throws -> [JSONValue] {
            let p = try ChildProcess(executable: Paths.serverBinary, arguments: ["--db", db], framing: .ndjson)
            var replies: [JSONValue] = []
            for (i, request) in requests.enumerated() {
                guard case .object(var object) = request else { continue }
                object["jsonrpc"] = "2.0"
                object["id"] = .int(i)
                p.send(Array(JSONValue.object(object).jsonText.utf8))
                let reply = try JSONValue.parse(try #require(p.receive(timeout: .seconds(120))))
                #expect(reply["error"] == nil, "\(reply["error"]?["message"]?.stringValue ?? "")")
                replies.append(reply)
            }
            p.closeInput()
            #expect(p.waitForExit() == 0)
            return replies
        }
    }

    /// What a database holds, as one text to compare: every table but the connection, history
    /// without its times. Checks integrity, foreign keys and the counts first.
    static func snapshot(_ path: String) throws -> String {
        let database = try AppDatabase.open(path: path)
        #expect(try database.tallyDifferences().isEmpty)
        return try database.reader.read { db in
            #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"])
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            var out = ""
            for (table, columns) in [("customer", "*"), ("link", "*"), ("tally", "*"), ("id_sequence", "*"),
                                     ("history", "id, operation, source, customerId, linkId, field, old, new")] {
                out += "## \(table)\n"
                for row in try Row.fetchAll(db, sql: "SELECT \(columns) FROM \(table) ORDER BY 1, 2") { out += row.description + "\n" }
            }
            return out
        }
    }

    func request(_ operation: Operation, stage: Stage, output: String) -> (db: String, messages: [JSONValue]) {
        switch operation {
        case .importMerge:
            (stage.imported, [["method": "importCustomers", "params": ["side": "remote", "content": .string(stage.remoteChanged)]]])
        case .importReplace:
            (stage.imported, [["method": "importCustomers", "params": ["side": "remote", "mode": "replace", "allowMassDelete": true, "content": .string(stage.remoteFewer)]]])
        case .createAll:
            (stage.imported, [["method": "createAllPartners", "params": ["side": "local", "numbering": ["mode": "keep"]]]])
        case .reconcile:
            (stage.linked, [["method": "importCustomers", "params": ["side": "local", "content": .string(stage.localChanged)]]])
        case .export:
            (stage.linked, [["method": "exportCustomers", "params": ["side": "remote", "path": .string(output)]]])
        case .resolveBurst:
            (stage.conflicted, zip(stage.conflictLinks, stage.conflictChoices).map { ["method": "resolveConflict", "params": ["linkId": .string($0), "choices": $1]] })
        }
    }

    /// One trial: the operation sent to a server on a copy of its database, SIGKILL after
    /// `delay`; returns which state the file was left in.
    func trial(_ operation: Operation, stage: Stage, delay: Duration, copy: String, output: String, expected: (before: String, after: String, prefixes: [String])) throws -> String {
        let (db, messages) = request(operation, stage: stage, output: output)
        try Stage.copy(db, to: copy)
        try? FileManager.default.removeItem(atPath: output)
        let p = try ChildProcess(executable: Paths.serverBinary, arguments: ["--db", copy], framing: .ndjson)
        p.send(Array(#"{"jsonrpc":"2.0","id":"ready","method":"ping"}"#.utf8))
        _ = p.receive(timeout: .seconds(30))
        // One message, or the burst as one batch: its requests run one after another, each in
        // its own transaction, and nobody has to read replies while the kill is awaited.
        let framed: [JSONValue] = messages.enumerated().map { i, message in
            guard case .object(var object) = message else { return message }
            object["jsonrpc"] = "2.0"
            object["id"] = .int(i)
            return .object(object)
        }
        p.send(Array((framed.count == 1 ? framed[0] : .array(framed)).jsonText.utf8))
        Thread.sleep(forTimeInterval: Double(delay.components.attoseconds) / 1e18 + Double(delay.components.seconds))
        kill(p.process.processIdentifier, SIGKILL)
        _ = p.waitForExit()
        let state = try Self.snapshot(copy)
        if operation == .export, FileManager.default.fileExists(atPath: output) {
            // The file, when there is one, is whole: the one a finished export writes.
            #expect(try String(contentsOfFile: output, encoding: .utf8) == expected.prefixes.first, "\(operation): a partial export file")
        }
        if state == expected.before { return "before" }
        if state == expected.after { return "after" }
        if operation == .resolveBurst, let k = try resolvedPrefix(copy, stage: stage) {
            // The first k requests applied whole, the rest not at all: the state k requests
            // run to their end make.
            let reference = stage.dir.appendingPathComponent("prefix.sqlite").path
            try Stage.copy(stage.conflicted, to: reference)
            try Stage.serve(reference, Array(messages.prefix(k)))
            if try Self.snapshot(reference) == state { return "prefix \(k)" }
        }
        Issue.record("\(operation) killed after \(delay): the database is neither as before nor as after")
        return "torn"
    }

    /// How many of the burst's links are resolved, when they are its first ones (nil when a
    /// later one is resolved and an earlier one is not: requests are run in order).
    func resolvedPrefix(_ path: String, stage: Stage) throws -> Int? {
        let database = try AppDatabase.open(path: path)
        let states = try database.reader.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, state FROM link").map { ("L\($0["id"] as Int64)", $0["state"] as String) })
        }
        let resolved = stage.conflictLinks.map { states[$0] == "synced" }
        let k = resolved.prefix { $0 }.count
        return resolved.dropFirst(k).contains(true) ? nil : k
    }

    @Test func aKilledOperationLeavesTheDatabaseWholeBeforeOrAfter() throws {
        let environment = ProcessInfo.processInfo.environment
        let trials = environment["CRASH_TRIALS"].flatMap(Int.init) ?? 12
        var random = SplitMix64(seed: environment["CRASH_SEED"].flatMap(UInt64.init) ?? UInt64(Date().timeIntervalSince1970))
        let stage = try Stage()
        let copy = stage.dir.appendingPathComponent("trial.sqlite").path
        let output = stage.dir.appendingPathComponent("export.csv").path
        // For each operation: the state before, after (run to its end, timed), and for the
        // burst every prefix; for the export the whole file.
        var expected: [Operation: (before: String, after: String, prefixes: [String], duration: Duration)] = [:]
        for operation in Operation.allCases {
            let (db, messages) = request(operation, stage: stage, output: output)
            let before = try Self.snapshot(db)
            var prefixes: [String] = []
            try Stage.copy(db, to: copy)
            let started = ContinuousClock.now
            try Stage.serve(copy, messages)
            let duration = ContinuousClock.now - started
            let after = try Self.snapshot(copy)
            if operation == .export { prefixes = [try String(contentsOfFile: output, encoding: .utf8)] }
            #expect(after != before, "\(operation) changed nothing")
            print("crash safety: \(operation) runs \(duration)")
            expected[operation] = (before, after, prefixes, duration)
        }
        var outcomes: [String: Int] = [:]
        var latestBefore: [Operation: Duration] = [:]
        for n in 0..<trials {
            let operation = Operation.allCases[n % Operation.allCases.count]
            let e = expected[operation]!
            // A moment in the operation's run (its time from the request, and a little more).
            let span = Double(e.duration.components.seconds) + Double(e.duration.components.attoseconds) / 1e18
            let delay = Duration.milliseconds(Int(Double(random.next() % 1000) / 1000 * span * 1.1 * 1000))
            let outcome = try trial(operation, stage: stage, delay: delay, copy: copy, output: output, expected: (e.before, e.after, e.prefixes))
            outcomes["\(operation) \(outcome.hasPrefix("prefix") ? "prefix" : outcome)", default: 0] += 1
            if outcome == "before" { latestBefore[operation] = max(latestBefore[operation] ?? .zero, delay) }
        }
        // How late a kill still found the database as before: kills landed inside the work
        // (a transaction keeps its pages in memory until it commits; only the commit writes).
        for (operation, latest) in latestBefore.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            print("crash safety: \(operation): the latest kill that left it as before came \(latest) after the request (a run to its end: \(expected[operation]!.duration))")
        }
        print("crash safety: \(trials) trials: " + outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        #expect(outcomes.keys.allSatisfy { !$0.hasSuffix("torn") })
    }
}
