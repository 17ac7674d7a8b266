import Foundation
import JSONRPC
import SyncCore

/// The wire form of a customer (protocol/openrpc.json#/components/schemas/Customer).
/// Every member is always present; an empty field is `null`. `warnings` is there only when
/// the customer has some (a remote value that breaks a local rule, `Customer.warnings`).
public struct WireCustomer: Encodable, Sendable {
    public var customer: Customer
    public init(_ customer: Customer) { self.customer = customer }

    /// Written once, by `writeJSON` (below); inside a result encoded by `JSONEncoder` the same
    /// text is handed over as its value, so both paths give the same bytes.
    public func encode(to encoder: any Encoder) throws {
        try JSONWritten.encode(self, to: encoder)
    }
}

/// The wire form of a link.
public struct WireLink: Encodable, Sendable {
    public var link: Link
    public init(_ link: Link) { self.link = link }

    public func encode(to encoder: any Encoder) throws {
        try JSONWritten.encode(self, to: encoder)
    }
}

/// A page of a list: `{items, nextCursor, total}`, and `totalEstimated: true` when the total
/// is an estimate (absent otherwise).
///
/// Its four members are written twice: by `JSONEncoder` for items that have no writer of their
/// own (history entries, suggestions: their encoding can fail, a score that is not a number,
/// which `writeJSON` cannot report), and by `writeJSON` for pages of customers and links, the
/// bulk of what the service sends. `WireEncodingTests` holds the two to the same bytes.
public struct WirePage<Item: Encodable & Sendable>: Encodable, Sendable {
    public var items: [Item]
    public var nextCursor: String?
    public var total: Int
    public var totalEstimated = false

    public init(items: [Item], nextCursor: String?, total: Int, totalEstimated: Bool = false) {
        self.items = items
        self.nextCursor = nextCursor
        self.total = total
        self.totalEstimated = totalEstimated
    }

    enum CodingKeys: String, CodingKey { case items, nextCursor, total, totalEstimated }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encodeOrNull(nextCursor, forKey: .nextCursor)
        try c.encode(total, forKey: .total)
        if totalEstimated { try c.encode(true, forKey: .totalEstimated) }
    }
}

extension WirePage {
    init<T>(_ page: Page<T>, _ transform: (T) -> Item) {
        items = page.items.map(transform)
        nextCursor = page.nextAfter.map(Cursor.encode)
        total = page.total
        totalEstimated = page.totalEstimated
    }
}

// The one writer of these objects (`JSONWritable`: a page of customers is most of what the
// service encodes), keys in sorted order; `WireEncodingTests` holds it to `JSONEncoder`'s bytes.

/// A `JSONWritable`'s text as the value of an `Encodable`, for a wire type inside a result
/// that `JSONEncoder` writes (a candidate's customer): one writer, whatever encodes the result.
enum JSONWritten {
    static func encode(_ value: some JSONWritable, to encoder: any Encoder) throws {
        var out = JSONOutput()
        value.writeJSON(to: &out)
        try JSONValue.parse(out.bytes).encode(to: encoder)
    }
}

extension WireCustomer: JSONWritable {
    public func writeJSON(to out: inout JSONOutput) {
        let f = customer.fields
        out.beginObject()
        out.key("address"); out.string(f.address)
        out.key("city"); out.string(f.city)
        out.key("contact"); out.string(f.contact)
        out.key("country"); out.string(f.country)
        out.key("cvr"); out.string(f.cvr)
        out.key("ean"); out.string(f.ean)
        out.key("email"); out.string(f.email)
        out.key("extra"); out.stringObject(customer.extra)
        out.key("id"); out.string(CustomerID.format(customer.id))
        out.key("linkId"); out.string(customer.linkId.map(LinkID.format))
        out.key("name"); out.string(f.name)
        out.key("number"); out.string(customer.number)
        out.key("phone"); out.string(f.phone)
        out.key("side"); out.string(customer.side.rawValue)
        out.key("state"); out.string(customer.state.rawValue)
        out.key("version"); out.int(customer.version)
        let warnings = customer.warnings
        if !warnings.isEmpty {
            out.key("warnings")
            out.beginArray()
            for warning in warnings {
                out.beginObject()
                out.key("field"); out.string(warning.field)
                out.key("message"); out.string(warning.message)
                out.endObject()
            }
            out.endArray()
        }
        out.key("zip"); out.string(f.zip)
        out.endObject()
    }
}

