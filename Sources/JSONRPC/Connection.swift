import Foundation
import Logging
import Synchronization

/// The lifecycle of a session: running, then (after `shutdown`) refusing all but `exit`.
/// Read by the reader, the worker and the automatic rounds' thread alike: its state and its
/// notification sink are behind a mutex.
public final class Session: Sendable {
    public enum State: Sendable { case running, shutDown, exited }

    private let _state = Mutex<State>(.running)
    public var state: State { _state.withLock { $0 } }
    /// Names accepted after shutdown.
    let allowedAfterShutdown: Set<String>
    /// Where notifications (for example `$/progress`) go: the transport sets it once, before
    /// it starts the threads that read it (safe unsynchronised for that reason alone).
    nonisolated(unsafe) private(set) var notificationSink: ((_ body: [UInt8], _ framing: Framing?) -> Void)?

    public init(allowedAfterShutdown: Set<String> = ["exit"]) {
        self.allowedAfterShutdown = allowedAfterShutdown
    }

    /// Routes notifications to `sink`, with the framing of the request that sends them (nil:
    /// sent outside a request). The transport calls this; tests may too.
    public func setNotificationSink(_ sink: @escaping (_ body: [UInt8], _ framing: Framing?) -> Void) {
        notificationSink = sink
    }

    /// Marks the session shut down: from now on every request but `exit` gets -32600.
    public func shutDown() {
        _state.withLock { if $0 == .running { $0 = .shutDown } }
    }

    /// Asks the transport to stop once the current message is answered.
    public func exit() {
        _state.withLock { $0 = .exited }
    }

