/// JSON text as the service writes it everywhere it writes by hand: strings escaped as
/// `JSONEncoder` escapes them, and object keys in `JSONEncoder`'s sorted order. The one
/// routine for the wire (`JSONOutput`, JSONRPC) and for what the store keeps as JSON (a
/// customer's own columns, SyncStore), which must not drift apart.
public enum JSONText {
    /// A string literal, escaped as `JSONEncoder` escapes it: quote, backslash, the control
    /// characters (\b \f \n \r \t by name, the others as \u00xx), everything else as UTF-8,
    /// slashes included.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Object keys in `JSONEncoder`'s `.sortedKeys` order: by their UTF-8 bytes.
    public static func sortedKeys(_ keys: some Collection<String>) -> [String] {
        keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    private static let hex = Array("0123456789abcdef".utf8)
}
