/// An RFC 4180 reader for CSV as Danish users produce it: `;`, `,` or tab delimiter (detected
/// from the header line), CRLF, LF or CR line ends, quoted fields with delimiters, doubled
/// quotes and line breaks inside. A first line `sep=;` (the hint Excel writes and reads) names
/// the delimiter and is not a record. Works on UTF-8 bytes (see `TextDecoding`).
public struct CSVReader {
    public let bytes: [UInt8]
    public let delimiter: UInt8
    /// Where the first record starts: after a `sep=` line, if there is one.
    let start: Int
    /// The longest cell (UTF-8 bytes) and the most cells of a record that are read; past
    /// either, `forEachRecord` throws before it builds the cell.
    public var limits: ImportLimits

    /// A cell or a record past `limits`.
    public struct Failure: Error, Sendable {
        public var line: Int
        public var message: String
    }

    public init(utf8 bytes: [UInt8], delimiter: UInt8? = nil, limits: ImportLimits = .standard) {
        self.bytes = bytes
        self.limits = limits
        if let (hinted, end) = Self.separatorHint(bytes) {
            self.delimiter = delimiter ?? hinted
            self.start = end
        } else {
            self.delimiter = delimiter ?? Self.detectDelimiter(bytes)
            self.start = 0
        }
    }

    /// `sep=X` alone on the first line (any case, X one ASCII character, optionally
    /// quoted as `"sep=X"`): X and the offset just past the line's end.
    static func separatorHint(_ bytes: [UInt8]) -> (UInt8, Int)? {
        var i = 0
        let quoted = bytes.first == UInt8(ascii: "\"")
        if quoted { i = 1 }
        guard bytes.count >= i + 5,
              bytes[i..<i + 4].map({ $0 | 0x20 }) == Array("sep=".utf8) else { return nil }
        let separator = bytes[i + 4]
        guard separator < 0x80, separator != 0x0A, separator != 0x0D else { return nil }
        i += 5
        if quoted {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
            i += 1
        }
        if i == bytes.count { return (separator, i) }
        if bytes[i] == 0x0D { i += 1; if i < bytes.count && bytes[i] == 0x0A { i += 1 }; return (separator, i) }
        if bytes[i] == 0x0A { return (separator, i + 1) }
        return nil
    }

    /// The delimiter that a line holds most of, outside quotes, among the first 10 lines (so a
    /// title line above the header does not decide it); `;` on a tie or when there is none.
    public static func detectDelimiter(_ bytes: [UInt8]) -> UInt8 {
        let candidates = [UInt8(ascii: ";"), UInt8(ascii: ","), UInt8(ascii: "\t")]
        var best = [0, 0, 0]
        var line = [0, 0, 0]
        var lines = 0
        var inQuotes = false
        var previous: UInt8 = 0
        for b in bytes {
            if b == UInt8(ascii: "\"") { inQuotes.toggle() }
            if inQuotes { continue }
            if b == 0x0A || b == 0x0D {
                if !(b == 0x0A && previous == 0x0D) {
                    for k in 0..<3 { best[k] = max(best[k], line[k]) }
                    line = [0, 0, 0]
                    lines += 1
                    if lines == 10 { break }
                }
            } else if let k = candidates.firstIndex(of: b) {
                line[k] += 1
            }
            previous = b
        }
        for k in 0..<3 { best[k] = max(best[k], line[k]) }
        let top = best.max()!
        return top > 0 ? candidates[best.firstIndex(of: top)!] : UInt8(ascii: ";")
    }

    /// Calls `body` once per record with its physical 1-based start line and its cells.
    /// A record that holds only one empty cell (a blank line) is skipped. A cell longer than
    /// `limits.cellBytes`, a record of more than `limits.columns` cells, or more records than
    /// a header and `limits.rows` is a `Failure`.
    public func forEachRecord(_ body: (_ line: Int, _ cells: [String]) throws -> Void) throws {
        try forEachRawRecord { line, record in try body(line, record.strings()) }
    }

    /// A record's cells as bytes, valid only inside the `forEachRawRecord` call that hands it
    /// over: an unquoted cell is a slice of the file, a quoted one its unescaped copy. What a
    /// re-import needs of a row it has seen before (its digest and number) is read from here
    /// without a `String` a cell.
    public struct RawRecord {
        let file: UnsafeBufferPointer<UInt8>
        /// Unescaped quoted cells, end to end.
        let scratch: UnsafeBufferPointer<UInt8>
        /// Per cell: start and end in `file`, or in `scratch` when `inScratch`.
        let spans: UnsafeBufferPointer<(start: Int, end: Int, inScratch: Bool)>

