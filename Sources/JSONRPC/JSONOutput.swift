import JSONText

/// A result that writes its own JSON, byte for byte what `Router.encode`'s `JSONEncoder`
/// (sorted keys, slashes unescaped) writes for it, only faster: `JSONEncoder` boxes every
/// value and sorts every object's keys, most of a large page's time. The conformer writes its keys in sorted order itself;
/// a test compares both encoders on awkward values.
public protocol JSONWritable {
    func writeJSON(to out: inout JSONOutput)
}

/// The bytes of a JSON text, written front to back: each key or value is preceded by a comma
/// unless it opens an object or array, or follows its key.
public struct JSONOutput {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false

    public init() {
        bytes.reserveCapacity(4096)
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A member's key; its value follows.
    public mutating func key(_ key: String) {
        separate()
        writeString(key)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ s: String) {
        separate()
        writeString(s)
        needsComma = true
    }

    public mutating func string(_ s: String?) {
        if let s { string(s) } else { null() }
    }

    public mutating func int(_ i: some BinaryInteger) {
        literal(String(i))
    }

    public mutating func bool(_ b: Bool) {
        literal(b ? "true" : "false")
    }

    public mutating func null() {
        literal("null")
    }

    private mutating func literal(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    /// An object of strings, its keys in `JSONEncoder`'s order (`JSONText.sortedKeys`).
    public mutating func stringObject(_ members: [String: String]) {
        beginObject()
        for key in JSONText.sortedKeys(members.keys) {
            self.key(key)
            string(members[key]!)
        }
        endObject()
    }

    private mutating func writeString(_ s: String) {
        JSONText.appendString(s, to: &bytes)
    }
}
