import Foundation
import GRDB
import SyncCore

/// The API connection as stored: everything but the tokens in clear; the tokens sealed by the
/// caller (the store never sees them).
public struct StoredConnection: Sendable, Hashable {
    public var system: String
    public var baseUrl: String
    public var sealedTokens: [UInt8]
    /// A JSON object: the connector's own settings (defaults for new customers, timeouts).
    public var settings: String
    public var lastPull: String?
    public var lastPush: String?
    public var lastError: String?
    public var pullMark: String?
    /// When the last full pull finished (ISO 8601), by any means.
    public var lastFullPull: String?
    /// Automatic sync: its schedule (nil: off) and how its rounds went.
    public var autoSync: RoundSchedule?
    public var autoRounds = AutoRounds()

    public init(system: String, baseUrl: String, sealedTokens: [UInt8], settings: String) {
        self.system = system
        self.baseUrl = baseUrl
        self.sealedTokens = sealedTokens
        self.settings = settings
    }
}

/// How the automatic rounds went: when the last one ended, its error (a JSON-RPC error object
/// as JSON text; nil when it went well), and the failed rounds in a row since when.
public struct AutoRounds: Sendable, Hashable {
    public var lastAt: String?
    public var lastError: String?
    public var failures = 0
    public var failingSince: String?

    public init(lastAt: String? = nil, lastError: String? = nil, failures: Int = 0, failingSince: String? = nil) {
        self.lastAt = lastAt
        self.lastError = lastError
        self.failures = failures
        self.failingSince = failingSince
    }
}

/// A remote customer waiting to be sent to the connected system.
public struct OutgoingCustomer: Sendable, Hashable {
    public var id: Int64
    public var number: String?
    /// The system's key, once it has the customer (nil for a system whose key is the number
    /// and whose customer was not pulled since keys were kept: then the number is the key).
    public var key: String?
    public var fields: CustomerFields
    public var version: Int
    /// What the system last showed (pulled or pushed), or nil when it has never had this
    /// customer: then it is to be created.
    public var seen: CustomerFields?

    /// The fields to send: those that differ from what the system last showed.
    public var changes: [SyncField: String?] {
        guard let seen else { return Dictionary(uniqueKeysWithValues: SyncField.allCases.map { ($0, fields[$0]) }) }
        var out: [SyncField: String?] = [:]
        for field in SyncField.allCases where fields[field] != seen[field] { out[field] = .some(fields[field]) }
        return out
    }
}

