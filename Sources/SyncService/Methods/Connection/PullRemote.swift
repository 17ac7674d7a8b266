import Foundation
import JSONRPC
import SyncCore
import SyncImport
import SyncStore

/// `pullRemote`: reads the connected system's customers into the remote register, page by
/// page, each page through the same intake as a file (three-way, conflicts, history), so a
/// pulled register behaves exactly like an imported one. Spec: protocol/openrpc.json#pullRemote.
///
/// The first pull, and one with `full`, reads every customer and then deletes those it no
/// longer has (as `importCustomers` with mode `replace`); the others ask only for what changed
/// since the newest change the last pull saw. Each page is its own transaction and no request
/// runs inside one: a cancelled or failed pull leaves a whole number of pages applied, and
/// deletes nobody.
public enum PullRemote: SyncMethod {
    public static let name = "pullRemote"
    public static var scheduling: Scheduling { .long }

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case full, allowMassDelete, progressToken }
        var full: Bool?
        var allowMassDelete: Bool?
        var progressToken: ProgressToken?
    }

    public struct Result: Encodable, Sendable {
        var added = 0
        var updated = 0
        var unchanged = 0
        var deleted = 0
        /// Customers the system holds that break a rule of ours (one entry per field; `line` is
        /// the customer's position in the pull); they are left out, as `skipInvalid` does.
        var rejected: [RowError] = []
        var pages = 0
        var full: Bool
    }

    public struct Progress: Encodable, Sendable {
        var token: JSONValue
        var done: Int
        var total: Int?
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> Result {
        let (stored, connector) = try context.connections.connector(context.database)
        let full = p.full ?? (stored.pullMark == nil)
        let cancellation = RequestScope.current?.cancellation
        var result = Result(full: full)
        var rows = RegisterRows(side: .remote)
        var mark = stored.pullMark
        var seen = 0
        let started = ContinuousClock.now
        // Each page is a bulk write: the WAL is checkpointed once, after the reply.
        defer { context.afterBulkWrite() }
        do {
            try connector.pull(changedSince: full ? nil : stored.pullMark) { page in
                try cancellation?.check()
                var records: [ImportRecord] = []
                records.reserveCapacity(page.customers.count)
                for customer in page.customers {
                    seen += 1
                    if let row = rows.add(line: seen, number: customer.number, fields: customer.fields) {
                        records.append(ImportRecord(number: row.number, fields: row.fields, extra: row.extra))
                    }
                    if let updated = customer.lastUpdated, mark.map({ updated > $0 }) ?? true { mark = updated }
                }
                let batch = records
                let outcome = try RegisterIntake(database: context.database, side: .remote, skipInvalid: true).run { emit in
                    for record in batch { emit(record) }
                    return RegisterIntake.Report()
                }
                result.add(outcome.counts)
                result.pages += 1
                if let token = p.progressToken?.json {
                    context.session.notify(method: "$/progress", params: Progress(token: token, done: seen, total: page.total))
                }
            }
            try cancellation?.check()
            if full {
                // Every page is in: who the system no longer has is known now, not before.
                let numbers = rows.numbers
                let outcome = try RegisterIntake(database: context.database, side: .remote, mode: .replace, skipInvalid: true,
                                                 allowMassDelete: p.allowMassDelete ?? false).run { _ in
                    RegisterIntake.Report(numbers: numbers)
                }
                result.deleted = outcome.counts.deleted
            }
        } catch {
            let failure = (error as? ConnectorError).map(SyncError.init) ?? error
            // A cancel is the client's wish, not a fault of the connection.
            if (error as? RPCError)?.code != .requestCancelled {
                try? context.database.notePull(at: nil, mark: nil, error: "pullRemote: \(failure)")
            }
            throw failure
        }
        result.rejected = rows.errors
        try context.database.notePull(at: Timestamp.now(), mark: mark, error: nil)
        context.logger.info("pulled \(seen) customers in \(result.pages) page(s) from \(stored.system) in \(ContinuousClock.now - started)")
        return result
    }
}

extension PullRemote.Result {
    mutating func add(_ counts: ImportOutcome) {
        added += counts.added
        updated += counts.updated
        unchanged += counts.unchanged
        deleted += counts.deleted
    }
}

/// The time now, as the connection's timestamps are written (ISO 8601, UTC, milliseconds).
enum Timestamp {
    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
