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
        /// The number the customer shows, if it shows one.
        var number: String?
        var field: String
        var message: String

        enum CodingKeys: String, CodingKey { case customerId, number, field, message }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(customerId, forKey: .customerId)
            try c.encodeOrNull(number, forKey: .number)
            try c.encode(field, forKey: .field)
            try c.encode(message, forKey: .message)
        }
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

    /// Waits for a round under way (an automatic one, another process's): one at a time.
    public static func handle(_ p: Params, context: ServiceContext, request: RequestInfo) throws -> Result {
        try context.rounds.exclusive(cancellation: request.cancellation) { try pull(p, context: context, request: request) }
    }

    /// The pull, with the round lock held.
    static func pull(_ p: Params, context: ServiceContext, request: RequestInfo) throws -> Result {
        let (stored, connector) = try context.connections.connector(context.database)
        let full = p.full ?? (stored.pullMark == nil)
        let cancellation: CancellationFlag? = request.cancellation
        var result = Result(full: full)
        // Every key this pull read, and the rules each customer broke (with the number it shows).
        var pulled = Set<String>()
        var broken: [String: (number: String?, violations: [FieldRules.Violation])] = [:]
        var seen = 0
        let started = ContinuousClock.now
        let before = connector.traffic
        // Each page is a bulk write: the WAL is checkpointed once, after the reply.
        defer { context.afterBulkWrite(request) }
        let end: RemotePull
        // One intake for the whole pull: each page, then the deletions, is one transaction of it.
        let register = RegisterIntake(database: context.database, side: .remote)
        do {
            func intake(_ customers: [RemoteCustomer]) throws {
                // One record a key: a page that lists a customer twice keeps the later one.
                var records: [String: ImportRecord] = [:]
                var order: [String] = []
                for customer in customers {
                    let record = Self.record(customer)
                    if records.updateValue(record, forKey: customer.key) == nil { order.append(customer.key) }
                    pulled.insert(customer.key)
                    let violations = FieldRules.violations(in: record.fields)
                    broken[customer.key] = violations.isEmpty ? nil : (record.number, violations)
                }
                result.add(try register.apply(order.map { records[$0]! }))
            }
            func delete(keeping keep: Set<String>) throws {
                var replace = register
                replace.mode = .replace
                replace.allowMassDelete = p.allowMassDelete ?? false
                result.deleted += try replace.apply([], keeping: keep).deleted
            }
            end = try connector.pull(since: full ? nil : stored.pullMark) { page in
                try cancellation?.check()
                seen += page.customers.count
                try intake(page.customers)
                result.pages += 1
                request.progress(p.progressToken, done: seen, total: page.total)
            }
            try cancellation?.check()
            let known = try context.database.identitiesOnceSeen(side: .remote)
            if full {
                // Every page is in: who the system no longer has is known now, not before. Each
                // is asked for once more; one still there was passed over by shifting pages.
                var kept = pulled
                var passedOver: [RemoteCustomer] = []
                for key in known.subtracting(pulled).sorted(by: numberOrder) {
                    try cancellation?.check()
                    if let customer = try connector.fetch(key: key) {
                        passedOver.append(customer)
                        kept.insert(key)
                    }
                }
                if !passedOver.isEmpty {
                    context.logger.info("a full pull passed over \(passedOver.count) customer(s) the system still has (changed during the pull); read them one by one")
                    try intake(passedOver)
                }
                try delete(keeping: kept)
            } else if !end.deleted.isEmpty {
                // The system says whom it deleted since the mark: they go, as a full pull would
                // take them (a linked one leaves its link deleted).
                let gone = Set(end.deleted).subtracting(pulled)
                if !known.isDisjoint(with: gone) { try delete(keeping: known.subtracting(gone)) }
            }
        } catch {
            let failure = (error as? ConnectorError).map(SyncError.init) ?? error
            // A cancel is the client's wish, not a fault of the connection.
            if (error as? RPCError)?.code != .requestCancelled {
                try? context.database.notePull(at: nil, mark: nil, error: "pullRemote: \(failure)")
            }
            throw failure
        }
        let ids = try context.database.customerIds(side: .remote, keys: broken.keys)
        for key in broken.keys.sorted(by: numberOrder) {
            guard let id = ids[key], let (number, violations) = broken[key] else { continue }
            for violation in violations {
                result.warnings.append(Warning(customerId: CustomerID.format(id), number: number, field: violation.field, message: violation.message))
            }
        }
        try context.database.notePull(at: Timestamp.now(), mark: end.mark, error: nil, full: full)
        let traffic = connector.traffic
        context.logger.info("pulled \(seen) customers in \(result.pages) page(s) from \(stored.system) in \(ContinuousClock.now - started); \(broken.count) with warnings; \(traffic.requests - before.requests) requests, \(traffic.pacedSeconds - before.pacedSeconds) s paced, \(traffic.retryAfterSeconds - before.retryAfterSeconds) s after Retry-After")
        return result
    }

    /// Keys in numeric order where they are numbers (the shorter the smaller), else by text.
    static func numberOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.count != b.utf8.count ? a.utf8.count < b.utf8.count : a < b
    }

    /// A customer as the system holds it, as a record of the remote register: matched by the
    /// system's key; the number it shows when that is a remote customer number (else none);
    /// values trimmed, nothing cut, no rule applied.
    static func record(_ customer: RemoteCustomer) -> ImportRecord {
        var fields = RegisterRows.cleaned(customer.fields)
        // The register needs a name; a system that holds none gets an empty one, and a warning.
        if fields.name == nil { fields.name = "" }
        let number = customer.number.flatMap { CustomerNumber.canonical($0, side: .remote) }
        return ImportRecord(key: customer.key, number: number, fields: fields)
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
    static func now() -> String { string(Date()) }

    static func string(_ date: Date) -> String { UTCTime.string(date) }

    /// A timestamp as written by `string` (or without fractional seconds), or nil.
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
