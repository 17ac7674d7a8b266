import Foundation

/// The other register, when it is an accounting system reached through its API rather than a
/// file: what a connector (e-conomic today; Dinero, Uniconta or Billy later) must offer. It
/// speaks the system's wire format and knows nothing of JSON-RPC or of our database; the
/// service joins it to the store, and never calls it inside a write transaction.
public protocol RemoteConnector: Sendable {
    /// The system's name on the wire (`e-conomic`).
    var system: String { get }
    /// Where it is reached.
    var baseURL: String { get }

    /// The longest value the system holds in each of our fields, in characters (its own
    /// documented limits). A pulled value is never cut to them or to ours; a value longer
    /// than the system's is not sent.
    var fieldLimits: [SyncField: Int] { get }

    /// Checks the credentials with cheap authenticated requests (`unauthorized` when they are
    /// wrong), and that the settings name what exists there (`rejected` with `param`, the
    /// setting's params path, such as `defaults.customerGroup`).
    func verify() throws(ConnectorError)

    /// Every customer (or those changed since `mark`, a cursor this method returned before),
    /// a page at a time, in a stable order; `onPage` may throw to stop. Returns the mark the
    /// next pull starts from: one that no change made during this pull can be older than,
    /// so a customer changed meanwhile is read again rather than passed over (nil: keep the
    /// old one), and, for a pull since a mark, the keys of the customers the system deleted
    /// since then where it can tell (a full pull finds deletions by what it no longer reads).
    /// Country values arrive as ISO codes where the system's text names a country, as the
    /// system's text otherwise.
    func pull(since mark: String?, onPage: (RemotePage) throws -> Void) throws -> RemotePull

    /// The customer whose key is `key`, or nil when there is none (or it was deleted).
    func fetch(key: String) throws(ConnectorError) -> RemoteCustomer?

    /// Creates a customer under `number`. Never creates it twice: after a timeout or a lost
    /// reply it first looks the number up, and adopts what landed if it is ours.
    func create(number: String, fields: CustomerFields) throws(ConnectorError) -> RemoteCustomer

    /// Sets `changes` on the customer `key`, leaving everything else as the system holds
    /// it (the system's own fields, and ours that did not change): read, modify, write. A
    /// changed field whose value there is no longer `expected` (what we last saw) was changed
    /// there meanwhile: it is not overwritten but left out (`skipped`), for the next pull to
    /// show as a conflict.
    func update(key: String, changes: [SyncField: String?], expected: CustomerFields?) throws(ConnectorError) -> RemoteUpdate

    /// Called before a push creates customers under `numbers`: a system that does not refuse
    /// a second customer under one number (Dinero's external reference) looks up, once, which
    /// of them an earlier push landed, so `create` adopts those instead of making them twice.
    func prepareToCreate(numbers: [String]) throws(ConnectorError)

    /// Requests sent and time waited so far.
    var traffic: RemoteTraffic { get }
}

extension RemoteConnector {
    public func prepareToCreate(numbers: [String]) throws(ConnectorError) {}
    public var traffic: RemoteTraffic { RemoteTraffic() }
}

/// What a connector has sent so far and how long it waited, for the logs and the benchmarks.
public struct RemoteTraffic: Sendable, Equatable {
    public var requests = 0
    /// Seconds spent waiting for a turn under the system's rate limit.
    public var pacedSeconds = 0.0
    /// Seconds spent waiting as the system's `Retry-After` said.
    public var retryAfterSeconds = 0.0