extension WireLink: JSONWritable {
    public func writeJSON(to out: inout JSONOutput) {
        out.beginObject()
        out.key("conflicts")
        out.beginArray()
        for conflict in link.conflicts {
            out.beginObject()
            out.key("base"); out.string(conflict.base ?? nil)
            out.key("field"); out.string(conflict.field.rawValue)
            out.key("local"); out.string(conflict.local)
            out.key("remote"); out.string(conflict.remote)
            out.endObject()
        }
        out.endArray()
        out.key("id"); out.string(LinkID.format(link.id))
        out.key("local")
        if let local = link.local { WireCustomer(local).writeJSON(to: &out) } else { out.null() }
        out.key("remote")
        if let remote = link.remote { WireCustomer(remote).writeJSON(to: &out) } else { out.null() }
        out.key("state"); out.string(link.state.rawValue)
        out.key("version"); out.int(link.version)
        out.endObject()
    }
}

extension WirePage: JSONWritable where Item: JSONWritable {
    public func writeJSON(to out: inout JSONOutput) {
        out.beginObject()
        out.key("items")
        out.beginArray()
        for item in items { item.writeJSON(to: &out) }
        out.endArray()
        out.key("nextCursor"); out.string(nextCursor)
        out.key("total"); out.int(total)
        if totalEstimated { out.key("totalEstimated"); out.bool(true) }
        out.endObject()
    }
}

extension KeyedEncodingContainer {
    mutating func encodeOrNull<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}

/// Opaque paging cursors: the position after which the next page starts.
enum Cursor {
    static func encode(_ after: Int64) -> String {
        Data("after:\(after)".utf8).base64EncodedString()
    }

    /// The position in a cursor; -32602 (path `cursor`) when it is not one of ours.
    static func decode(_ cursor: String?) throws -> Int64? {
        guard let cursor else { return nil }
        guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8),
              text.hasPrefix("after:"), let after = Int64(text.dropFirst(6)), after >= 0 else {
            throw RPCError.invalidParams("not a cursor this server gave out", path: "cursor")
        }
        return after
    }
}

/// Checks shared by the list methods.
enum Paging {
    static let defaultLimit = 50
    static let maximumLimit = 1000

    static func limit(_ value: Int?) throws -> Int {
        let limit = value ?? defaultLimit
        guard (1...maximumLimit).contains(limit) else {
            throw RPCError.invalidParams("limit must be between 1 and \(maximumLimit) (got \(limit))", path: "limit")
        }
        return limit
    }
}

/// Reading ids and field maps from params.
enum ParamsCheck {
    static func customerId(_ text: String) throws -> Int64 {
        guard let id = CustomerID.parse(text) else {
            throw SyncError(.notFound, "no customer with id \(text)", details: ["id": .string(text)])
        }
        return id
    }

    static func linkId(_ text: String) throws -> Int64 {
        guard let id = LinkID.parse(text) else {
            throw SyncError(.notFound, "no link with id \(text)", details: ["id": .string(text)])
        }
        return id
    }

    static func field(_ name: String, path: String) throws -> SyncField {
        guard let field = SyncField(rawValue: name) else {
            throw RPCError.invalidParams("'\(name)' is not a synced field (\(SyncField.allCases.map(\.rawValue).joined(separator: ", ")))", path: path)
        }
        return field
    }

    /// Field values a client sends (`fields`, `values`): known names, values cleaned and
    /// checked against CleanManager's rules; `null` or blank empties a field (not `name`).
    static func fieldValues(_ raw: [String: String?]?, path: String) throws -> [SyncField: String?] {
        guard let raw else { return [:] }
        var out: [SyncField: String?] = [:]
        for key in raw.keys.sorted() {
            let field = try field(key, path: "\(path).\(key)")
            var value = Normalize.clean(raw[key] ?? nil)
            if field == .country, let given = value { value = Country.normalize(given) }
            if let value, let problem = FieldRules.violation(field, value) {
                throw RPCError.invalidParams(problem, path: "\(path).\(key)")
            }
            if value == nil && field == .name {
                throw RPCError.invalidParams("name cannot be empty", path: "\(path).\(key)")
            }
            out[field] = value
        }
        return out
    }
}
