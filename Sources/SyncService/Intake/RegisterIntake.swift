import Foundation
import JSONRPC
import SyncCore
import SyncImport
import SyncStore

/// Bringing a whole register into one side: the one path every source of customer rows takes
/// (a file today, an accounting system's API tomorrow), so that a pulled register behaves
/// exactly like an imported one.
///
/// The source runs on a reader thread and hands prepared records (`ImportRecord`: stored
/// forms, search key and digest computed there, beside the writer) through a `RowPipe` to the
/// calling thread, which writes them in one transaction (`AppDatabase.importCustomers`:
/// inserts, updates, last-seen values, reconciliation of linked customers, history). After the
/// last record the source's report decides: a source that failed, or an invalid row without
/// `skipInvalid`, rolls the whole transaction back before it commits.
struct RegisterIntake {
    enum Mode: String, Sendable, ClosedStringSet {
        /// Rows are added or update the customers with their numbers; nobody is removed.
        case merge
        /// The source is the whole register: customers once read from it and missing now are
        /// deleted (a linked one leaves its link `deleted`).
        case replace
    }

    /// What a source says after its last row.
    struct Report: Sendable {
        /// The invalid rows, one entry per invalid field.
        var rejected: [RowError] = []
        /// Every customer number the source mentions, valid rows or not (what `replace` keeps).
        var numbers: Set<String> = []
        /// What the source could only guess (a file's encoding), for the user to check.
        var warnings: [String] = []
        /// A file's header as read, and what each column was taken for.
        var header: [String] = []
        var columns: [Column] = []
    }

    /// A source of rows: calls `emit` with each valid record in order, then returns its
    /// report. Runs on the reader thread; throws to reject the whole register (the error goes
    /// to the client as it is, so make it a `SyncError`).
    typealias Source = @Sendable (_ emit: (ImportRecord) -> Void) throws -> Report

    /// What an intake did.
    struct Outcome {
        var counts: ImportOutcome
        /// The invalid rows left out (only with `skipInvalid`; otherwise they reject the call).
        var rejected: [RowError]
        /// How long the source took to produce every row.
        var readTime: Duration
        var warnings: [String] = []
        var header: [String] = []
        var columns: [Column] = []
    }

    /// The rows, and the source's last word: its report (or why it failed) and how long it took.
    typealias Handover = RowPipe<ImportRecord, (Result<Report, any Error>, Duration)>

    let database: AppDatabase
    let side: Side
    var mode: Mode = .merge
    var skipInvalid = false
    /// When set (by `$/cancelRequest`), the intake stops taking rows and rolls back:
    /// `RequestCancelled`, nothing written.
    var cancellation: CancellationFlag?
    /// With `replace`: go ahead even when more than half of the side would be deleted.
    var allowMassDelete = false
    /// False for a dry run: everything is done, then rolled back.
    var commit = true

    /// Writes records already in hand (a page of an accounting system, a customer it answered
    /// with) into the side in one transaction, on the calling thread: no reader is needed for
    /// what is in memory. With `replace`, `keeping` names everyone the source still has (a
    /// system's keys, a file's numbers) and the others once seen are deleted.
    func apply(_ records: [ImportRecord], keeping: Set<String> = []) throws -> ImportOutcome {
        try cancellation?.check()
        return try database.importCustomers(side: side, records: records, replaceWith: mode == .replace ? { keeping } : nil,
                                            allowMassDelete: allowMassDelete, commit: commit)
    }

    /// A register file as a source, with the generation its last-read digests were taken at.
    struct FileSource {
        var source: Source
        var lastReadAsOf: Int64?
    }

    /// Runs a file into the side (`run(_:lastReadAsOf:)`).
    func run(_ file: FileSource) throws -> Outcome {
        try run(file.source, lastReadAsOf: file.lastReadAsOf)
    }

    /// Runs `source` into the side in one transaction, on two cores. `lastReadAsOf`: see
    /// `AppDatabase.importCustomers`.
    func run(_ source: @escaping Source, lastReadAsOf: Int64? = nil) throws -> Outcome {
        let clock = ContinuousClock()
        let started = clock.now
        let pipe = Handover()
        let reader = Thread {
            let result = Result { try source { pipe.send($0) } }
            pipe.finish((result, clock.now - started))
        }
        reader.start()
        // However the write ends, the reader is stopped (its rows dropped) and waited for: no
        // thread of this call outlives it.
        defer {
            pipe.cancel()
            _ = pipe.waitForEnd()
        }
        let skipInvalid = self.skipInvalid
        let cancellation = self.cancellation
        // Called once the writer has taken the last record: the source's verdict.
        func verdict() throws -> Report {
            try cancellation?.check()
            let report = try pipe.waitForEnd().0.get()
            if !report.rejected.isEmpty && !skipInvalid { throw SyncError.importRejected(report.rejected) }
            return report
        }
        let counts = try database.importCustomers(
            side: side, records: Records(pipe: pipe, cancellation: cancellation),
            replaceWith: mode == .replace ? { try verdict().numbers } : nil, allowMassDelete: allowMassDelete,
            commit: commit, lastReadAsOf: lastReadAsOf, beforeCommit: { _ = try verdict() })
        let (result, readTime) = pipe.waitForEnd()
        let report = try? result.get()
        return Outcome(counts: counts, rejected: report?.rejected ?? [], readTime: readTime, warnings: report?.warnings ?? [],
                       header: report?.header ?? [], columns: report?.columns ?? [])
    }
}

extension RegisterIntake {
    /// The pipe's records, ending early once the request is cancelled (the flag is looked at
    /// once a batch, not once a row).
    struct Records: Sequence {
        let pipe: Handover
        let cancellation: CancellationFlag?

        struct Iterator: IteratorProtocol {
            var rows: Handover.Iterator
            let cancellation: CancellationFlag?
            var count = 0

            mutating func next() -> ImportRecord? {
                count += 1
                if count & 1023 == 0, cancellation?.isCancelled == true { return nil }
                return rows.next()
            }
        }

        func makeIterator() -> Iterator { Iterator(rows: pipe.makeIterator(), cancellation: cancellation) }
    }

    /// A register file's rows (CSV or XLSX, `format` nil to tell by the bytes), checked
    /// against the side's rules. A file that cannot be read at all is `ImportRejected`.
    ///
    /// With `database`, the rows read again exactly as last read (`lastReadDigests`) skip
    /// their checks and are handed over as digests alone. The digests are read here, before
    /// the intake's transaction: on the reader thread they would wait for it where reads and
    /// writes share one connection (an in-memory database), and the transaction for the rows.
    static func file(_ bytes: [UInt8], format: RegisterFile.Format?, side: Side, sheet: String? = nil, limits: ImportLimits = .standard,
                     database: AppDatabase? = nil) throws -> FileSource {
        let snapshot = try database?.lastReadSnapshot(side: side)
        let lastRead = snapshot?.digests ?? [:]
        return FileSource(source: { emit in
            do throws(RowError) {
                let file = try RegisterFile.stream(bytes, format: format, side: side, sheet: sheet, limits: limits, lastRead: lastRead) { row in
                    emit(row.lastRead ? ImportRecord(lastReadNumber: row.number, digest: row.digest!)
                                      : ImportRecord(number: row.number, fields: row.fields, extra: row.extra, rowDigest: row.digest))
                }
                return Report(rejected: file.errors, numbers: file.numbers, warnings: file.warnings, header: file.header, columns: file.columns)
            } catch {
                throw SyncError.importRejected([error])
            }
        }, lastReadAsOf: snapshot?.writes)
    }
}
