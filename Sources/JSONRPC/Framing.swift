/// How messages are delimited on the byte stream.
public enum Framing: String, Sendable, CaseIterable {
    /// One JSON text per line (`\n`, optionally preceded by `\r`).
    case ndjson
    /// LSP-style `Content-Length: N\r\n\r\n` followed by N bytes of body.
    case contentLength = "content-length"

    /// The frame around one outgoing body.
    public func frame(_ body: [UInt8]) -> [UInt8] {
        switch self {
        case .ndjson:
            return body + [0x0A]
        case .contentLength:
            return Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
        }
    }

    /// Appends one framed body to `out`.
    public func append(_ body: [UInt8], to out: inout [UInt8]) {
        switch self {
        case .ndjson:
            out.append(contentsOf: body)
            out.append(0x0A)
        case .contentLength:
            out.append(contentsOf: "Content-Length: \(body.count)\r\n\r\n".utf8)
            out.append(contentsOf: body)
        }
    }
}

/// Which framing the reader accepts: one fixed, or detected per message from its first byte.
public enum FramingMode: String, Sendable, CaseIterable {
    /// `{` or `[` (or anything else) starts a line; `C`/`c` starts a header block.
    case auto
    case ndjson
    case contentLength = "content-length"
}

/// What the framing parser found on the stream.
public enum Frame: Equatable, Sendable {
    /// A complete message body, and the framing it came in (the reply uses the same).
    case message([UInt8], Framing)
    /// A message larger than the limit; its bytes were discarded as they streamed past (a line
    /// is reported when it ends, a body as soon as its header announces it).
    case tooLarge(size: Int, limit: Int, Framing)
    /// A header block that cannot be read (no `Content-Length`, a bad value, a line without `:`,
    /// or more than 8 KiB of headers). The reader skips to the next `Content-Length` header.
    case invalidHeader(String)
}

/// A pure, incremental, byte-level framing parser: feed it bytes as they arrive, in chunks of
/// any size (one byte at a time included), and take complete frames out with `next()`.
///
/// It never buffers more than the message limit plus one read: an oversize line or body is
/// reported once and then discarded as it streams past.
public struct FrameParser: Sendable {
    public let mode: FramingMode
    public let maxMessageBytes: Int
    /// Header blocks larger than this are rejected.
    public static let maxHeaderBytes = 8 * 1024

    enum State: Equatable, Sendable {
        /// Between messages: skipping whitespace, then choosing the framing.
        case start
        /// Inside a line; `scanned` bytes after `start` hold no newline.
        case line(scanned: Int)
        /// An oversize line: dropping bytes up to and including the next newline, counting them.
        case discardLine(discarded: Int)
        /// Inside a header block; `scanned` bytes after `start` are known not to end it.
        case headers(scanned: Int)
        /// Waiting for a body of `length` bytes.
        case body(length: Int)
        /// Dropping the rest of an oversize body.
        case discardBody(remaining: Int)
        /// After an unreadable header block: skipping to the next `Content-Length` header.
        case resync
    }

    var buffer: [UInt8] = []
    /// Index of the first unconsumed byte in `buffer`.
    var start = 0
    var state: State = .start

    public init(mode: FramingMode = .auto, maxMessageBytes: Int = 64 << 20) {
        self.mode = mode
        self.maxMessageBytes = maxMessageBytes
    }

    /// The number of bytes held that are not yet part of a returned frame.
    public var bufferedByteCount: Int { buffer.count - start }

    /// The bytes received and not yet taken as frames (what a client reads after the end).
    public var bufferedBytes: ArraySlice<UInt8> { buffer[start...] }