    public init(requests: Int = 0, pacedSeconds: Double = 0, retryAfterSeconds: Double = 0) {
        self.requests = requests
        self.pacedSeconds = pacedSeconds
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// How a pull ended: where the next one starts, and what the system says it deleted.
public struct RemotePull: Sendable, Equatable {
    /// The mark the next pull starts from (nil: keep the old one).
    public var mark: String?
    /// Keys of customers deleted since the mark the pull started from.
    public var deleted: [String]

    public init(mark: String?, deleted: [String] = []) {
        self.mark = mark
        self.deleted = deleted
    }
}

/// What an update did: the customer as the system holds it now, and the changes it left out
/// because the system's value had changed meanwhile.
public struct RemoteUpdate: Sendable, Hashable {
    public var customer: RemoteCustomer
    public var skipped: Set<SyncField>

    public init(customer: RemoteCustomer, skipped: Set<SyncField> = []) {
        self.customer = customer
        self.skipped = skipped
    }
}

/// A customer as the connected system holds it, in our fields.
///
/// The system's identity of a customer (`key`) is kept apart from the number the sync window
/// shows (`number`): e-conomic's key is its customer number, Dinero's a GUID it assigns, with
/// our number in its external reference. A pull matches customers by key, so it never changes
/// one's identity; the number may change, or be missing.
public struct RemoteCustomer: Sendable, Hashable {
    public var key: String
    public var number: String?
    public var fields: CustomerFields
    /// The system's timestamp of its last change, when it keeps one.
    public var lastUpdated: String?

    public init(key: String, number: String?, fields: CustomerFields, lastUpdated: String? = nil) {
        self.key = key
        self.number = number
        self.fields = fields
        self.lastUpdated = lastUpdated
    }

    /// A customer of a system whose key is its number.
    public init(number: String, fields: CustomerFields, lastUpdated: String? = nil) {
        self.init(key: number, number: number, fields: fields, lastUpdated: lastUpdated)
    }
}

/// One page of a pull.
public struct RemotePage: Sendable {
    public var customers: [RemoteCustomer]
    /// 0-based.
    public var index: Int
    /// How many customers the whole pull has, when the system says.
    public var total: Int?

    public init(customers: [RemoteCustomer], index: Int, total: Int?) {
        self.customers = customers
        self.index = index
        self.total = total
    }
}

/// What went wrong talking to the system, in words its users know (the system's own message
/// where it gave one).
public struct ConnectorError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// 401: the tokens are wrong, or the grant was revoked; 403: the app lacks a role the
        /// request needs (the message says which).
        case unauthorized
        /// 400: the system refused the data; `fields` names what it refused.
        case rejected
        /// The number is in use there by another customer.
        case numberTaken
        /// The customer is not there (any more).
        case notFound
        /// No answer, or 429/5xx, after every retry: try again later.
        case unavailable
        /// An answer we cannot read.
        case badResponse
    }

    public var kind: Kind
    public var message: String
    /// The HTTP status, when there was one.
    public var status: Int?
    /// The fields the system named (400).
    public var fields: [String]
    /// The system's reason for each refused field, in its own words and code.
    public var reasons: [Reason]
    /// The `connect` param at fault, by its path (`defaults.customerGroup`), when the system
    /// refused a setting rather than data: the service answers it as -32602 at that path.
    public var param: String?

    /// One refused field as the system explains it (e-conomic's annotated errors: the
    /// property's path, its `message` and `errorCode`).
    public struct Reason: Sendable, Hashable {
        public var field: String
        public var message: String
        public var code: String?

        public init(field: String, message: String, code: String? = nil) {
            self.field = field
            self.message = message
            self.code = code
        }
    }

    public init(_ kind: Kind, _ message: String, status: Int? = nil, fields: [String] = [], reasons: [Reason] = []) {
        self.kind = kind
        self.message = message
        self.status = status
        self.fields = fields
        self.reasons = reasons
    }

    public var description: String { message }
}

/// Where a connector may send credentials: https, or plain http to this machine (a test's
/// fake, a local proxy), never plain http across a network.
public enum RemoteURL {
    public static func isAllowed(_ url: URL) -> Bool {
        switch url.scheme?.lowercased() {
        case "https": return url.host != nil
        case "http": return ["127.0.0.1", "localhost", "::1", "[::1]"].contains(url.host?.lowercased() ?? "")
        default: return false
        }
    }
}

/// An accounting system that can be connected (`connect {system, …}`): which params it
/// reads, what of them is secret, and how its connector is made. Each connector target
/// offers one; the executable hands them to the service, which knows none by name.
public protocol RemoteSystem: Sendable {
    /// What `connect` reads for this system beyond `system`, `baseUrl` and `timeout`.
    associatedtype ConnectParams: Decodable
    /// The name on the wire (`connect`'s `system`).
    var name: String { get }
    /// Where the system is reached when `connect` gives no `baseUrl`.
    var defaultBaseURL: URL { get }
    /// The names of `ConnectParams`' members (a member of another system's params is refused).
    var parameterNames: [String] { get }
    /// Checks the params (a `ParamsError` names the one at fault) and splits them into the
    /// credentials, which the service seals, and the settings, kept in clear.
    func configure(_ params: ConnectParams) throws -> RemoteConfiguration
    /// The connector of a stored connection. `settings` is what `configure` gave (a JSON
    /// object, which may carry members of the service's own beside it).
    func connector(baseURL: URL, credentials: [String: String], settings: Data, timeout: Double) throws -> any RemoteConnector
}

/// What a connection stores of a system's connect params.
public struct RemoteConfiguration: Sendable, Equatable {
    /// Secrets (tokens, keys): sealed, never echoed or logged.
    public var credentials: [String: String]
    /// The rest, as a JSON object: defaults for new customers, other URLs.
    public var settings: Data

    public init(credentials: [String: String], settings: Data) {
        self.credentials = credentials
        self.settings = settings
    }
}
