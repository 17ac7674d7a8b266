import Foundation
import GRDB
import Synchronization
import SyncCore

/// Where a statement's columns are, found by name once per statement; its rows are then read
/// by position. A SELECT that lists its columns in another order cannot shift a value into
/// the wrong field, and one that lacks a column (an eleventh synced field nobody added to the
/// query) fails the first time it runs instead of reading its neighbour.
///
/// Resolved per statement rather than per value: GRDB's `row["name"]` looks the name up on
/// every access (a lower-cased copy and a hash), which on a 1000-row page of 18 columns, or
/// on every customer the match index reads, is work done again for nothing.
extension Statement {
    /// The position of the selected column `name`; a database error if it is not selected.
    func position(of name: String) throws -> Int {
        guard let index = index(ofColumn: name) else {
            throw DatabaseError(message: "column \(name) is not selected by: \(sql)")
        }
        return index
    }
}

/// The synced field columns of a statement, by name (`SyncField.rawValue` is the column).
struct FieldColumns {
    private let positions: [Int]

    init(_ statement: Statement) throws {
        positions = try SyncField.allCases.map { try statement.position(of: $0.rawValue) }
    }

    func fields(_ row: Row) -> CustomerFields {
        var fields = CustomerFields()
        for (field, position) in zip(SyncField.allCases, positions) { fields[field] = row[position] }
        return fields
    }
}

/// A customer as `CustomerSQL.select` reads it (customer columns, its link's id and state).
struct CustomerColumns {
    private let id, side, number, extra, excluded, version, linkId, linkState: Int
    private let fields: FieldColumns

    init(_ statement: Statement) throws {
        id = try statement.position(of: "id")
        side = try statement.position(of: "side")
        number = try statement.position(of: "number")
        extra = try statement.position(of: "extra")
        excluded = try statement.position(of: "excluded")
        version = try statement.position(of: "version")
        linkId = try statement.position(of: "linkId")
        linkState = try statement.position(of: "linkState")
        fields = try FieldColumns(statement)
    }

    /// The layout of a statement, found once per SQL text (the same text selects the same
    /// columns): a single-customer lookup, run once per link on a page of links or per pair an
    /// accept links, does not look up 18 names every time.
    static func of(_ statement: Statement) throws -> CustomerColumns {
        if let known = cache.withLock({ $0[statement.sql] }) { return known }
        let columns = try CustomerColumns(statement)
        cache.withLock { $0[statement.sql] = columns }
        return columns
    }

    private static let cache = Mutex<[String: CustomerColumns]>([:])

    func customer(_ row: Row) -> Customer {
        let linkId: Int64? = row[self.linkId]
        let state: CustomerState
        if let linkState = row[self.linkState] as String? {
            state = CustomerState(rawValue: linkState) ?? .conflict
        } else {
            state = (row[excluded] as Bool) ? .excluded : .unsynced
        }
        return Customer(
            id: row[id], side: Side(rawValue: row[side]) ?? .local, number: row[number], fields: fields.fields(row),
            extra: CustomerSQL.decodeExtra(row[extra]), state: state, linkId: linkId, version: row[version]
        )
    }
}
