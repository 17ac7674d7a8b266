import Logging

/// The lifecycle of a session: running, then (after `shutdown`) refusing all but `exit`.
public final class Session {
    public enum State: Sendable { case running, shutDown, exited }

    public private(set) var state: State = .running
    /// Names accepted after shutdown.
    let allowedAfterShutdown: Set<String>
    /// Where notifications (for example `$/progress`) go: the transport sets it.
    var notificationSink: ((_ body: [UInt8]) -> Void)?

    public init(allowedAfterShutdown: Set<String> = ["exit"]) {
        self.allowedAfterShutdown = allowedAfterShutdown
    }

    /// Routes notifications to `sink` (the transport calls this; tests may too).
    public func setNotificationSink(_ sink: @escaping (_ body: [UInt8]) -> Void) {
        notificationSink = sink
    }

    /// Marks the session shut down: from now on every request but `exit` gets -32600.
    public func shutDown() { if state == .running { state = .shutDown } }

    /// Asks the transport to stop once the current message is answered.
    public func exit() { state = .exited }

    /// Sends a notification to the client now (flushed at once).
    public func notify(method: String, params: some Encodable) {
        guard let sink = notificationSink else { return }
        guard let paramsBytes = try? Router<Void>.encode(params) else { return }
        var body = Array(#"{"jsonrpc":"2.0","method":"#.utf8)
        body += Array(JSONValue.string(method).jsonText.utf8)
        body += Array(#","params":"#.utf8)
        body += paramsBytes
        body.append(UInt8(ascii: "}"))
        sink(body)
    }
}

/// The JSON-RPC 2.0 engine without I/O: one message body in, one reply body (or none) out.
///
/// Checks the envelope, answers batches as arrays, never answers notifications, enforces the
/// shutdown rule and maps every error to its wire form. In-process tests drive it directly.
public final class Connection<Context> {
    public let router: Router<Context>
    public let context: Context
    public let session: Session
    let logger: Logger

    public init(router: Router<Context>, context: Context, session: Session, logger: Logger = Logger(label: "customer-sync.rpc")) {
        self.router = router
        self.context = context
        self.session = session
        self.logger = logger
    }

    /// Handles one message body; returns the reply body, or nil when nothing is to be sent
    /// (a notification, or a batch of notifications only).
    public func handle(_ body: [UInt8]) -> [UInt8]? {
        body.withUnsafeBufferPointer { buffer in
            switch Message.parse(buffer) {
            case .unparsable(let error):
                logger.debug("parse error: \(error.data?["detail"]?.stringValue ?? "")")
                return Self.errorReply(error, id: .null)
            case .emptyBatch:
                return Self.errorReply(.invalidRequest("an empty batch is not a request"), id: .null)
            case .single(let item):
                return reply(to: item, message: buffer)
            case .batch(let items):
                var replies: [[UInt8]] = []
                for item in items {
                    if let r = reply(to: item, message: buffer) { replies.append(r) }
                }
                if replies.isEmpty { return nil }
                var out: [UInt8] = [UInt8(ascii: "[")]
                for (i, r) in replies.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    out += r
                }
                out.append(UInt8(ascii: "]"))
                return out
            }
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
            if session.state != .running && !session.allowedAfterShutdown.contains(request.method) {
                guard let id = request.id else { return nil }
                return Self.errorReply(.invalidRequest("the server is shut down; only 'exit' is accepted", kind: "ShutDown"), id: id)
            }
            do {
                let result = try router.call(request, message: message, context: context)
                guard let id = request.id else { return nil }
                var out = Array(#"{"jsonrpc":"2.0","id":"#.utf8)
                out += Array(id.json.utf8)
                out += Array(#","result":"#.utf8)
                out += result
                out.append(UInt8(ascii: "}"))
                return out
            } catch {
                let rpcError = wireError(error, method: request.method)
                guard let id = request.id else { return nil }
                return Self.errorReply(rpcError, id: id)
            }
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
