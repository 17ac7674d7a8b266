import GRDB
import GRDBSQLite
import SyncCore

/// The text `listUnsynced`'s `query` is matched in, computed from a customer's columns when
/// asked (never stored: it was 110 bytes of every customer's row, a quarter of the database).
///
/// The number, name, address, ZIP code, city, e-mail, phone and CVR, each folded as matching
/// folds text (`Fold`: case, æ/ae, ø/oe, å/aa, accents, punctuation to single spaces; symbols
/// such as € kept), then the phone's and CVR's digits alone; joined by U+0001 so a query never
/// matches across two of them (no separator before the first part that is not empty).
///
/// SQL reads it as `search_key(number, name, address, zip, city, email, phone, cvr)`, a
/// function every connection registers (`register`): the search index's triggers and
/// catch-up feed it to FTS5, and a query checks its candidates with `instr` on it. The search
/// index holds trigrams of the keys as they were computed, and FTS5 needs the same key again
/// to take a customer out, so the index records `signature` (the keys of a fixed sample) and
/// is rebuilt when the code folds differently (`SearchIndex.checkSignature`).
enum SearchKey {
    static let columns = "number, name, address, zip, city, email, phone, cvr"

    /// The same columns of the customer aliased `c` in a query.
    static let columnsOfC = "c.number, c.name, c.address, c.zip, c.city, c.email, c.phone, c.cvr"

    /// The key of the customer aliased `c` in a query.
    static let ofC = "search_key(\(columnsOfC))"

    /// Whether the key of customer `c` holds one of two terms (each a `?`; the second may be NULL).
    static let holdsInC = "search_holds(?, ?, \(columnsOfC))"

    /// The key of the eight parts (UTF-8, nil for a null column), appended to `out`.
    static func append(_ parts: [UnsafeBufferPointer<UInt8>?], to out: inout [UInt8]) {
        precondition(parts.count == 8)
        for part in parts {
            if !out.isEmpty { out.append(0x01) }
            if let part { Fold.append(utf8: part, to: &out, keepingSymbols: true) }
        }
        // The phone's digits, without a Danish country code: "+45 86 12 34 56" is "86123456".
        if !out.isEmpty { out.append(0x01) }
        if let phone = parts[6] {
            let start = out.count
            var lead = true, plus = false
            for b in phone {
                if b >= 0x30 && b <= 0x39 {
                    lead = false
                    out.append(b)
                } else if lead && b == UInt8(ascii: "+") {
                    plus = true
                }
            }
            let digits = out[start...]
            if plus && digits.starts(with: [0x34, 0x35]) {
                out.removeSubrange(start..<start + 2)
            } else if digits.starts(with: [0x30, 0x30, 0x34, 0x35]) {
                out.removeSubrange(start..<start + 4)
            }
        }
        if !out.isEmpty { out.append(0x01) }
        if let cvr = parts[7] {
            for b in cvr where b >= 0x30 && b <= 0x39 { out.append(b) }
        }
    }

    /// The key of customer fields, as `search_key` computes it in SQL.
    static func of(_ values: [String?]) -> String {
        let storage = values.map { $0.map { Array($0.utf8) } }
        var out: [UInt8] = []
        out.reserveCapacity(160)
        func withParts(_ i: Int, _ parts: [UnsafeBufferPointer<UInt8>?]) {
            guard i < storage.count else { return append(parts, to: &out) }
            guard storage[i] != nil else { return withParts(i + 1, parts + [nil]) }
            storage[i]!.withUnsafeBufferPointer { withParts(i + 1, parts + [$0]) }
        }
        withParts(0, [])
        return String(decoding: out, as: UTF8.self)
    }

    /// SQLite copies the bytes (SQLITE_TRANSIENT).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// The UTF-8 bytes of an SQL value, nil for NULL. Text first, then its length in bytes:
    /// the order SQLite documents as safe.
    private static func bytes(_ value: OpaquePointer?) -> UnsafeBufferPointer<UInt8>? {
        guard let value, sqlite3_value_type(value) != SQLITE_NULL else { return nil }
        let text = sqlite3_value_text(value)
        let length = Int(sqlite3_value_bytes(value))
        return UnsafeBufferPointer(start: text, count: text == nil ? 0 : length)
    }

    /// The key of the eight values from `first` on.
    private static func key(_ values: UnsafeMutablePointer<OpaquePointer?>, from first: Int) -> [UInt8] {
        var parts: [UnsafeBufferPointer<UInt8>?] = []
        parts.reserveCapacity(8)
        for i in first..<first + 8 { parts.append(bytes(values[i])) }
        var out: [UInt8] = []
        out.reserveCapacity(192)
        append(parts, to: &out)
        return out
    }

    /// `search_key(number, name, address, zip, city, email, phone, cvr)` for SQLite, through
    /// the C API: GRDB's `DatabaseFunction` made a String of each of the eight values.
    private static let keyFunction: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, _, values in
        let out = key(values!, from: 0)
        out.withUnsafeBufferPointer { bytes in
            // An empty buffer may have no address; a null pointer would be SQL NULL, not ''.
            let pointer = UnsafeRawPointer(bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self)
            sqlite3_result_text(context, pointer, Int32(bytes.count), transient)
        }
    }

    /// `search_holds(term, otherTerm, number, name, address, zip, city, email, phone, cvr)`:
    /// 1 when the customer's key holds `term` or `otherTerm` (NULL: none), as `instr` finds
    /// it. A query checks each candidate with it: the key computed once for both terms,
    /// and never handed to SQLite as text.
    private static let holdsFunction: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, _, values in
        let out = key(values!, from: 2)
        let holds = out.withUnsafeBufferPointer { key in
            [bytes(values![0]), bytes(values![1])].contains { term in term.map { contains(key, $0) } ?? false }
        }
        sqlite3_result_int(context, holds ? 1 : 0)
    }

    /// Whether `needle` occurs in `haystack` (an empty one does, as for `instr`).
    static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = needle.first else { return true }
        guard needle.count <= haystack.count else { return false }
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    /// Registers `search_key` and `search_holds` on a connection (again is harmless: they
    /// replace themselves).
    static func register(_ db: Database) throws {
        // Deterministic, and innocuous (no side effects), so triggers may call them whatever
        // `trusted_schema` says.
        let flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS
        for (name, count, function) in [("search_key", Int32(8), keyFunction), ("search_holds", 10, holdsFunction)] {
            let code = sqlite3_create_function_v2(db.sqliteConnection, name, count, flags, nil, function, nil, nil, nil)
            guard code == SQLITE_OK else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot register \(name)")
            }
        }
    }
}
