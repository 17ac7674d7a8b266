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
    }

    /// A value in an error's details.
    public enum Detail: Sendable, Equatable {
        case string(String)
        case int(Int)
        case null
        case list([[String: Detail]])
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
}
