import Foundation

/// Params of a method: decoded straight from the request's `params` bytes.
///
/// `CodingKeys` lists every accepted member; a member not in it is rejected with -32602
/// (a misspelt `dryrun` must not silently turn into a real run), unless the method sets
/// `acceptsUnknownParams`.
public protocol RPCParams: Decodable, Sendable {
    associatedtype CodingKeys: CodingKey & CaseIterable
}

/// A result that is already JSON (for example a document embedded at build time).
public struct RawJSON: Encodable, Sendable {
    public let bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
    public func encode(to encoder: any Encoder) throws {
        let value = try JSONValue.parse(bytes)
        try value.encode(to: encoder)
    }
}

/// One JSON-RPC method: its name, its params and result types, and its handler.
///
/// One method, one small file (as MCP's `enum ListTools: Method` and LSP's `HoverRequest`).
public protocol RPCMethod {
    associatedtype Params: RPCParams
    associatedtype Result: Encodable
    associatedtype Context

    /// The wire name.
    static var name: String { get }
    /// Whether members of `params` not listed in `Params.CodingKeys` are tolerated (default false).
    static var acceptsUnknownParams: Bool { get }
    /// How the transport may schedule it (default `ordered`).
    static var scheduling: Scheduling { get }

    /// The handler. A method implements this one, or the one below when it depends on its
    /// request (long methods: cancellation, work after the reply); each defaults to the other.
    static func handle(_ params: Params, context: Context) throws -> Result
    static func handle(_ params: Params, context: Context, request: RequestInfo) throws -> Result

    /// The result as JSON bytes. Chosen once per method, where its `Result` is known: a result
    /// that writes itself (`JSONWritable`) is written with no cast per call; any other goes
    /// through `Router.encode`.
    static func resultBytes(_ result: Result) throws -> [UInt8]
}

extension RPCMethod {
    public static var acceptsUnknownParams: Bool { false }
    public static var scheduling: Scheduling { .ordered }

    public static func handle(_ params: Params, context: Context, request: RequestInfo) throws -> Result {
        try handle(params, context: context)
    }

    /// Called in-process (tests, one method calling another's rules): never cancelled.
    public static func handle(_ params: Params, context: Context) throws -> Result {
        try handle(params, context: context, request: .inProcess)
    }

    public static func resultBytes(_ result: Result) throws -> [UInt8] {
        if let raw = result as? RawJSON { return raw.bytes }
        return try Router<Context>.encode(result)
    }
}

extension RPCMethod where Result: JSONWritable {
    public static func resultBytes(_ result: Result) throws -> [UInt8] {
        var out = JSONOutput()
        result.writeJSON(to: &out)
        return out.bytes
    }
}

/// How the transport schedules a method's requests (`StdioServer`).
public enum Scheduling: Sendable {
    /// Handled in arrival order with everything else that is ordered (most methods).
    case ordered
    /// Long (an import, a pull, a push): run on a worker thread, in order with the ordered
    /// requests, while the reader goes on answering `concurrent` ones and `$/cancelRequest`.
    /// Its handler calls `request.checkCancelled()` between steps.
    case long
    /// Answered at once even while a long request runs (`ping`, status of a connection): it
    /// must not depend on the order of writes.
    case concurrent
}

/// Params of a method that takes none.
public struct NoParams: RPCParams, Equatable {
    public enum CodingKeys: String, CodingKey, CaseIterable { case _none }
    public init() {}
    public init(from decoder: any Decoder) throws {}
}

/// An empty result object `{}`, written without an encoder (`ping`'s reply is most of what
/// a pipelined client measures).
public struct EmptyResult: Encodable, JSONWritable, Sendable, Equatable {
    public init() {}

    public func writeJSON(to out: inout JSONOutput) {
        out.beginObject()
        out.endObject()
    }
}