    /// Sends a notification to the client now (flushed at once). `framing`: that of the
    /// request sending it; nil for one sent outside a request (`RequestInfo.notify` passes it).
    public func notify(method: String, params: some Encodable, framing: Framing? = nil) {
        guard let sink = notificationSink else { return }
        guard let paramsBytes = try? Router<Void>.encode(params) else { return }
        var body = Array(#"{"jsonrpc":"2.0","method":"#.utf8)
        body += Array(JSONValue.string(method).jsonText.utf8)
        body += Array(#","params":"#.utf8)
        body += paramsBytes
        body.append(UInt8(ascii: "}"))
        sink(body, framing)
    }
}

/// Which messages a call to `Connection.handle(_:admitting:)` may answer (see `Scheduling`).
public enum Admission: Sendable {
    /// Any message (the worker thread; in-process tests).
    case all
    /// Any but one holding a `long` request (the reader, while no long work is queued).
    case shortOnly
    /// Only `$/cancelRequest` and messages whose every request is `concurrent` (the reader,
    /// while long work is queued or running: anything else must wait its turn).
    case concurrentOnly
}

/// What `Connection.handle(_:admitting:)` did with a message.
public enum Handled {
    /// Answered: the reply body, or nil when nothing is to be sent.
    case reply([UInt8]?)
    /// Not admitted: hand it to the worker, which will answer it in order.
    case deferred
}

/// How much one batch may ask for: its number of messages (`--max-batch`) and the bytes of
/// its replies (`--max-batch-reply-bytes`; the replies of a batch are sent as one array).
public struct BatchLimits: Sendable, Equatable {
    public var maxItems: Int
    public var maxReplyBytes: Int

    public init(maxItems: Int = 1000, maxReplyBytes: Int = 64 << 20) {
        self.maxItems = maxItems
        self.maxReplyBytes = maxReplyBytes
    }

    public static let standard = BatchLimits()
}

/// The JSON-RPC 2.0 engine without I/O: one message body in, one reply body (or none) out.
///
/// Checks the envelope, answers batches as arrays, never answers notifications, enforces the
/// shutdown rule and maps every error to its wire form. In-process tests drive it directly.
/// `$/cancelRequest {id}` is answered here, not by a method: it sets the cancellation flag of
/// a deferred or running request with that id (a request already answered is left alone).
public final class Connection<Context> {
    public let router: Router<Context>
    public let context: Context
    public let session: Session
    public let batchLimits: BatchLimits
    let logger: Logger
    /// The cancellation flags of the requests deferred and not yet answered, by id.
    private let cancellations = Mutex<[RequestID: CancellationFlag]>([:])

    static var cancelMethod: String { "$/cancelRequest" }

    public init(router: Router<Context>, context: Context, session: Session, batchLimits: BatchLimits = .standard,
                logger: Logger = Logger(label: "customer-sync.rpc")) {
        self.router = router
        self.context = context
        self.session = session
        self.batchLimits = batchLimits
        self.logger = logger
    }

    /// Handles one message body; returns the reply body, or nil when nothing is to be sent
    /// (a notification, or a batch of notifications only).
    public func handle(_ body: [UInt8]) -> [UInt8]? {
        guard case .reply(let reply) = handle(body, admitting: .all) else { return nil }
        return reply
    }

    /// Handles one message body if `admitting` allows, else defers it (registering the
    /// cancellation flags of its requests, so `$/cancelRequest` reaches them while they wait).
    public func handle(_ body: [UInt8], admitting: Admission) -> Handled {
        body.withUnsafeBufferPointer { buffer in
            let message = Message.parse(buffer)
            // The common case, one request: its method is looked up once, here.
            if case .single(.request(let request)) = message, request.method != Self.cancelMethod {
                let entry = router.entry(request.method)
                if admitting != .all, !admits(entry?.scheduling ?? .ordered, admitting) {
                    register(message)
                    return .deferred
                }
                return .reply(reply(to: request, entry: entry, message: buffer))
            }
            if admitting != .all, !admits(message, admitting) {
                register(message)
                return .deferred
            }
            return .reply(answer(message, buffer: buffer))
        }
    }

    func admits(_ scheduling: Scheduling, _ admission: Admission) -> Bool {
        switch scheduling {
        case .long: false
        case .ordered: admission == .shortOnly
        case .concurrent: true
        }
    }

    func admits(_ message: Message, _ admission: Admission) -> Bool {
        func admits(_ item: Incoming) -> Bool {
            guard case .request(let request) = item else { return admission == .shortOnly }
            if request.method == Self.cancelMethod { return true }
            return self.admits(router.scheduling(of: request.method), admission)
        }
        switch message {
        case .single(let item): return admits(item)
        case .batch(let items): return items.allSatisfy(admits)
        case .unparsable, .emptyBatch: return admission == .shortOnly
        }
    }

    private func register(_ message: Message) {
        let items: [Incoming] = switch message {
        case .single(let item): [item]
        case .batch(let items): items
        case .unparsable, .emptyBatch: []
        }
        cancellations.withLock { flags in
            for case .request(let request) in items {
                if let id = request.id, request.method != Self.cancelMethod { flags[id] = CancellationFlag() }
            }
        }
    }

    /// The flag of a request (the one registered when it was deferred, else a new one, kept
    /// until the request is answered).
    private func cancellation(for id: RequestID?) -> CancellationFlag {
        guard let id else { return CancellationFlag() }
        return cancellations.withLock { flags in
            if let flag = flags[id] { return flag }
            let flag = CancellationFlag()
            flags[id] = flag
            return flag
        }
    }

    private func answered(_ id: RequestID?) {
        guard let id else { return }
        _ = cancellations.withLock { $0.removeValue(forKey: id) }
    }

    /// `$/cancelRequest {id}`: flags the request; unknown or finished ids are ignored.
    private func cancel(_ request: Request, message: UnsafeBufferPointer<UInt8>) {
        guard let range = request.paramsRange,
              let params = try? JSONValue.parse(Array(UnsafeBufferPointer(rebasing: message[range]))) else { return }
        let id: RequestID
        switch params["id"] {
        case .number(let n)?: id = RequestID(json: n)
        case .string(let s)?: id = RequestID.string(s)
        default: return
        }
        let flag = cancellations.withLock { $0[id] }
        flag?.cancel()
        logger.debug("cancel request \(id): \(flag == nil ? "not waiting or running" : "flagged")")
    }

    private func answer(_ message: Message, buffer: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        switch message {
        case .unparsable(let error):
            logger.debug("parse error: \(error.data?["detail"]?.stringValue ?? "")")
            return Self.errorReply(error, id: .null)
        case .emptyBatch:
            return Self.errorReply(.invalidRequest("an empty batch is not a request"), id: .null)
        case .single(let item):
            return reply(to: item, message: buffer)
        case .batch(let items):
            guard items.count <= batchLimits.maxItems else {
                logger.warning("batch of \(items.count) refused, limit \(batchLimits.maxItems)")
                return Self.errorReply(.batchTooLarge(count: items.count, limit: batchLimits.maxItems), id: .null)
            }
            // The replies go into one array as they are made; once it passes the limit, the
            // batch's remaining requests are not run (a request run is always answered with
            // its own result, so the array holds at most the limit and one reply more).
            var out: [UInt8] = [UInt8(ascii: "[")]
            var any = false
            for item in items {
                let r: [UInt8]?
                if out.count > batchLimits.maxReplyBytes, case .request(let request) = item {
                    guard let id = request.id else { continue }  // a notification: not run, never answered
                    r = Self.errorReply(.batchReplyTooLarge(limit: batchLimits.maxReplyBytes), id: id)
                } else {
                    r = reply(to: item, message: buffer)
                }
                guard let r else { continue }
                if any { out.append(UInt8(ascii: ",")) }
                out += r
                any = true
            }
            if !any { return nil }
            out.append(UInt8(ascii: "]"))
            return out
        }
    }

    /// The reply to a message that was too large to read.
    public func tooLargeReply(size: Int?, limit: Int) -> [UInt8] {
        logger.warning("message too large: \(size.map(String.init) ?? "unknown") bytes, limit \(limit)")
        return Self.errorReply(.messageTooLarge(size: size, limit: limit), id: .null)
    }

    /// The reply to a header block that cannot be read.
    public func invalidHeaderReply(_ reason: String) -> [UInt8] {
        logger.warning("invalid header: \(reason)")
        return Self.errorReply(.parseError("invalid header: \(reason)"), id: .null)
    }

    func reply(to item: Incoming, message: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        switch item {
        case .invalid(let error, let id):
            return Self.errorReply(error, id: id)
        case .request(let request):
            if request.method == Self.cancelMethod {
                cancel(request, message: message)
                guard let id = request.id else { return nil }
                return Array(#"{"jsonrpc":"2.0","id":\#(id.json),"result":{}}"#.utf8)
            }
            return reply(to: request, entry: router.entry(request.method), message: message)
        }
    }

    /// The reply to one request whose method entry (nil: unknown) was looked up.
    func reply(to request: Request, entry: Router<Context>.Entry?, message: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        if session.state != .running && !session.allowedAfterShutdown.contains(request.method) {
            guard let id = request.id else { return nil }
            return Self.errorReply(.invalidRequest("the server is shut down; only 'exit' is accepted", kind: "ShutDown"), id: id)
        }
        let isLong = entry?.scheduling == .long
        defer { if isLong { answered(request.id) } }
        do {
            let result: [UInt8]
            if isLong {
                // Its own scope: the flag `$/cancelRequest` sets, checked before it starts.
                let scope = RequestScope(framing: RequestScope.current?.framing, cancellation: cancellation(for: request.id),
                                         runsAfterReply: RequestScope.current?.runsAfterReply ?? false)
                try scope.cancellation.check()
                result = try scope.run {
                    try router.call(entry, request, message: message, context: context, info: RequestInfo(scope: scope, session: session))
                }
            } else {
                result = try router.call(entry, request, message: message, context: context,
                                         info: RequestInfo(scope: RequestScope.current, session: session))
            }
            guard let id = request.id else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(result.count + 48)
            out.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
            out.append(contentsOf: id.json.utf8)
            out.append(contentsOf: #","result":"#.utf8)
            out.append(contentsOf: result)
            out.append(UInt8(ascii: "}"))
            return out
        } catch {
            let rpcError = wireError(error, method: request.method)
            guard let id = request.id else { return nil }
            return Self.errorReply(rpcError, id: id)
        }
    }

    func wireError(_ error: any Error, method: String) -> RPCError {
        if let convertible = error as? any RPCErrorConvertible {
            let e = convertible.rpcError
            if e.code == .internalError { logger.error("\(method): \(error)") }
            return e
        }
        logger.error("\(method) failed: \(String(reflecting: error))")
        return .internalError()
    }

    static func errorReply(_ error: RPCError, id: RequestID) -> [UInt8] {
        var out = Array(#"{"jsonrpc":"2.0","id":"#.utf8)
        out += Array(id.json.utf8)
        out += Array(#","error":"#.utf8)
        out += (try? Router<Void>.encode(error)) ?? Array(#"{"code":-32603,"message":"Internal error"}"#.utf8)
        out.append(UInt8(ascii: "}"))
        return out
    }
}
