import Foundation
import JSONRPC
import SyncCore
import SyncImport
import SyncStore

/// `pullRemote`: reads the connected system's customers into the remote register, page by
/// page, each page through the same intake as a file (three-way, conflicts, history), so a
/// pulled register behaves exactly like an imported one. Spec: protocol/openrpc.json#pullRemote.
///
/// What the system holds arrives whole: a customer whose values break a rule of ours (a CVR
/// that fails modulus 11, a long name, a country we cannot read) is stored as the system holds
/// it, never cut, and listed under `warnings`; the rules apply where a value would enter the
/// local register. The first pull, and one with `full`, reads every customer and then deletes
/// those it no longer has (as `importCustomers` with mode `replace`), each apparent deletion
/// first confirmed by asking for that customer (a customer deleted during the pull shifts the
/// pages, and one not read for that must not be deleted). The others ask only for what changed
/// since the mark the last pull returned. Each page is its own transaction and no request runs
/// inside one: a cancelled or failed pull leaves a whole number of pages applied, deletes
/// nobody, and keeps its old mark.
public enum PullRemote: SyncMethod {
    public static let name = "pullRemote"
    public static var scheduling: Scheduling { .long }

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case full, allowMassDelete, progressToken }
        var full: Bool?
        var allowMassDelete: Bool?
        var progressToken: ProgressToken?
    }

    /// A pulled value that breaks a rule of the local register (one entry per field).
    public struct Warning: Encodable, Sendable, Equatable {
        var customerId: String
        var number: String
        var field: String
        var message: String
    }

    public struct Result: Encodable, Sendable {
        var added = 0
        var updated = 0
        var unchanged = 0
        var deleted = 0
        /// The pulled customers' values that break our rules: stored as they are, listed here.
        var warnings: [Warning] = []
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
        // Every number this pull read, and the rules each broke.
        var pulled = Set<String>()
        var broken: [String: [FieldRules.Violation]] = [:]
        var seen = 0
        let started = ContinuousClock.now
        // Each page is a bulk write: the WAL is checkpointed once, after the reply.
        defer { context.afterBulkWrite() }
        let mark: String?
        do {
            func intake(_ customers: [RemoteCustomer]) throws {
                // One record a number: a page that lists a customer twice keeps the later one.
                var records: [String: ImportRecord] = [:]
                var order: [String] = []
                for customer in customers {
                    let record = try Self.record(customer)
                    if records.updateValue(record, forKey: record.number) == nil { order.append(record.number) }
                    pulled.insert(record.number)
                    let violations = FieldRules.violations(in: record.fields)
                    broken[record.number] = violations.isEmpty ? nil : violations
                }
                let batch = order.map { records[$0]! }
                let outcome = try RegisterIntake(database: context.database, side: .remote).run { emit in
                    for record in batch { emit(record) }
                    return RegisterIntake.Report()
                }
                result.add(outcome.counts)
            }
            mark = try connector.pull(since: full ? nil : stored.pullMark) { page in
                try cancellation?.check()
                seen += page.customers.count
                try intake(page.customers)
                result.pages += 1
                if let token = p.progressToken?.json {
                    context.session.notify(method: "$/progress", params: Progress(token: token, done: seen, total: page.total))
                }
            }
            try cancellation?.check()
            if full {
                // Every page is in: who the system no longer has is known now, not before. Each
                // is asked for once more; one still there was passed over by shifting pages.
                var kept = pulled
                var passedOver: [RemoteCustomer] = []
                for number in try context.database.numbersOnceSeen(side: .remote).subtracting(pulled).sorted(by: numberOrder) {
                    try cancellation?.check()
                    if let customer = try connector.fetch(number: number) {
                        passedOver.append(customer)
                        kept.insert(number)
                    }
                }
                if !passedOver.isEmpty {
                    context.logger.info("a full pull passed over \(passedOver.count) customer(s) the system still has (changed during the pull); read them one by one")
                    try intake(passedOver)
                }
                let keep = kept
                let outcome = try RegisterIntake(database: context.database, side: .remote, mode: .replace, skipInvalid: true,
                                                 allowMassDelete: p.allowMassDelete ?? false).run { _ in
                    RegisterIntake.Report(numbers: keep)
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
        let ids = try context.database.customerIds(side: .remote, numbers: broken.keys)
        for number in broken.keys.sorted(by: numberOrder) {
            guard let id = ids[number] else { continue }
            for violation in broken[number]! {
                result.warnings.append(Warning(customerId: CustomerID.format(id), number: number, field: violation.field, message: violation.message))
            }
        }
        try context.database.notePull(at: Timestamp.now(), mark: mark, error: nil)
        context.logger.info("pulled \(seen) customers in \(result.pages) page(s) from \(stored.system) in \(ContinuousClock.now - started); \(broken.count) with warnings")
        return result
    }

    /// Remote numbers in numeric order (digits only: the shorter is the smaller).
    static func numberOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.count != b.utf8.count ? a.utf8.count < b.utf8.count : a < b
    }

    /// A customer as the system holds it, as a record of the remote register: its number in
    /// the side's form (one that has none cannot be stored, and fails the pull rather than
    /// vanish from it), values trimmed, nothing cut, no rule applied.
    static func record(_ customer: RemoteCustomer) throws -> ImportRecord {
        guard let number = CustomerNumber.canonical(customer.number, side: .remote) else {
            throw SyncError(.remoteUnavailable, "the accounting system holds a customer numbered '\(customer.number)', which is no remote customer number (\(CustomerNumber.rule(for: .remote))); nothing after it was read")
        }
        var fields = RegisterRows.cleaned(customer.fields)
        // The register needs a name; a system that holds none gets an empty one, and a warning.
        if fields.name == nil { fields.name = "" }
        return ImportRecord(number: number, fields: fields, extra: [:])
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
