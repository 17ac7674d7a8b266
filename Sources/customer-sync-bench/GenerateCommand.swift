import ArgumentParser
import Foundation
import SyncFixtures

/// Writes a generated pair of registers and their true pairing, seeded and deterministic.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Writes two registers (local.csv, remote.csv, CleanManager format) with a known true pairing (truth.csv)."
    )

    @Option(help: "Customers per side.") var customers: Int = 10_000
    @Option(help: "Share of customers on both sides.") var overlap: Double = 0.6
    @Option(help: "Seed: the same seed writes the same files.") var seed: UInt64 = 1
    @Option(help: "Corruption multiplier (1: realistic, 3: a stress test).") var hardness: Double = 1
    @Option(help: "Folder to write into.") var out: String

    func run() throws {
        var generator = RegisterGenerator(seed: seed, customers: customers, overlap: overlap, hardness: hardness)
        let data = generator.generate()
        let dir = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try data.localCSV.write(to: dir.appendingPathComponent("local.csv"), atomically: true, encoding: .utf8)
        try data.remoteCSV.write(to: dir.appendingPathComponent("remote.csv"), atomically: true, encoding: .utf8)
        try ("local;remote\n" + data.truth.map { "\($0.local);\($0.remote)\n" }.joined())
            .write(to: dir.appendingPathComponent("truth.csv"), atomically: true, encoding: .utf8)
        print("wrote \(customers) customers a side and \(data.truth.count) true pairs to \(dir.path)")
    }
}
