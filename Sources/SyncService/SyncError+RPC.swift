import JSONRPC
import SyncCore

/// Domain errors on the wire: codes outside JSON-RPC's reserved range, `data.kind` the stable
/// name. `protocol/errors.md` lists them; keep the two in step.
extension SyncError: RPCErrorConvertible {
    public var code: ErrorCode {
        switch kind {
        case .notFound: ErrorCode(1001)
        case .alreadyLinked: ErrorCode(1002)
        case .excluded: ErrorCode(1003)
        case .numberTaken: ErrorCode(1004)
        case .invalidNumber: ErrorCode(1005)
        case .importRejected: ErrorCode(1006)
        case .staleVersion: ErrorCode(1007)
        case .notInConflict: ErrorCode(1008)
        case .wrongSide: ErrorCode(1009)
        case .busy: ErrorCode(1010)
        case .writeFailed: ErrorCode(1011)
        case .notConnected: ErrorCode(1012)
        case .unauthorized: ErrorCode(1013)
        case .remoteUnavailable: ErrorCode(1014)
        case .remoteRejected: ErrorCode(1015)
        case .massDelete: ErrorCode(1016)
        }
    }

    public var rpcError: RPCError {
        var data = details.mapValues(JSONValue.init(detail:))
        data["kind"] = .string(kind.rawValue)
        return RPCError(code: code, message: message, data: .object(data))
    }
}

/// A well-formed param that does not fit what the store found: -32602 with `data.path`, the
/// same shape as the decoder's params errors (`RPCError.invalidParams`), plus its details.
extension ParamsError: RPCErrorConvertible {
    public var rpcError: RPCError {
        var error = RPCError.invalidParams(message, path: path)
        if case .object(var data)? = error.data {
            for (key, value) in details { data[key] = JSONValue(detail: value) }
            error.data = .object(data)
        }
        return error
    }
}

extension JSONValue {
    init(detail: SyncError.Detail) {
        switch detail {
        case .string(let s): self = .string(s)
        case .int(let i): self = .int(i)
        case .null: self = .null
        case .list(let items): self = .array(items.map { .object($0.mapValues(JSONValue.init(detail:))) })
        case .strings(let items): self = .array(items.map(JSONValue.string))
        case .object(let members): self = .object(members.mapValues(JSONValue.init(detail:)))
        }
    }
}