        public var count: Int { spans.count }

        /// Cell `index`'s bytes (UTF-8, as the file holds the value).
        public subscript(index: Int) -> UnsafeBufferPointer<UInt8> {
            let span = spans[index]
            return UnsafeBufferPointer(rebasing: (span.inScratch ? scratch : file)[span.start..<span.end])
        }

        /// Cell `index` as text.
        public func string(_ index: Int) -> String { String(decoding: self[index], as: UTF8.self) }

        /// Every cell as text.
        public func strings() -> [String] { (0..<count).map(string) }
    }

    /// `forEachRecord`, with each record's cells as bytes (`RawRecord`): the one parser both
    /// run on.
    public func forEachRawRecord(_ body: (_ line: Int, _ record: RawRecord) throws -> Void) throws {
        let maxCell = limits.cellBytes, maxCells = limits.columns
        var records = 0
        func cellTooLong(_ line: Int) -> Failure { Failure(line: line, message: limits.cellTooLong("a cell on line \(line)")) }
        try bytes.withUnsafeBufferPointer { buf in
            let n = buf.count
            var i = start
            var line = start > 0 ? 2 : 1
            var spans: [(start: Int, end: Int, inScratch: Bool)] = []
            spans.reserveCapacity(16)
            var scratch: [UInt8] = []
            while i < n {
                let recordLine = line
                spans.removeAll(keepingCapacity: true)
                scratch.removeAll(keepingCapacity: true)
                var endOfRecord = false
                while !endOfRecord {
                    if i < n && buf[i] == UInt8(ascii: "\"") {
                        // Quoted field.
                        let quoteLine = line
                        // A quote that is never closed would make the rest of the file one
                        // cell, and its customers vanish: the file is refused, naming the line
                        // where the quote opened (as pandas does: "EOF inside string").
                        func unclosed() -> Failure {
                            Failure(line: quoteLine, message: "the quote that opens a value on line \(quoteLine) is never closed, so the rest of the file would be one value: close it (\"\") or remove it")
                        }
                        i += 1
                        let cellStart = scratch.count
                        var closed = false
                        while i < n {
                            let b = buf[i]
                            if b == UInt8(ascii: "\"") {
                                if i + 1 < n && buf[i + 1] == UInt8(ascii: "\"") {
                                    scratch.append(b)
                                    i += 2
                                    continue
                                }
                                i += 1
                                closed = true
                                break
                            }
                            if b == 0x0A || (b == 0x0D && !(i + 1 < n && buf[i + 1] == 0x0A)) { line += 1 }
                            scratch.append(b)
                            if scratch.count - cellStart > maxCell {
                                // Too long, or never closed: the second is the one to tell.
                                throw buf[i...].contains(UInt8(ascii: "\"")) ? cellTooLong(recordLine) : unclosed()
                            }
                            i += 1
                        }
                        if !closed { throw unclosed() }
                        // Anything between the closing quote and the delimiter is kept (lenient).
                        let tailStart = i
                        while i < n && buf[i] != delimiter && buf[i] != 0x0A && buf[i] != 0x0D { i += 1 }
                        if scratch.count - cellStart + (i - tailStart) > maxCell { throw cellTooLong(recordLine) }
                        if i > tailStart { scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buf[tailStart..<i])) }
                        spans.append((cellStart, scratch.count, true))
                    } else {
                        let start = i
                        while i < n && buf[i] != delimiter && buf[i] != 0x0A && buf[i] != 0x0D { i += 1 }
                        if i - start > maxCell { throw cellTooLong(recordLine) }
                        spans.append((start, i, false))
                    }
                    if spans.count > maxCells {
                        throw Failure(line: recordLine, message: limits.beyondLastColumn("a value on line \(recordLine)"))
                    }
                    if i >= n {
                        endOfRecord = true
                    } else if buf[i] == delimiter {
                        i += 1
                        if i >= n { spans.append((i, i, false)); endOfRecord = true }
                    } else {
                        // CR, LF or CRLF ends the record.
                        if buf[i] == 0x0D && i + 1 < n && buf[i + 1] == 0x0A { i += 1 }
                        i += 1
                        line += 1
                        endOfRecord = true
                    }
                }
                if spans.count == 1 && spans[0].start == spans[0].end { continue }
                records += 1
                guard records <= limits.rows + 1 else { throw Failure(line: recordLine, message: limits.tooManyRows) }
                try scratch.withUnsafeBufferPointer { scratch in
                    try spans.withUnsafeBufferPointer { spans in
                        try body(recordLine, RawRecord(file: buf, scratch: scratch, spans: spans))
                    }
                }
            }
        }
    }
}
