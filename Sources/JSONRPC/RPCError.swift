/// A JSON-RPC error code. Open: the reserved codes are constants here, applications add their own.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(_ rawValue: Int) { self.rawValue = rawValue }

    public static let parseError = ErrorCode(-32700)
    public static let invalidRequest = ErrorCode(-32600)
    public static let methodNotFound = ErrorCode(-32601)
    public static let invalidParams = ErrorCode(-32602)
    public static let internalError = ErrorCode(-32603)
    /// LSP's `RequestCancelled`: the client cancelled the request with `$/cancelRequest`.
    public static let requestCancelled = ErrorCode(-32800)

    /// The range JSON-RPC 2.0 reserves; application errors must lie outside it.
    public static let reserved: ClosedRange<Int> = -32768 ... -32000

    public var description: String { String(rawValue) }
}

/// A JSON-RPC error object: `{code, message, data?}`.
///
/// The reserved codes keep the specification's exact messages ("Parse error", "Invalid Request",
/// …); the detail goes in `data`, which always carries `kind` (a stable name a client switches
/// on) and, where it helps, `detail` (a sentence) and `path` (the offending params field).
public struct RPCError: Error, Hashable, Sendable, Encodable {
    public var code: ErrorCode
    public var message: String
    public var data: JSONValue?

    public init(code: ErrorCode, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    enum CodingKeys: String, CodingKey { case code, message, data }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(code.rawValue, forKey: .code)
        try c.encode(message, forKey: .message)
        try c.encodeIfPresent(data, forKey: .data)
    }

    static func make(_ code: ErrorCode, _ message: String, kind: String, detail: String?, extra: [String: JSONValue]) -> RPCError {
        var data = extra
        data["kind"] = .string(kind)
        if let detail { data["detail"] = .string(detail) }
        return RPCError(code: code, message: message, data: .object(data))
    }

    /// -32700: the message is not valid JSON.
    public static func parseError(_ detail: String? = nil) -> RPCError {
        make(.parseError, "Parse error", kind: "ParseError", detail: detail, extra: [:])
    }

    /// -32600: valid JSON, but not a valid request object.
    public static func invalidRequest(_ detail: String? = nil, kind: String = "InvalidRequest", extra: [String: JSONValue] = [:]) -> RPCError {
        make(.invalidRequest, "Invalid Request", kind: kind, detail: detail, extra: extra)
    }

    /// -32601: no such method.
    public static func methodNotFound(_ method: String) -> RPCError {
        make(.methodNotFound, "Method not found", kind: "MethodNotFound", detail: "no method named '\(method)'", extra: ["method": .string(method)])
    }

    /// -32602: the params do not fit the method; `path` names the offending field (`numbering.start`, `customerIds[2]`).
    public static func invalidParams(_ detail: String, path: String?) -> RPCError {
        var extra: [String: JSONValue] = [:]
        if let path { extra["path"] = .string(path) }
        return make(.invalidParams, "Invalid params", kind: "InvalidParams", detail: detail, extra: extra)
    }

    /// -32603: a fault on our side; the details are logged on stderr, never sent.
    public static func internalError(_ detail: String? = nil) -> RPCError {
        make(.internalError, "Internal error", kind: "InternalError", detail: detail, extra: [:])
    }

    /// -32800 (LSP's `RequestCancelled`): the client cancelled the request.
    public static func requestCancelled() -> RPCError {
        make(.requestCancelled, "Request cancelled", kind: "RequestCancelled", detail: "cancelled by $/cancelRequest", extra: [:])
    }

    /// -32600 for a message larger than `--max-message-bytes`.
    public static func messageTooLarge(size: Int?, limit: Int) -> RPCError {
        var extra: [String: JSONValue] = ["limit": .int(limit)]
        if let size { extra["size"] = .int(size) }
        let detail = size.map { "message of \($0) bytes exceeds the limit of \(limit) bytes" }
            ?? "message exceeds the limit of \(limit) bytes"
        return invalidRequest(detail, kind: "MessageTooLarge", extra: extra)
    }

    /// -32600 for a batch of more messages than `--max-batch`: none of it is run.
    public static func batchTooLarge(count: Int, limit: Int) -> RPCError {
        invalidRequest("a batch of \(count) messages exceeds the limit of \(limit) (--max-batch); nothing in it was run",
                       kind: "BatchTooLarge", extra: ["limit": .int(limit), "size": .int(count)])
    }

    /// -32600 for a request of a batch whose earlier replies already passed
    /// `--max-batch-reply-bytes`: it was not run; send it again, alone or in a smaller batch.
    public static func batchReplyTooLarge(limit: Int) -> RPCError {
        invalidRequest("not run: the batch's replies already passed the limit of \(limit) bytes (--max-batch-reply-bytes); send it again in a smaller batch",
                       kind: "BatchReplyTooLarge", extra: ["limit": .int(limit)])
    }

    /// The stable kind name in `data.kind`, if any.
    public var kind: String? { data?["kind"]?.stringValue }
}

/// An error that knows its JSON-RPC form. Domain errors adopt it at the service boundary.
public protocol RPCErrorConvertible: Error {
    var rpcError: RPCError { get }
}

extension RPCError: RPCErrorConvertible {
    public var rpcError: RPCError { self }
}
