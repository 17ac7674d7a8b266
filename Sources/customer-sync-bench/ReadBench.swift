import ArgumentParser
import Foundation
import SyncCore
import SyncImport
import SyncStore

/// Where the time of reading a register goes, stage by stage, without a server or a database.
struct ReadBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Times decoding, CSV parsing, row checks and row preparation of a register file."
    )

    @Argument(help: "A CSV or XLSX register file.")
    var file: String
    @Option(help: "Side whose number rule applies.")
    var side: String = "remote"
    @Option(help: "Repetitions (the best is reported).")
    var repetitions: Int = 3

    func run() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        guard let side = Side(rawValue: side) else { throw ValidationError("side is local or remote") }
        let clock = ContinuousClock()
        func best(_ label: String, _ body: () throws -> Int) rethrows {
            var times: [Double] = []
            var count = 0
            for _ in 0..<repetitions {
                let start = clock.now
                count = try body()
                times.append(nanoseconds(clock.now - start) / 1e6)
            }
            print(label.padding(toLength: 30, withPad: " ", startingAt: 0) + String(format: "%8.1f ms  (%d)", times.min()!, count))
        }
        best("decode to UTF-8") { TextDecoding.utf8Bytes(bytes).bytes.count }
        let text = TextDecoding.utf8Bytes(bytes).bytes
        try best("CSV records and cells") {
            var n = 0
            try CSVReader(utf8: text).forEachRecord { _, cells in n += cells.count }
            return n
        }
        try best("CSV records as bytes") {
            var n = 0
            try CSVReader(utf8: text).forEachRawRecord { _, record in n += record.count }
            return n
        }
        try best("+ columns and row checks") {
            var n = 0
            _ = try RegisterFile.stream(bytes, format: nil, side: side) { _ in n += 1 }
            return n
        }
        try best("+ prepared records") {
            var n = 0
            _ = try RegisterFile.stream(bytes, format: nil, side: side) { row in
                let record = ImportRecord(number: row.number, fields: row.fields, extra: row.extra)
                n += (record.number?.isEmpty ?? true) ? 0 : 1
            }
            return n
        }
        // A re-import of the same file: every row as last read.
        var lastRead: [String: Int64] = [:]
        _ = try RegisterFile.stream(bytes, format: nil, side: side) { row in lastRead[row.number] = row.digest }
        try best("read again, unchanged") {
            var n = 0
            _ = try RegisterFile.stream(bytes, format: nil, side: side, lastRead: lastRead) { row in n += row.lastRead ? 1 : 0 }
            return n
        }
    }
}
