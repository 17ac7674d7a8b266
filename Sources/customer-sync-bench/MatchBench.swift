import ArgumentParser
import Foundation
import SyncCore
import SyncFixtures
import SyncImport

/// Precision and recall of the matcher on generated registers, in-process (no server, no
/// database): for tuning. `suggestions` measures the same through the server.
struct MatchQualityBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match-quality",
        abstract: "Precision, recall and F1 of the partner matcher on generated registers (in-process)."
    )

    @Option(help: "Customers per side.") var customers: Int = 10_000
    @Option(help: "Share of customers on both sides.") var overlap: Double = 0.6
    @Option(help: "Generator seed.") var seed: UInt64 = 1
    @Option(help: "Corruption multiplier (1: realistic, 3: stress).") var hardness: Double = 1
    @Option(help: "Thresholds to report.") var thresholds: String = "0.5,0.7,0.8,0.9,0.95"
    @Flag(help: "Print the misses and false pairs at the first threshold.") var verbose = false
    @Option(help: "A local register file to use instead of generated ones (with --remote and --truth; Benchmarks/linkage.py --write makes them).") var local: String?
    @Option(help: "The remote register file.") var remote: String?
    @Option(help: "The true pairs: a CSV of local number;remote number, with a header.") var truth: String?

    func run() throws {
        let localCSV: [UInt8], remoteCSV: [UInt8], truePairs: [(local: String, remote: String)]
        if let localPath = local, let remotePath = remote, let truthPath = truth {
            localCSV = Array(try Data(contentsOf: URL(fileURLWithPath: localPath)))
            remoteCSV = Array(try Data(contentsOf: URL(fileURLWithPath: remotePath)))
            truePairs = try String(contentsOfFile: truthPath, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst().map { line in
                let cells = line.split(separator: ";").map(String.init)
                guard cells.count == 2 else { throw ValidationError("\(truthPath): '\(line)' is not local;remote") }
                return (cells[0], cells[1])
            }
        } else {
            var generator = RegisterGenerator(seed: seed, customers: customers, overlap: overlap, hardness: hardness)
            let output = generator.generate()
            localCSV = Array(output.localCSV.utf8)
            remoteCSV = Array(output.remoteCSV.utf8)
            truePairs = output.truth.map { ($0.local, $0.remote) }
        }
        let local = try RegisterFile.read(localCSV, format: .csv, side: .local)
        let remote = try RegisterFile.read(remoteCSV, format: .csv, side: .remote)
        if !local.errors.isEmpty || !remote.errors.isEmpty {
            print("rows not read: \(local.errors.count) local, \(remote.errors.count) remote (\((local.errors + remote.errors).prefix(2).map(\.message)))")
        }
        // Ids: local rows 1…, remote rows after them.
        var numberById: [Int64: String] = [:]
        var fieldsById: [Int64: CustomerFields] = [:]
        var records: [MatchRecord] = []
        for (i, row) in local.rows.enumerated() {
            let id = Int64(i + 1)
            numberById[id] = row.number
            fieldsById[id] = row.fields
            records.append(MatchRecord(id: id, side: .local, fields: row.fields))
        }
        for (i, row) in remote.rows.enumerated() {
            let id = Int64(local.rows.count + i + 1)
            numberById[id] = row.number
            fieldsById[id] = row.fields
            records.append(MatchRecord(id: id, side: .remote, fields: row.fields))
        }
        let truth = Set(truePairs.map { "\($0.local)|\($0.remote)" })
        let clock = ContinuousClock()
        let start = clock.now
        let index = MatchIndex(records: records)
        let indexed = clock.now
        let levels = thresholds.split(separator: ",").compactMap { Double($0) }.sorted()
        let all = index.pairing(minScore: levels.first ?? 0.5) { _ in true }
        let paired = clock.now
        let idByNumber = Dictionary(records.map { ("\($0.side)|" + numberById[$0.id]!, $0.id) }, uniquingKeysWith: { a, _ in a })
        let compared = truePairs.filter { pair in
            guard let l = idByNumber["local|" + pair.local], let r = idByNumber["remote|" + pair.remote], let record = index.record(id: l) else { return false }
            return index.candidates(for: record).contains { $0.id == r }
        }.count
        print("customers \(local.rows.count) local, \(remote.rows.count) remote, true pairs \(truth.count); index \(indexed - start), pairing \(paired - indexed)")
        let pairsCompared = index.locals.reduce(0) { $0 + index.candidates(for: $1).count }
        print(String(format: "candidate recall %.4f (true pairs ever compared), %d pairs compared; %@", Double(compared) / Double(max(1, truth.count)), pairsCompared, index.weightsSummary))
        for level in levels {
            // A pairing at a higher threshold is the same greedy pairing cut lower.
            let kept = all.filter { $0.match.score >= level }
            let found = kept.filter { truth.contains("\(numberById[$0.localId]!)|\(numberById[$0.remoteId]!)") }.count
            let precision = kept.isEmpty ? 1 : Double(found) / Double(kept.count)
            let recall = Double(found) / Double(truth.count)
            let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
            print(String(format: "minScore %.2f: %6d pairs, precision %.4f, recall %.4f, F1 %.4f", level, kept.count, precision, recall, f1))
        }
        if verbose, let level = levels.first {
            let kept = all.filter { $0.match.score >= level }
            let keptKeys = Set(kept.map { "\(numberById[$0.localId]!)|\(numberById[$0.remoteId]!)" })
            print("-- false pairs")
            for s in kept where !truth.contains("\(numberById[s.localId]!)|\(numberById[s.remoteId]!)") {
                print(s.match.score, fieldsById[s.localId]!.name ?? "", "|", fieldsById[s.remoteId]!.name ?? "", s.match.reasons.map { "\($0.field.rawValue):\($0.weight) (\($0.level ?? ""))" })
            }
            // Name level × address level over the candidate pairs, true and not: where the
            // model's independence within a class holds and where it does not.
            var joint: [String: (true: Int, other: Int)] = [:]
            for l in index.locals {
                for r in index.candidates(for: l) {
                    let c = Comparison(l, r)
                    let key = "name \(c.level(.name)) address \(c.level(.address)) zip \(c.level(.zip))"
                    if truth.contains("\(numberById[l.id]!)|\(numberById[r.id]!)") { joint[key, default: (0, 0)].true += 1 } else { joint[key, default: (0, 0)].other += 1 }
                }
            }
            print("-- candidate pairs by levels (0: missing): true / other")
            for (key, n) in joint.sorted(by: { $0.key < $1.key }) { print("\(key): \(n.true) / \(n.other)") }
            print("-- misses")
            for t in truePairs where !keptKeys.contains("\(t.local)|\(t.remote)") {
                guard let lid = idByNumber["local|" + t.local], let rid = idByNumber["remote|" + t.remote] else { continue }
                let l = index.record(id: lid)!, r = index.record(id: rid)!
                let m = index.compare(l, r)
                let candidate = index.candidates(for: l).contains { $0.id == r.id }
                print(m.score, candidate ? "" : "NOT BLOCKED", fieldsById[l.id]!.name ?? "", "/", fieldsById[l.id]!.address ?? "", "|", fieldsById[r.id]!.name ?? "", "/", fieldsById[r.id]!.address ?? "", l.address.map { "\($0)" } ?? "", r.address.map { "\($0)" } ?? "", m.reasons.map { "\($0.field.rawValue):\($0.weight)" })
            }
        }
    }
}
