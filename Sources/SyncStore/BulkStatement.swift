import GRDB
import GRDBSQLite

/// A prepared statement driven straight through the SQLite C API, for the bulk paths
/// (import, create-all) that run it once per row.
///
/// Written by hand because GRDB's `StatementArguments` (an array of existentials, checked
/// and converted per call) was a quarter of the write time of a 100,000-row import, more than
/// SQLite itself (measured with perf and customer-sync-bench workflow). Everything else uses
/// GRDB as usual; this runs inside GRDB's transaction on GRDB's connection.
struct BulkStatement {
    let statement: Statement
    let db: Database
    private var index: Int32 = 0

    init(_ db: Database, sql: String) throws {
        self.db = db
        statement = try db.makeStatement(sql: sql)
    }

    /// SQLite copies the bytes (SQLITE_TRANSIENT).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    mutating func bind(_ value: String?) {
        index += 1
        guard var value else {
            sqlite3_bind_null(statement.sqliteStatement, index)
            return
        }
        let statement = self.statement.sqliteStatement
        let index = self.index
        value.withUTF8 { bytes in
            // An empty buffer may have no address; SQLite needs a non-null pointer for ''.
            let pointer = UnsafeRawPointer(bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self)
            _ = sqlite3_bind_text(statement, index, pointer, Int32(bytes.count), Self.transient)
        }
    }

    mutating func bind(_ value: Int64) {
        index += 1
        sqlite3_bind_int64(statement.sqliteStatement, index, value)
    }

    mutating func bind(_ value: Int64?) {
        guard let value else {
            index += 1
            sqlite3_bind_null(statement.sqliteStatement, index)
            return
        }
        bind(value)
    }

    /// A row of a query, read column by column (0-based, in the statement's order).
    struct Columns {
        let statement: SQLiteStatement

        func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

        func text(_ column: Int32) -> String? {
            guard let text = sqlite3_column_text(statement, column) else { return nil }
            return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column))), as: UTF8.self)
        }
    }

    /// Runs a query with the values bound since the last run, calling `body` with each row,
    /// then resets it. For a read of every customer of a side, where GRDB's `Row` a row was
    /// most of the time.
    mutating func forEachRow(_ body: (Columns) throws -> Void) throws {
        defer {
            sqlite3_reset(statement.sqliteStatement)
            index = 0
        }
        let columns = Columns(statement: statement.sqliteStatement)
        while true {
            let code = sqlite3_step(statement.sqliteStatement)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
            }
            try body(columns)
        }
    }

    /// Runs the statement with the values bound since the last run, then resets it.
    mutating func run() throws {
        defer {
            // Every run binds every parameter, so the bindings need no clearing.
            sqlite3_reset(statement.sqliteStatement)
            index = 0
        }
        let code = sqlite3_step(statement.sqliteStatement)
        guard code == SQLITE_DONE || code == SQLITE_ROW else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
        }
    }
}
