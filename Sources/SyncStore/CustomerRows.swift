import Foundation
import GRDB
import JSONText
import SyncCore

/// The columns a link is read from (`AppDatabase.link(_:_:)`).
enum LinkSQL {
    static let select = "SELECT id, localId, remoteId, state, version, base FROM link"
}

/// Reading customers from SQL rows (by column name: `CustomerColumns`), and the columns they need.
enum CustomerSQL {
    /// Selects a customer with its link (if any). Join order: customer c, link as local `ll`, as remote `lr`.
    static let select = select(from: "customer c")

    /// The same, with the customers from `from` (`customer c INDEXED BY …`).
    static func select(from: String) -> String {
        """
        SELECT c.id, c.side, c.number, c.name, c.address, c.zip, c.city, c.country, c.email, c.phone,
               c.cvr, c.ean, c.contact, c.extra, c.excluded, c.version,
               coalesce(ll.id, lr.id) AS linkId, coalesce(ll.state, lr.state) AS linkState
        FROM \(from)
        LEFT JOIN link ll ON ll.localId = c.id
        LEFT JOIN link lr ON lr.remoteId = c.id
        """
    }

    static func decodeExtra(_ json: String?) -> [String: String] {
        guard let json, json != "{}", let object = FlatJSON.decode(json) else { return [:] }
        return object.compactMapValues { $0 }
    }

    /// A JSON object with sorted keys. Written by hand: `JSONEncoder` per row was a large share
    /// of a bulk import.
    static func encodeExtra(_ extra: [String: String]) -> String {
        guard !extra.isEmpty else { return "{}" }
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(64)
        let keys = extra.count == 1 ? Array(extra.keys) : JSONText.sortedKeys(extra.keys)
        for (i, key) in keys.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendJSONString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            appendJSONString(extra[key]!, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    static func appendJSONString(_ s: String, to out: inout [UInt8]) {
        JSONText.appendString(s, to: &out)
    }

    /// The search key of a customer (`SearchKey`), as `search_key` computes it in SQL.
    static func searchKey(number: String?, fields: CustomerFields) -> String {
        SearchKey.of([number, fields.name, fields.address, fields.zip, fields.city, fields.email, fields.phone, fields.cvr])
    }

    /// The arguments of the synced field columns, in `SyncField` order.
    static func fieldArguments(_ fields: CustomerFields) -> [(any DatabaseValueConvertible)?] {
        SyncField.allCases.map { fields[$0] }
    }

    static let fieldColumns = SyncField.allCases.map(\.rawValue).joined(separator: ", ")
    static let fieldAssignments = SyncField.allCases.map { "\($0.rawValue) = ?" }.joined(separator: ", ")
    static let fieldPlaceholders = SyncField.allCases.map { _ in "?" }.joined(separator: ", ")
}

extension AppDatabase {
    /// One customer, or `NotFound`.
    static func fetchCustomer(_ db: Database, id: Int64) throws -> Customer {
        guard let customer = try fetchCustomerIfPresent(db, id: id) else {
            throw SyncError(.notFound, "no customer with id \(CustomerID.format(id))", details: ["id": .string(CustomerID.format(id))])
        }
        return customer
    }

    /// One customer, or nil when there is no such id. Database errors still throw.
    static func fetchCustomerIfPresent(_ db: Database, id: Int64) throws -> Customer? {
        // A cached statement: compiling this join was most of a lookup's cost.
        let statement = try db.cachedStatement(sql: CustomerSQL.select + " WHERE c.id = ?")
        let columns = try CustomerColumns.of(statement)
        return try Row.fetchOne(statement, arguments: [id]).map(columns.customer)
    }

    /// One link with both customers, or `NotFound`.
    static func fetchLink(_ db: Database, id: Int64) throws -> Link {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "\(LinkSQL.select) WHERE id = ?"), arguments: [id]) else {
            throw SyncError(.notFound, "no link with id \(LinkID.format(id))", details: ["id": .string(LinkID.format(id))])
        }
        return try link(db, row)
    }

