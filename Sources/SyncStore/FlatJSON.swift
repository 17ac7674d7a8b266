import Foundation

/// Reads the flat JSON objects this store writes (`extra` columns, last-seen values, bases):
/// string keys to string or null values. Written by hand because `JSONDecoder` per row was
/// most of a 200,000-row export (measured); anything it does not expect goes to `JSONDecoder`.
enum FlatJSON {
    static func decode(_ text: String) -> [String: String?]? {
        var text = text
        return text.withUTF8 { bytes -> [String: String?]? in
            var reader = Reader(bytes: bytes)
            return reader.object()
        } ?? (try? JSONDecoder().decode([String: String?].self, from: Data(text.utf8)))
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        mutating func skipSpaces() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            skipSpaces()
            guard i < bytes.count, bytes[i] == byte else { return false }
            i += 1
            return true
        }

        mutating func object() -> [String: String?]? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var out: [String: String?] = [:]
            if take(UInt8(ascii: "}")) { return i == bytes.count ? out : nil }
            while true {
                guard let key = string(), take(UInt8(ascii: ":")) else { return nil }
                skipSpaces()
                if i + 4 <= bytes.count, bytes[i] == UInt8(ascii: "n"), bytes[i + 1] == UInt8(ascii: "u"), bytes[i + 2] == UInt8(ascii: "l"), bytes[i + 3] == UInt8(ascii: "l") {
                    i += 4
                    out[key] = .some(nil)
                } else {
                    guard let value = string() else { return nil }
                    out[key] = .some(value)
                }
                if take(UInt8(ascii: ",")) { continue }
                guard take(UInt8(ascii: "}")) else { return nil }
                skipSpaces()
                return i == bytes.count ? out : nil
            }
        }

        /// A string without escapes is sliced directly; one with `\\"` or `\\\\` style escapes
        /// is rebuilt; `\\u` escapes send the whole object to `JSONDecoder`.
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            var out: [UInt8] = []
            var start = i
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                    i += 1
                    return String(decoding: out, as: UTF8.self)
                }
                if b == UInt8(ascii: "\\") {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                    guard i + 1 < bytes.count else { return nil }
                    switch bytes[i + 1] {
                    case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                    case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                    case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    default: return nil
                    }
                    i += 2
                    start = i
                    continue
                }
                i += 1
            }
            return nil
        }
    }
}
