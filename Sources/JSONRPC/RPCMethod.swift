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

    static func handle(_ params: Params, context: Context) throws -> Result
}

extension RPCMethod {
    public static var acceptsUnknownParams: Bool { false }
}

/// Params of a method that takes none.
public struct NoParams: RPCParams, Equatable {
    public enum CodingKeys: String, CodingKey, CaseIterable { case _none }
    public init() {}
    public init(from decoder: any Decoder) throws {}
}

/// An empty result object `{}`.
public struct EmptyResult: Encodable, Sendable, Equatable {
    public init() {}
}