    /// A link from a row of `LinkSQL.select` (read by name: a few columns, a page at most),
    /// with both customers.
    static func link(_ db: Database, _ row: Row) throws -> Link {
        let local = try (row["localId"] as Int64?).map { try fetchCustomer(db, id: $0) }
        let remote = try (row["remoteId"] as Int64?).map { try fetchCustomer(db, id: $0) }
        let state = LinkState(rawValue: row["state"]) ?? .conflict
        var conflicts: [FieldConflict] = []
        if state == .conflict, let local, let remote { conflicts = CustomerFields.conflicts(local: local.fields, remote: remote.fields) }
        let base = (row["base"] as String?).map(FieldMapCoding.decode) ?? [:]
        for i in conflicts.indices { conflicts[i].base = base[conflicts[i].field] }
        return Link(id: row["id"], state: state, local: local, remote: remote, conflicts: conflicts, version: row["version"])
    }

    /// Sets a customer's synced fields, bumping its version.
    static func writeFields(_ db: Database, customer: Customer, fields: CustomerFields) throws {
        try keepImplicitValues(db, customerId: customer.id, fields: customer.fields)
        try db.execute(
            sql: "UPDATE customer SET \(CustomerSQL.fieldAssignments), version = version + 1 WHERE id = ?",
            arguments: StatementArguments(CustomerSQL.fieldArguments(fields)) + [customer.id]
        )
    }

    /// Before a customer's values change: the last-seen values and its link's base, where they
    /// were implicit (null: "the customer's own values"), are stored as they stand.
    static func keepImplicitValues(_ db: Database, customerId: Int64, fields: CustomerFields) throws {
        let json = FieldMapCoding.encode(fields)
        try db.execute(sql: "UPDATE customer SET seen = ? WHERE id = ? AND seen IS NULL AND seenDigest IS NOT NULL", arguments: [json, customerId])
        try db.execute(sql: "UPDATE link SET base = ? WHERE (localId = ? OR remoteId = ?) AND base IS NULL", arguments: [json, customerId, customerId])
    }

    /// The last-seen values of a customer: stored, or implicit (its own values) when it was
    /// read from or written to a file, or none.
    static func seenValues(seen: String?, seenDigest: Int64?, fields: CustomerFields) -> [SyncField: String?]? {
        if let seen { return FieldMapCoding.decode(seen) }
        return seenDigest == nil ? nil : Dictionary(uniqueKeysWithValues: SyncField.allCases.map { ($0, fields[$0]) })
    }

    /// Marks a remote customer as holding values the remote file has not seen yet.
    static func markPending(_ db: Database, _ customerId: Int64) throws {
        try db.execute(sql: "UPDATE customer SET pending = 1 WHERE id = ? AND side = 'remote'", arguments: [customerId])
    }

    static func bumpVersion(_ db: Database, customerIds: [Int64]) throws {
        for id in customerIds {
            try db.execute(sql: "UPDATE customer SET version = version + 1 WHERE id = ?", arguments: [id])
        }
    }
}


/// Field maps (a link's base, a customer's last-seen values) as stored: a JSON object of
/// field → value or null; a field absent from the object is absent from the map.
enum FieldMapCoding {
    static func encode(_ map: [SyncField: String?]) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        for field in SyncField.allCases {
            guard let value = map[field] else { continue }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            CustomerSQL.appendJSONString(field.rawValue, to: &out)
            out.append(UInt8(ascii: ":"))
            if let value { CustomerSQL.appendJSONString(value, to: &out) } else { out += Array("null".utf8) }
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    static func encode(_ fields: CustomerFields) -> String {
        encode(Dictionary(uniqueKeysWithValues: SyncField.allCases.map { ($0, fields[$0]) }))
    }

    static func decode(_ text: String?) -> [SyncField: String?] {
        guard let text, let object = FlatJSON.decode(text) else { return [:] }
        var map: [SyncField: String?] = [:]
        for (key, value) in object { if let field = SyncField(rawValue: key) { map[field] = .some(value) } }
        return map
    }

    /// A complete field map as customer fields (absent fields empty).
    static func fields(_ map: [SyncField: String?]) -> CustomerFields {
        var fields = CustomerFields()
        for (field, value) in map { fields[field] = value }
        return fields
    }
}
