import GRDB
import SyncCore

/// Which way a keyset page runs through the ids.
enum KeysetOrder {
    /// Oldest first; the cursor is the last id seen and the next page holds greater ids.
    case ascending
    /// Newest first; the cursor is the last id seen and the next page holds smaller ids.
    case descending
}

extension Page {
    /// One page by keyset, the way every list of this service pages: the rows of `select`
    /// that meet every condition, ordered by `id`, past `cursor`, at most `limit` of them, with
    /// the count over all pages (`knownTotal` when the caller counted more cheaply).
    /// One row more than asked for is read to know whether another page follows.
    /// `reader` gets the page's statement once (to find its columns by name) and returns
    /// what turns each row into an item.
    static func fetch(_ db: Database, select: String, count: String, id: String, order: KeysetOrder = .ascending,
                      conditions: [String], arguments: StatementArguments, limit: Int, cursor: Int64?, knownTotal: Int? = nil,
                      reader: (Statement) throws -> (Row) throws -> Item, itemId: (Item) -> Int64) throws -> Page {
        func filtered(_ sql: String, _ conditions: [String]) -> String {
            conditions.isEmpty ? sql : sql + " WHERE " + conditions.joined(separator: " AND ")
        }
        let total = try knownTotal ?? Int.fetchOne(db, sql: filtered(count, conditions), arguments: arguments) ?? 0
        var pageConditions = conditions
        var pageArguments = arguments
        if let cursor {
            pageConditions.append(order == .ascending ? "\(id) > ?" : "\(id) < ?")
            pageArguments += [cursor]
        }
        pageArguments += [limit + 1]
        let sql = filtered(select, pageConditions) + " ORDER BY \(id)" + (order == .ascending ? "" : " DESC") + " LIMIT ?"
        let statement = try db.makeStatement(sql: sql)
        let item = try reader(statement)
        var items = try Row.fetchAll(statement, arguments: pageArguments).map(item)
        let more = items.count > limit
        if more { items.removeLast() }
        return Page(items: items, nextAfter: more ? items.last.map(itemId) : nil, total: total)
    }
}
