import GRDB
import GRDBSQLite
#if canImport(Glibc)
import Glibc
#endif
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
/// catch-up feed it to FTS5. A query checks its candidates with `search_holds`, which looks
/// for the query in the key's pieces without putting the key together. The search
/// index holds trigrams of the keys as they were computed, and FTS5 needs the same key again
/// to take a customer out, so the index records `signature` (the keys of a fixed sample) and
/// is rebuilt when the code folds differently (`SearchIndex.checkSignature`).
enum SearchKey {
    /// The columns a key is made of, in its order.
    static let columnNames = ["number", "name", "address", "zip", "city", "email", "phone", "cvr"]
    static let columns = columnNames.joined(separator: ", ")

    /// The same columns of the customer aliased `c` in a query.
    static let columnsOfC = columnNames.map { "c." + $0 }.joined(separator: ", ")

    /// The key of the customer aliased `c` in a query.
    static let ofC = "search_key(\(columnsOfC))"

    /// Whether the key of customer `c` holds one of two terms (each a `?`; the second may be NULL).
    static let holdsInC = "search_holds(?, ?, \(columnsOfC))"

    /// The key of the eight parts (`part(i)`: UTF-8, nil for a null column), into `out`
    /// (emptied first): the ten pieces of `appendPiece`, a separator before each but the
    /// first that follows nothing.
    @inline(__always)
    static func make(into out: inout [UInt8], _ part: (Int) -> UnsafeBufferPointer<UInt8>?) {
        out.removeAll(keepingCapacity: true)
        for piece in 0..<10 {
            if !out.isEmpty { out.append(0x01) }
            if let raw = part(piece < 8 ? piece : piece - 2) { appendPiece(piece, of: raw, to: &out) }
        }
    }

    /// Piece `piece` of a key from its column's bytes: 0...7 the eight columns folded, 8 the
    /// phone's digits without a Danish country code ("+45 86 12 34 56" is "86123456"), 9 the
    /// CVR's digits.
    @inline(__always)
    static func appendPiece(_ piece: Int, of raw: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        switch piece {
        case 8:
            Normalize.appendPhoneDigits(utf8: raw, to: &out)
        case 9:
            for b in raw where b >= 0x30 && b <= 0x39 { out.append(b) }
        default:
            Fold.append(utf8: raw, to: &out, keepingSymbols: true)
        }
    }

    /// The key of customer fields, as `search_key` computes it in SQL.
    static func of(_ values: [String?]) -> String {
        precondition(values.count == 8)
        // The values' bytes one after another, each part a range of them.
        var joined: [UInt8] = []
        let ranges = values.map { value in value.map { text -> Range<Int> in
            let start = joined.count
            joined += text.utf8
            return start..<joined.count
        } }
        var out: [UInt8] = []
        joined.withUnsafeBufferPointer { all in
            make(into: &out) { i in ranges[i].map { UnsafeBufferPointer(rebasing: all[$0]) } }
        }
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

    /// A connection's buffer for the keys its functions make (a connection runs one statement
    /// at a time, on one thread): an array a call was a tenth of a query's check.
    final class Scratch {
        var bytes: [UInt8] = []
        init() { bytes.reserveCapacity(256) }
    }

    /// The key of the eight values from `first` on, into the connection's scratch buffer.
    @inline(__always)
    private static func key(_ context: OpaquePointer?, _ values: UnsafeMutablePointer<OpaquePointer?>, from first: Int,
                            _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        let scratch = Unmanaged<Scratch>.fromOpaque(sqlite3_user_data(context)!).takeUnretainedValue()
        make(into: &scratch.bytes) { bytes(values[first + $0]) }
        scratch.bytes.withUnsafeBufferPointer(body)
    }

    /// `search_key(number, name, address, zip, city, email, phone, cvr)` for SQLite, through
    /// the C API: GRDB's `DatabaseFunction` made a String of each of the eight values.
    private static let keyFunction: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, _, values in
        key(context, values!, from: 0) { bytes in
            // An empty buffer may have no address; a null pointer would be SQL NULL, not ''.
            let pointer = UnsafeRawPointer(bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self)
            sqlite3_result_text(context, pointer, Int32(bytes.count), transient)
        }
    }

