#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A strict RFC 8259 JSON reader over bytes.
///
/// Written by hand because the envelope needs two things `JSONDecoder` cannot give: the exact
/// literal of a request `id` (so `1`, `1.0` and big integers are echoed byte for byte), and the
/// byte range of `params`, so that once the method is known the params are decoded straight
/// into the method's own type without being materialised twice. `skipValue` validates a value
/// without building it.
struct JSONScanner {
    struct SyntaxError: Error, Equatable {
        var offset: Int
        var reason: String
    }

    /// Deeper nesting than this is rejected as a parse error (a hostile `[[[[…` must not blow the stack).
    static let maxDepth = 512

    let bytes: UnsafeBufferPointer<UInt8>
    var offset: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var isAtEnd: Bool { offset >= bytes.count }

    func fail(_ reason: String) -> SyntaxError { SyntaxError(offset: offset, reason: reason) }

    mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return
            }
        }
    }

    /// The next non-whitespace byte, without consuming it.
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return offset < bytes.count ? bytes[offset] : nil
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(SyntaxError) {
        guard peek() == byte else { throw fail("expected \(what)") }
        offset += 1
    }

    /// Requires that only whitespace is left.
    mutating func expectEnd() throws(SyntaxError) {
        skipWhitespace()
        guard isAtEnd else { throw fail("unexpected data after the JSON value") }
    }

    // MARK: Values

    mutating func parseValue(depth: Int = 0) throws(SyntaxError) -> JSONValue {
        guard let byte = peek() else { throw fail("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"):
            guard depth < Self.maxDepth else { throw fail("nesting too deep") }
            offset += 1
            var members: [String: JSONValue] = [:]
            if peek() == UInt8(ascii: "}") {
                offset += 1
                return .object(members)
            }
            while true {
                guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let key = try parseString()
                try expect(UInt8(ascii: ":"), "':'")
                members[key] = try parseValue(depth: depth + 1)
                if try endOfContainer(UInt8(ascii: "}")) { return .object(members) }
            }
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else { throw fail("nesting too deep") }
            offset += 1
            var items: [JSONValue] = []
            if peek() == UInt8(ascii: "]") {
                offset += 1
                return .array(items)
            }
            while true {
                items.append(try parseValue(depth: depth + 1))
                if try endOfContainer(UInt8(ascii: "]")) { return .array(items) }
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let range = try scanNumber()
            return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
        default:
            return try parseLiteral()
        }
    }

    /// Validates one value without building it; returns its byte range.
    @discardableResult
    mutating func skipValue(depth: Int = 0) throws(SyntaxError) -> Range<Int> {
        guard let byte = peek() else { throw fail("unexpected end of input") }
        let start = offset
        switch byte {
        case UInt8(ascii: "{"):
            guard depth < Self.maxDepth else { throw fail("nesting too deep") }
            offset += 1
            if peek() == UInt8(ascii: "}") {
                offset += 1
                return start..<offset
            }
            while true {
                guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                try skipString()
                try expect(UInt8(ascii: ":"), "':'")
                try skipValue(depth: depth + 1)
                if try endOfContainer(UInt8(ascii: "}")) { return start..<offset }
            }
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else { throw fail("nesting too deep") }
            offset += 1
            if peek() == UInt8(ascii: "]") {
                offset += 1
                return start..<offset
            }
            while true {
                try skipValue(depth: depth + 1)
                if try endOfContainer(UInt8(ascii: "]")) { return start..<offset }
            }
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try scanNumber()
        default:
            _ = try parseLiteral()
        }
        return start..<offset
    }

    /// After a member or element: consumes `,` (returns false) or the closing byte (returns true).
    mutating func endOfContainer(_ close: UInt8) throws(SyntaxError) -> Bool {
        switch peek() {
        case UInt8(ascii: ","):
            offset += 1
            return false
        case close:
            offset += 1
            return true
        default:
            throw fail("expected ',' or '\(Character(Unicode.Scalar(close)))'")
        }
    }

    mutating func parseLiteral() throws(SyntaxError) -> JSONValue {
        if matches("true") {
            offset += 4
            return .bool(true)
        }
        if matches("false") {
            offset += 5
            return .bool(false)
        }
        if matches("null") {
            offset += 4
            return .null
        }
        throw fail("unexpected character")
    }

    func matches(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard offset + count <= bytes.count else { return false }
        let p = word.utf8Start
        for i in 0..<count where bytes[offset + i] != p[i] { return false }
        return true
    }

    // MARK: Numbers

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    mutating func scanNumber() throws(SyntaxError) -> Range<Int> {
        let start = offset
        if byte(at: offset) == UInt8(ascii: "-") { offset += 1 }
        guard let first = byte(at: offset), isDigit(first) else { throw fail("invalid number") }
        offset += 1
        if first != UInt8(ascii: "0") {
            while let b = byte(at: offset), isDigit(b) { offset += 1 }
        }
        if byte(at: offset) == UInt8(ascii: ".") {
            offset += 1
            guard let b = byte(at: offset), isDigit(b) else { throw fail("invalid number: digit expected after '.'") }
            while let b = byte(at: offset), isDigit(b) { offset += 1 }
        }
        if let e = byte(at: offset), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            offset += 1
            if let s = byte(at: offset), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { offset += 1 }
            guard let b = byte(at: offset), isDigit(b) else { throw fail("invalid number: digit expected in exponent") }
            while let b = byte(at: offset), isDigit(b) { offset += 1 }
        }
        return start..<offset
    }

    func byte(at index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }
    func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    // MARK: Strings

    /// Validates a string token (escapes, no raw control characters, valid UTF-8) without building it.
    mutating func skipString() throws(SyntaxError) {
        offset += 1  // opening quote
        let start = offset
        var hasNonASCII = false
        while true {
            guard offset < bytes.count else { throw fail("unterminated string") }
            let b = bytes[offset]
            if b == UInt8(ascii: "\"") {
                if hasNonASCII {
                    let slice = UnsafeBufferPointer(rebasing: bytes[start..<offset])
                    guard String(validating: slice, as: UTF8.self) != nil else { throw fail("invalid UTF-8 in string") }
                }
                offset += 1
                return
            }
            if b == UInt8(ascii: "\\") {
                _ = try scanEscape()
            } else if b < 0x20 {
                throw fail("control character in string")
            } else {
                if b >= 0x80 { hasNonASCII = true }
                offset += 1
            }
        }
    }

    mutating func parseString() throws(SyntaxError) -> String {
        offset += 1  // opening quote
        var runStart = offset
        var result = ""
        while true {
            guard offset < bytes.count else { throw fail("unterminated string") }
            let b = bytes[offset]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                if b == UInt8(ascii: "\""), result.isEmpty, let known = Self.envelopeWord(bytes, runStart..<offset) {
                    offset += 1
                    return known
                }
                if offset > runStart {
                    let slice = UnsafeBufferPointer(rebasing: bytes[runStart..<offset])
                    guard let run = String(validating: slice, as: UTF8.self) else { throw fail("invalid UTF-8 in string") }
                    result += run
                }
                if b == UInt8(ascii: "\"") {
                    offset += 1
                    return result
                }
                result.unicodeScalars.append(try scanEscape())
                runStart = offset
            } else if b < 0x20 {
                throw fail("control character in string")
            } else {
                offset += 1
            }
        }
    }

    /// The envelope's own words, which every message repeats, without validating and copying
    /// them each time (a third of reading a `ping`).
    static func envelopeWord(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
        func matches(_ word: StaticString) -> Bool {
            word.utf8CodeUnitCount == range.count && memcmp(word.utf8Start, bytes.baseAddress! + range.lowerBound, range.count) == 0
        }
        switch range.count {
        case 2: return matches("id") ? "id" : nil
        case 3: return matches("2.0") ? "2.0" : nil
        case 6: return matches("method") ? "method" : matches("params") ? "params" : nil
        case 7: return matches("jsonrpc") ? "jsonrpc" : nil
        default: return nil
        }
    }

    /// Reads one escape sequence starting at the backslash; returns the scalar it denotes.
    mutating func scanEscape() throws(SyntaxError) -> Unicode.Scalar {
        offset += 1
        guard let e = byte(at: offset) else { throw fail("unterminated escape") }
        offset += 1
        switch e {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try scanHex4()
            if (0xD800...0xDBFF).contains(unit) {
                guard byte(at: offset) == UInt8(ascii: "\\"), byte(at: offset + 1) == UInt8(ascii: "u") else {
                    throw fail("unpaired surrogate in \\u escape")
                }
                offset += 2
                let low = try scanHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate in \\u escape") }
                let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                return Unicode.Scalar(value)!
            }
            guard let scalar = Unicode.Scalar(UInt32(unit)) else { throw fail("unpaired surrogate in \\u escape") }
            return scalar
        default:
            throw fail("invalid escape")
        }
    }

    mutating func scanHex4() throws(SyntaxError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let b = byte(at: offset) else { throw fail("unterminated \\u escape") }
            let digit: UInt8
            switch b {
            case 0x30...0x39: digit = b - 0x30
            case 0x41...0x46: digit = b - 0x41 + 10
            case 0x61...0x66: digit = b - 0x61 + 10
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | UInt16(digit)
            offset += 1
        }
        return value
    }
}

extension JSONValue {
    /// Parses one complete JSON text (RFC 8259): one value, surrounded by whitespace only.
    public static func parse(_ bytes: some Collection<UInt8>) throws -> JSONValue {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer)
            let value = try scanner.parseValue()
            try scanner.expectEnd()
            return value
        }
    }
}
