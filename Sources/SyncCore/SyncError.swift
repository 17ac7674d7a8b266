#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

/// A domain error: a rule of the sync workflow said no. Each has a stable `kind` that clients
/// switch on, a sentence for people, and structured details.
///
/// The core knows nothing of JSON-RPC; `SyncService` maps these to wire errors.
public struct SyncError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case notFound = "NotFound"
        case alreadyLinked = "AlreadyLinked"
        case excluded = "Excluded"
        case numberTaken = "NumberTaken"
        case invalidNumber = "InvalidNumber"
        case importRejected = "ImportRejected"
        case staleVersion = "StaleVersion"
        case notInConflict = "NotInConflict"
        case wrongSide = "WrongSide"
        case busy = "Busy"
        case writeFailed = "WriteFailed"
        case notConnected = "NotConnected"
        case unauthorized = "Unauthorized"
        case remoteUnavailable = "RemoteUnavailable"
        case remoteRejected = "RemoteRejected"
        case massDelete = "MassDelete"
    }

    /// A value in an error's details.
    public enum Detail: Sendable, Equatable {
        case string(String)
        case int(Int)
        case null
        case list([[String: Detail]])
        case strings([String])
        case object([String: Detail])
    }

    public var kind: Kind
    public var message: String
    public var details: [String: Detail]

    public init(_ kind: Kind, _ message: String, details: [String: Detail] = [:]) {
        self.kind = kind
        self.message = message
        self.details = details
    }

    public var description: String { "\(kind.rawValue): \(message)" }

    /// The database stayed locked past the busy timeout.
    public static func busy() -> SyncError {
        SyncError(.busy, "the database is locked by another process; retry")
    }

    /// A file could not be written (an export): the path and the operating system's reason,
    /// by name (`ENOSPC`, `EACCES`, `EISDIR`…) and in words.
    public static func writeFailed(path: String, errno code: Int32) -> SyncError {
        let reason = String(cString: strerror(code))
        return SyncError(.writeFailed, "\(path) could not be written: \(reason)", details: [
            "path": .string(path), "reason": .string(reason), "errno": .string(ErrnoName.of(code)),
        ])
    }
}

/// Params that are well formed but do not fit what the store found (a conflicting field left
/// without a choice). Not a `SyncError.Kind`: on the wire it is -32602 with `data.path`, like a
/// params error the decoder finds, so that a client handles both alike.
public struct ParamsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The params member at fault, dotted (`choices`).
    public var path: String
    public var message: String
    public var details: [String: SyncError.Detail]

    public init(path: String, _ message: String, details: [String: SyncError.Detail] = [:]) {
        self.path = path
        self.message = message
        self.details = details
    }

    public var description: String { "InvalidParams at \(path): \(message)" }
}

/// The rule that keeps a replace (a file import with `mode: replace`, a full pull) from
/// wiping a register by mistake: it may delete at most half of the side's customers unless the
/// call says `allowMassDelete`. A register of one or two may lose one.
public enum MassDelete {
    public static let maximumShare = 0.5

    public static func refuses(deleting count: Int, of total: Int) -> Bool {
        count > 1 && Double(count) > Double(total) * maximumShare
    }
}
