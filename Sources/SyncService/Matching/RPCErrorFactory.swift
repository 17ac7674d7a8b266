import JSONRPC

/// -32602 errors the matching methods raise after decoding.
enum RPCErrorFactory {
    static func missing(_ path: String) -> RPCError { .invalidParams("missing required field '\(path)'", path: path) }
    static func invalid(_ detail: String, path: String) -> RPCError { .invalidParams(detail, path: path) }
}