    /// `search_holds(term, otherTerm, number, name, address, zip, city, email, phone, cvr)`:
    /// 1 when the customer's key holds `term` or `otherTerm` (NULL: none), as `instr` finds
    /// it. A query checks each candidate with it, so it does the least it can: a term (folded,
    /// so without U+0001) lies within one piece of the key, so the pieces are folded and looked
    /// in one at a time, and a piece that cannot hold a term (`mayHold`) is not folded at all.
    private static let holdsFunction: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, _, values in
        let values = values!
        let scratch = Unmanaged<Scratch>.fromOpaque(sqlite3_user_data(context)!).takeUnretainedValue()
        let first = bytes(values[0]), second = bytes(values[1])
        // An empty term is in every key, as `instr` has it.
        if first?.isEmpty == true || second?.isEmpty == true {
            sqlite3_result_int(context, 1)
            return
        }
        // A term with U+0001 (never a folded query's) may span pieces: the whole key then.
        if [first, second].contains(where: { $0.map { memchr($0.baseAddress!, 1, $0.count) != nil } ?? false }) {
            var holds = false
            key(context, values, from: 2) { whole in
                holds = first.map { contains(whole, $0) } ?? false || second.map { contains(whole, $0) } ?? false
            }
            sqlite3_result_int(context, holds ? 1 : 0)
            return
        }
        let anchors = (first.map(anchor) ?? nil, second.map(anchor) ?? nil)
        var holds = false
        for piece in 0..<10 where !holds {
            guard let raw = bytes(values[2 + (piece < 8 ? piece : piece - 2)]) else { continue }
            let firstMay = first != nil && mayHold(raw, anchors.0), secondMay = second != nil && mayHold(raw, anchors.1)
            guard firstMay || secondMay else { continue }
            scratch.bytes.removeAll(keepingCapacity: true)
            appendPiece(piece, of: raw, to: &scratch.bytes)
            holds = scratch.bytes.withUnsafeBufferPointer { folded in
                (firstMay && contains(folded, first!)) || (secondMay && contains(folded, second!))
            }
        }
        sqlite3_result_int(context, holds ? 1 : 0)
    }

    /// A byte of a folded term that folding makes only from itself (or its capital): a digit,
    /// a letter that no Latin-1 letter folds to (not a, c, e, i, n, o, s, u, y), or one of
    /// the kept ASCII symbols. Nil when the term has none (then every piece may hold it).
    static func anchor(_ term: UnsafeBufferPointer<UInt8>) -> UInt8? {
        term.first { b in
            switch b {
            case 0x30...0x39, 0x24, 0x2B, 0x3C, 0x3D, 0x3E, 0x7C, 0x7E: true
            case UInt8(ascii: "a"), UInt8(ascii: "c"), UInt8(ascii: "e"), UInt8(ascii: "i"), UInt8(ascii: "n"),
                 UInt8(ascii: "o"), UInt8(ascii: "s"), UInt8(ascii: "u"), UInt8(ascii: "y"): false
            case 0x61...0x7A: true
            default: false
            }
        }
    }

    /// Whether a column's raw bytes may fold to text holding a term with `anchor`: yes unless
    /// the bytes are ASCII (whose fold makes the anchor only from itself or its capital) and
    /// hold neither. Text beyond ASCII may fold to it from elsewhere ("Ｊ" is "j").
    @inline(__always)
    static func mayHold(_ raw: UnsafeBufferPointer<UInt8>, _ anchor: UInt8?) -> Bool {
        guard let anchor, let base = raw.baseAddress, raw.count > 0 else { return anchor == nil }
        if memchr(base, Int32(anchor), raw.count) != nil { return true }
        if anchor >= 0x61 && anchor <= 0x7A && memchr(base, Int32(anchor - 0x20), raw.count) != nil { return true }
        return !isASCII(raw)
    }

    /// Whether every byte is below 0x80, eight at a time.
    @inline(__always)
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = bytes.count
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n {
                if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
                i += 8
            }
        }
        while i < n {
            if bytes[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }

    /// Whether `needle` occurs in `haystack` (an empty one does, as for `instr`).
    static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = needle.first, let needleBase = needle.baseAddress else { return true }
        guard needle.count <= haystack.count, let base = haystack.baseAddress else { return false }
        // memchr to each place the first byte is, then memcmp: both vectorised in the C library.
        var at = UnsafeRawPointer(base)
        let end = UnsafeRawPointer(base + haystack.count - needle.count + 1)
        while at < end, let found = memchr(at, Int32(first), end - at) {
            if memcmp(found, needleBase, needle.count) == 0 { return true }
            at = UnsafeRawPointer(found) + 1
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
            // Each function holds a scratch buffer of its own, released with the connection.
            let scratch = Unmanaged.passRetained(Scratch()).toOpaque()
            let code = sqlite3_create_function_v2(db.sqliteConnection, name, count, flags, scratch, function, nil, nil) { pointer in
                if let pointer { Unmanaged<Scratch>.fromOpaque(pointer).release() }
            }
            guard code == SQLITE_OK else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot register \(name)")
            }
        }
    }
}