    /// Adds bytes read from the stream.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfWorthIt()
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        compactIfWorthIt()
        buffer.append(contentsOf: bytes)
    }

    mutating func compactIfWorthIt() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start >= 4096 && start * 2 >= buffer.count {
            buffer.removeSubrange(0..<start)
            start = 0
        }
    }

    /// The next complete frame, or nil when more bytes are needed.
    public mutating func next() -> Frame? {
        while true {
            switch state {
            case .start:
                while start < buffer.count, Self.isWhitespace(buffer[start]) { start += 1 }
                guard start < buffer.count else { return nil }
                switch mode {
                case .ndjson: state = .line(scanned: 0)
                case .contentLength: state = .headers(scanned: 0)
                case .auto:
                    var b = buffer[start]
                    // Look past a UTF-8 byte order mark to choose the framing.
                    if b == 0xEF && start + 3 < buffer.count && buffer[start + 1] == 0xBB && buffer[start + 2] == 0xBF { b = buffer[start + 3] }
                    state = (b == UInt8(ascii: "C") || b == UInt8(ascii: "c")) ? .headers(scanned: 0) : .line(scanned: 0)
                }

            case .line(let scanned):
                let from = start + scanned
                if let newline = buffer[from...].firstIndex(of: 0x0A) {
                    var end = newline
                    if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                    let length = end - start
                    let body = Array(buffer[start..<end])
                    start = newline + 1
                    state = .start
                    if length > maxMessageBytes {
                        return .tooLarge(size: length, limit: maxMessageBytes, .ndjson)
                    }
                    return .message(body, .ndjson)
                }
                let held = buffer.count - start
                if held > maxMessageBytes {
                    // Too large already: stop holding it; report once the line ends.
                    start = buffer.count
                    state = .discardLine(discarded: held)
                    return nil
                }
                state = .line(scanned: held)
                return nil

            case .discardLine(let discarded):
                if let newline = buffer[start...].firstIndex(of: 0x0A) {
                    var size = discarded + (newline - start)
                    if newline > start ? buffer[newline - 1] == 0x0D : false { size -= 1 }
                    start = newline + 1
                    state = .start
                    return .tooLarge(size: size, limit: maxMessageBytes, .ndjson)
                }
                state = .discardLine(discarded: discarded + buffer.count - start)
                start = buffer.count
                return nil

            case .headers(let scanned):
                guard let (headerEnd, bodyStart) = findHeaderEnd(from: start + max(0, scanned - 3)) else {
                    let held = buffer.count - start
                    if held > Self.maxHeaderBytes {
                        start = buffer.count
                        state = .resync
                        return .invalidHeader("header block longer than \(Self.maxHeaderBytes) bytes")
                    }
                    state = .headers(scanned: held)
                    return nil
                }
                let header = buffer[start..<headerEnd]
                start = bodyStart
                switch Self.contentLength(in: header) {
                case .failure(let reason):
                    state = .resync
                    return .invalidHeader(reason.reason)
                case .success(let length):
                    if length > maxMessageBytes {
                        state = .discardBody(remaining: length)
                        return .tooLarge(size: length, limit: maxMessageBytes, .contentLength)
                    }
                    state = .body(length: length)
                }

            case .body(let length):
                guard buffer.count - start >= length else { return nil }
                let body = Array(buffer[start..<start + length])
                start += length
                state = .start
                return .message(body, .contentLength)

            case .discardBody(let remaining):
                let available = buffer.count - start
                if available >= remaining {
                    start += remaining
                    state = .start
                } else {
                    start = buffer.count
                    state = .discardBody(remaining: remaining - available)
                    return nil
                }

            case .resync:
                if let found = findContentLengthHeader() {
                    start = found
                    state = .headers(scanned: 0)
                } else {
                    // Keep the last few bytes: the header name may be split across reads.
                    start = max(start, buffer.count - 15)
                    return nil
                }
            }
        }
    }

    static func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    /// Finds the blank line that ends a header block (`\r\n\r\n`, or `\n\n` from lenient
    /// writers); returns where the headers end and where the body starts.
    func findHeaderEnd(from: Int) -> (Int, Int)? {
        var i = max(from, start)
        while i < buffer.count {
            if buffer[i] == 0x0A {
                if i + 1 < buffer.count && buffer[i + 1] == 0x0A { return (i, i + 2) }
                if i + 2 < buffer.count && buffer[i + 1] == 0x0D && buffer[i + 2] == 0x0A { return (i, i + 3) }
            }
            i += 1
        }
        return nil
    }

    /// Reads `Content-Length` from a header block: names case-insensitive, any order, other
    /// headers (`Content-Type`) allowed.
    static func contentLength(in header: ArraySlice<UInt8>) -> Result<Int, HeaderError> {
        var length: Int?
        for rawLine in header.split(separator: 0x0A, omittingEmptySubsequences: true) {
            var line = rawLine
            if line.last == 0x0D { line = line.dropLast() }
            if line.isEmpty { continue }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                return .failure(HeaderError("header line without ':'"))
            }
            let name = String(decoding: line[..<colon], as: UTF8.self).trimmingSpaces.lowercased()
            guard name == "content-length" else { continue }
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces
            guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(value) else {
                return .failure(HeaderError("invalid Content-Length value '\(value)'"))
            }
            if let length, length != n { return .failure(HeaderError("conflicting Content-Length headers")) }
            length = n
        }
        guard let length else { return .failure(HeaderError("missing Content-Length header")) }
        return .success(length)
    }

    struct HeaderError: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// The offset of the next `content-length` (any case) at or after `start`.
    func findContentLengthHeader() -> Int? {
        let needle = Array("content-length".utf8)
        var i = start
        while i + needle.count <= buffer.count {
            var matched = true
            for j in 0..<needle.count where buffer[i + j] | 0x20 != needle[j] {
                matched = false
                break
            }
            if matched { return i }
            i += 1
        }
        return nil
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
