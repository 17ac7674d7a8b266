/// A request id, kept as the exact JSON literal it arrived as (`"1"`, `1`, `1.0`, `null`),
/// so it is echoed byte for byte and `"1"` and `1` stay different ids.
public struct RequestID: Hashable, Sendable, CustomStringConvertible {
    /// The JSON text of the id.
    public let json: String

    public init(json: String) { self.json = json }

    public static let null = RequestID(json: "null")
    public static func number(_ n: Int) -> RequestID { RequestID(json: String(n)) }
    public static func string(_ s: String) -> RequestID { RequestID(json: JSONValue.string(s).jsonText) }

    public var description: String { json }
}

/// One request object of a message, checked against JSON-RPC 2.0's rules.
public struct Request: Sendable {
    /// Absent for a notification; `.null` when the request said `"id": null`.
    public var id: RequestID?
    public var method: String
    /// The byte range of the `params` value within the message, when present.
    public var paramsRange: Range<Int>?
    /// The member names of `params` when it is an object; nil when absent or an array.
    public var paramsKeys: [String]?
    public var paramsIsArray: Bool

    public var isNotification: Bool { id == nil }
}

/// One element of a message after envelope checks: a request, or an error to answer with.
public enum Incoming: Sendable {
    case request(Request)
    /// An invalid request object; always answered (with `id` when one could be read, else `null`).
    case invalid(RPCError, id: RequestID)
}

/// A whole message: one object, or a batch.
public enum Message: Sendable {
    case single(Incoming)
    case batch([Incoming])
    /// Not JSON at all: answered with a single -32700 and `id: null`.
    case unparsable(RPCError)
    /// An empty batch `[]`: answered with a single -32600.
    case emptyBatch
}

extension Message {
    /// Reads a message: validates the whole JSON text, then checks each request's envelope.
    /// `params` values are validated but not built.
    public static func parse(_ buffer: UnsafeBufferPointer<UInt8>) -> Message {
        var scanner = JSONScanner(buffer)
        // RFC 8259 §8.1: a parser may ignore a byte order mark; some Windows tools write one.
        if buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { scanner.offset = 3 }
        do {
            switch scanner.peek() {
            case UInt8(ascii: "["):
                scanner.offset += 1
                var items: [Incoming] = []
                if scanner.peek() == UInt8(ascii: "]") {
                    scanner.offset += 1
                    try scanner.expectEnd()
                    return .emptyBatch
                }
                while true {
                    items.append(try scanner.scanIncoming())
                    if try scanner.endOfContainer(UInt8(ascii: "]")) { break }
                }
                try scanner.expectEnd()
                return .batch(items)
            case nil:
                return .unparsable(.parseError("empty message"))
            default:
                let item = try scanner.scanIncoming()
                try scanner.expectEnd()
                return .single(item)
            }
        } catch {
            return .unparsable(.parseError("\(error.reason) at byte \(error.offset)"))
        }
    }

    public static func parse(_ bytes: [UInt8]) -> Message {
        bytes.withUnsafeBufferPointer { parse($0) }
    }
}

extension JSONScanner {
    /// Reads one element of a message. Throws only for JSON syntax errors; envelope errors
    /// become `.invalid`.
    mutating func scanIncoming() throws(SyntaxError) -> Incoming {
        guard peek() == UInt8(ascii: "{") else {
            try skipValue(depth: 1)
            return .invalid(.invalidRequest("a request must be a JSON object"), id: .null)
        }
        offset += 1
        var version: JSONValue?
        var method: JSONValue?
        var idRange: Range<Int>?
        var idIsValid = false
        var paramsRange: Range<Int>?
        var paramsKeys: [String]?
        var paramsFirst: UInt8 = 0
        // A member of the envelope given twice: which one was meant is unknown (a parser that
        // takes the last would run `{"method":"ping","method":"shutdown"}` as a shutdown).
        var seen: UInt8 = 0
        var duplicate: String?
        if peek() == UInt8(ascii: "}") {
            offset += 1
        } else {
            while true {
                guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let key = try parseString()
                try expect(UInt8(ascii: ":"), "':'")
                let bit: UInt8 = switch key { case "jsonrpc": 1; case "method": 2; case "id": 4; case "params": 8; default: 0 }
                if seen & bit != 0 { duplicate = duplicate ?? key }
                seen |= bit
                switch key {
                case "jsonrpc": version = try parseValue(depth: 2)
                case "method": method = try parseValue(depth: 2)
                case "id":
                    let first = peek()
                    let range = try skipValue(depth: 2)
                    idRange = range
                    idIsValid = first == UInt8(ascii: "\"") || first == UInt8(ascii: "-")
                        || (first.map { $0 >= 0x30 && $0 <= 0x39 } ?? false) || first == UInt8(ascii: "n")
                case "params":
                    paramsFirst = peek() ?? 0
                    if paramsFirst == UInt8(ascii: "{") {
                        let (range, keys) = try skipObjectCollectingKeys()
                        paramsRange = range
                        paramsKeys = keys
                    } else {
                        paramsRange = try skipValue(depth: 2)
                        paramsKeys = nil
                        // `"params": null` is absent params (pygls and others send it for
                        // methods without any).
                        if paramsFirst == UInt8(ascii: "n") {
                            paramsRange = nil
                            paramsFirst = 0
                        }
                    }
                default:
                    try skipValue(depth: 2)
                }
                if try endOfContainer(UInt8(ascii: "}")) { break }
            }
        }

        let id: RequestID? = idRange.map { range in
            RequestID(json: String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
        }
        let replyID = idIsValid ? id! : .null
        if let duplicate {
            return .invalid(.invalidRequest("\"\(duplicate)\" is given twice"), id: replyID)
        }
        guard version == .string("2.0") else {
            return .invalid(.invalidRequest(version == nil ? "missing \"jsonrpc\": \"2.0\"" : "\"jsonrpc\" must be exactly \"2.0\""), id: replyID)
        }
        guard case .string(let name)? = method else {
            return .invalid(.invalidRequest(method == nil ? "missing \"method\"" : "\"method\" must be a string"), id: replyID)
        }
        if id != nil && !idIsValid {
            return .invalid(.invalidRequest("\"id\" must be a string, a number or null"), id: .null)
        }
        if paramsRange != nil && paramsFirst != UInt8(ascii: "{") && paramsFirst != UInt8(ascii: "[") {
            return .invalid(.invalidRequest("\"params\" must be an object or an array"), id: replyID)
        }
        return .request(Request(
            id: id, method: name, paramsRange: paramsRange, paramsKeys: paramsKeys,
            paramsIsArray: paramsFirst == UInt8(ascii: "[")
        ))
    }

    /// Skips an object value and returns its range and its member names.
    mutating func skipObjectCollectingKeys() throws(SyntaxError) -> (Range<Int>, [String]) {
        let start = offset
        offset += 1
        var keys: [String] = []
        if peek() == UInt8(ascii: "}") {
            offset += 1
            return (start..<offset, keys)
        }
        while true {
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            keys.append(try parseString())
            try expect(UInt8(ascii: ":"), "':'")
            try skipValue(depth: 3)
            if try endOfContainer(UInt8(ascii: "}")) { return (start..<offset, keys) }
        }
    }
}
