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

    func run() throws {
        var generator = RegisterGenerator(seed: seed, customers: customers, overlap: overlap, hardness: hardness)
        let output = generator.generate()
        let local = try RegisterFile.read(Array(output.localCSV.utf8), format: .csv, side: .local)
        let remote = try RegisterFile.read(Array(output.remoteCSV.utf8), format: .csv, side: .remote)
        guard local.errors.isEmpty, remote.errors.isEmpty else {
            throw ValidationError("generated registers do not read cleanly: \(local.errors.prefix(3)) \(remote.errors.prefix(3))")
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
        let truth = Set(output.truth.map { "\($0.local)|\($0.remote)" })
        let clock = ContinuousClock()
        let start = clock.now
        let index = MatchIndex(records: records)
        let indexed = clock.now
        let levels = thresholds.split(separator: ",").compactMap { Double($0) }.sorted()
        let all = index.pairing(minScore: levels.first ?? 0.5) { _ in true }
        let paired = clock.now
        print("customers per side \(customers), true pairs \(truth.count); index \(indexed - start), pairing \(paired - indexed)")
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
            let idByNumber = Dictionary(numberById.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
            print("-- false pairs")
            for s in kept where !truth.contains("\(numberById[s.localId]!)|\(numberById[s.remoteId]!)") {
                print(s.match.score, fieldsById[s.localId]!.name ?? "", "|", fieldsById[s.remoteId]!.name ?? "", s.match.reasons.map { "\($0.field.rawValue):\($0.weight)" })
            }
            print("-- misses")
            for t in output.truth where !keptKeys.contains("\(t.local)|\(t.remote)") {
                let l = index.record(id: idByNumber[t.local]!)!, r = index.record(id: idByNumber[t.remote]!)!
                let m = Scorer.compare(l, r)
                let candidate = index.candidates(for: l).contains { $0.id == r.id }
                print(m.score, candidate ? "" : "NOT BLOCKED", fieldsById[l.id]!.name ?? "", "/", fieldsById[l.id]!.address ?? "", "|", fieldsById[r.id]!.name ?? "", "/", fieldsById[r.id]!.address ?? "", l.address.map { "\($0)" } ?? "", r.address.map { "\($0)" } ?? "", m.reasons.map { "\($0.field.rawValue):\($0.weight)" })
            }
        }
    }
}