extension AppDatabase {
    /// The connection, if one was made.
    public func connection() throws -> StoredConnection? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM connection WHERE id = 1") else { return nil }
            var c = StoredConnection(system: row["system"], baseUrl: row["baseUrl"], sealedTokens: [UInt8](row["sealedTokens"] as Data),
                                     settings: row["settings"])
            c.lastPull = row["lastPull"]
            c.lastPush = row["lastPush"]
            c.lastError = row["lastError"]
            c.pullMark = row["pullMark"]
            c.lastFullPull = row["lastFullPull"]
            if let every: Int = row["autoEverySeconds"] {
                c.autoSync = RoundSchedule(everySeconds: every, fullEverySeconds: row["autoFullEverySeconds"] ?? RoundSchedule.defaultFullEvery)
            }
            c.autoRounds = AutoRounds(lastAt: row["autoLastAt"], lastError: row["autoLastError"], failures: row["autoFailures"],
                                      failingSince: row["autoFailingSince"])
            return c
        }
    }

    /// Stores a connection, replacing any other. A new system or base URL starts with no
    /// pull mark (its first pull is a full one) and automatic sync off; the same one (new
    /// tokens after a revoked grant) keeps its history and its automatic sync.
    public func saveConnection(_ connection: StoredConnection) throws {
        try write { db in
            let old = try Row.fetchOne(db, sql: "SELECT system, baseUrl FROM connection WHERE id = 1")
            let same = old.map { ($0["system"] as String) == connection.system && ($0["baseUrl"] as String) == connection.baseUrl } ?? false
            if same {
                try db.execute(sql: "UPDATE connection SET sealedTokens = ?, settings = ?, lastError = NULL WHERE id = 1",
                               arguments: [Data(connection.sealedTokens), connection.settings])
            } else {
                try db.execute(sql: "DELETE FROM connection")
                try db.execute(sql: "INSERT INTO connection (id, system, baseUrl, sealedTokens, settings) VALUES (1, ?, ?, ?, ?)",
                               arguments: [connection.system, connection.baseUrl, Data(connection.sealedTokens), connection.settings])
            }
        }
    }

    /// Turns automatic sync on with `schedule`, or off with nil; a new schedule starts with no
    /// failures counted. False when there is no connection to store it with.
    @discardableResult
    public func setAutoSync(_ schedule: RoundSchedule?) throws -> Bool {
        try write { db in
            try db.execute(sql: """
                UPDATE connection SET autoEverySeconds = ?, autoFullEverySeconds = ?, autoFailures = 0, autoFailingSince = NULL
                WHERE id = 1
                """, arguments: [schedule?.everySeconds, schedule?.fullEverySeconds])
            return db.changesCount > 0
        }
    }

    /// Records how an automatic round ended.
    public func noteAutoRound(_ rounds: AutoRounds) throws {
        try write { db in
            try db.execute(sql: """
                UPDATE connection SET autoLastAt = ?, autoLastError = ?, autoFailures = ?, autoFailingSince = ? WHERE id = 1
                """, arguments: [rounds.lastAt, rounds.lastError, rounds.failures, rounds.failingSince])
        }
    }

    /// Forgets the connection (the registers and what is queued stay).
    public func removeConnection() throws {
        try write { db in try db.execute(sql: "DELETE FROM connection") }
    }

    /// Records how a pull ended: its time and new mark when it finished (and, for a full
    /// pull, that it was one), or its error.
    public func notePull(at time: String?, mark: String?, error: String?, full: Bool = false) throws {
        try write { db in
            if let time {
                try db.execute(sql: """
                    UPDATE connection SET lastPull = ?, pullMark = coalesce(?, pullMark), lastError = ?,
                        lastFullPull = CASE WHEN ? THEN ? ELSE lastFullPull END
                    WHERE id = 1
                    """, arguments: [time, mark, error, full, time])
            } else {
                try db.execute(sql: "UPDATE connection SET lastError = ? WHERE id = 1", arguments: [error])
            }
        }
    }

    /// Records how a push ended.
    public func notePush(at time: String?, error: String?) throws {
        try write { db in
            if let time {
                try db.execute(sql: "UPDATE connection SET lastPush = ?, lastError = ? WHERE id = 1", arguments: [time, error])
            } else {
                try db.execute(sql: "UPDATE connection SET lastError = ? WHERE id = 1", arguments: [error])
            }
        }
    }

    /// How many remote customers hold changes the remote register has not seen.
    public func queuedCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM customer WHERE side = 'remote' AND pending = 1") ?? 0 }
    }

    /// The remote customers waiting to be sent, in id order.
    public func outgoing() throws -> [OutgoingCustomer] {
        try read { db in
            let statement = try db.makeStatement(sql: """
                SELECT id, number, systemKey, \(CustomerSQL.fieldColumns), version, seen, seenDigest FROM customer
                WHERE side = 'remote' AND pending = 1 ORDER BY id
                """)
            let fields = try FieldColumns(statement)
            let id = try statement.position(of: "id"), number = try statement.position(of: "number"), version = try statement.position(of: "version")
            let seen = try statement.position(of: "seen"), digest = try statement.position(of: "seenDigest")
            let key = try statement.position(of: "systemKey")
            return try Row.fetchAll(statement).map { row in
                let current = fields.fields(row)
                let last = Self.seenValues(seen: row[seen], seenDigest: row[digest], fields: current)
                return OutgoingCustomer(id: row[id], number: row[number], key: row[key], fields: current, version: row[version],
                                        seen: last.map(FieldMapCoding.fields))
            }
        }
    }

    /// After a push: the system now holds `sent` for the customer. It becomes what the
    /// remote register was last seen to hold; the customer is no longer pending unless it
    /// changed meanwhile (then what changed goes with the next push).
    /// `key`: the system's key of the customer (what a create answered), kept so later pulls
    /// and pushes find it by what the system calls it.
    public func markSent(customerId: Int64, sent: CustomerFields, key: String? = nil) throws {
        try write { db in
            guard let customer = try Self.fetchCustomerIfPresent(db, id: customerId) else { return }
            let extraJSON = CustomerSQL.encodeExtra(customer.extra)
            let same = customer.fields == sent
            // As a pull would compute it, so the next pull of the same values is unchanged.
            let keyed = try key != nil || String.fetchOne(db.cachedStatement(sql: "SELECT systemKey FROM customer WHERE id = ?"), arguments: [customerId]) != nil
            let digestExtra = keyed ? extraJSON + "\u{1D}" + (customer.number ?? "") : extraJSON
            try db.cachedStatement(sql: "UPDATE customer SET seenDigest = ?, seen = ?, pending = ?, systemKey = coalesce(?, systemKey) WHERE id = ?")
                .execute(arguments: [ImportRecord.digest(fields: sent, extraJSON: digestExtra), same ? nil : FieldMapCoding.encode(sent), same ? 0 : 1,
                                       key, customerId])
        }
    }

    /// Who of `side`'s customers was once read from its register (a file or a pull), by
    /// what names them there: the system's key where one is kept, else the number. Those a
    /// full read that no longer lists them would delete.
    public func identitiesOnceSeen(side: Side) throws -> Set<String> {
        try read { db in
            Set(try String.fetchAll(db, sql: """
                SELECT coalesce(systemKey, number) FROM customer
                WHERE side = ? AND seenDigest IS NOT NULL AND coalesce(systemKey, number) IS NOT NULL
                """, arguments: [side.rawValue]))
        }
    }

    /// The ids of `side`'s customers named by these keys (a system's key, else a number).
    public func customerIds(side: Side, keys: some Collection<String>) throws -> [String: Int64] {
        guard !keys.isEmpty else { return [:] }
        return try read { db in
            var out: [String: Int64] = [:]
            let byKey = try db.makeStatement(sql: "SELECT id FROM customer WHERE side = ? AND systemKey = ?")
            let byNumber = try db.makeStatement(sql: "SELECT id FROM customer WHERE side = ? AND number = ? AND systemKey IS NULL")
            for key in keys {
                if let id = try Int64.fetchOne(byKey, arguments: [side.rawValue, key]) ?? Int64.fetchOne(byNumber, arguments: [side.rawValue, key]) {
                    out[key] = id
                }
            }
            return out
        }
    }
}
