#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Set when a client sends `$/cancelRequest` for a request that is waiting or running.
/// Read from the thread that runs the request, written from the one that reads input.
public final class CancellationFlag: Sendable {
    private let cancelled = Atomic<Bool>(false)

    public init() {}

    public var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    public func cancel() { cancelled.store(true, ordering: .releasing) }

    /// Throws `RequestCancelled` (-32800) once the request was cancelled.
    public func check() throws {
        if isCancelled { throw RPCError.requestCancelled() }
    }
}

/// What a handler knows of the request it answers, beside the shared context: whether the
/// client cancelled it, how to tell the client of its progress, and work to leave for after
/// its reply. Handed to `RPCMethod.handle(_:context:request:)`, so a handler's dependence on
/// them shows in its signature; no handler reads the transport's per-thread `RequestScope`.
public struct RequestInfo: Sendable {
    /// Set by `$/cancelRequest` (never, for a call made in-process).
    public let cancellation: CancellationFlag
    private let runsAfterReply: Bool
    /// The request's framing, for its notifications (nil: the framing the client last used).
    private let framing: Framing?
    /// Where its notifications go (nil: nowhere, as for a call made in-process).
    private let session: Session?

    init(scope: RequestScope?, session: Session?) {
        cancellation = scope?.cancellation ?? CancellationFlag()
        runsAfterReply = scope?.runsAfterReply ?? false
        framing = scope?.framing
        self.session = session
    }

    /// A call made in-process, outside any transport: never cancelled; its notifications go
    /// nowhere; work left for after the reply is dropped at once.
    public static var inProcess: RequestInfo { RequestInfo(scope: nil, session: nil) }

    /// Throws `RequestCancelled` (-32800) once the request was cancelled: long handlers call
    /// it between steps.
    public func checkCancelled() throws { try cancellation.check() }

    /// Sends a notification to the client at once, in the framing of this request.
    public func notify(method: String, params: some Encodable) {
        session?.notify(method: method, params: params, framing: framing)
    }

    /// Sends `$/progress {token, done, total}` when the client gave a token; nothing otherwise.
    /// `total` is left out when it is not known.
    public func progress(_ token: ProgressToken?, done: Int, total: Int?) {
        guard let token else { return }
        notify(method: ProgressReport.method, params: ProgressReport(token: token.json, done: done, total: total))
    }

    /// Work for after the reply has been written (a WAL checkpoint after a bulk write), run by
    /// the same thread once the reply is out; dropped when no server runs it (it must be work
    /// that may be left undone).
    public func afterReply(_ work: @escaping () -> Void) {
        guard runsAfterReply else { return }
        AfterReply.local.append(work)
    }
}

/// The params of `$/progress`, as every long method sends them.
public struct ProgressReport: Encodable, Sendable {
    public static let method = "$/progress"
    public var token: JSONValue
    public var done: Int
    /// Left out when not known (a pull whose system does not say how many it holds).
    public var total: Int?
}

/// What the thread handling a request knows about it: its framing (for the notifications it
/// sends) and its cancellation flag. Kept per thread by the transport, since a long request
/// runs on a worker while the reader answers others (`StdioServer`); `Connection` turns it
/// into the `RequestInfo` a handler gets.
public final class RequestScope: Sendable {
    /// The framing of the request; nil for work the server started on its own
    /// (`runDetached`), whose notifications go in the framing the client last used.
    public let framing: Framing?
    public let cancellation: CancellationFlag

    /// Whether a server runs the work its handlers leave for after the reply (`afterReply`):
    /// true in `StdioServer`'s scopes and in the scopes made within them.
    let runsAfterReply: Bool

    init(framing: Framing?, cancellation: CancellationFlag = CancellationFlag(), runsAfterReply: Bool = false) {
        self.framing = framing
        self.cancellation = cancellation
        self.runsAfterReply = runsAfterReply
    }

    /// The scope of the request the calling thread is handling, if any.
    public static var current: RequestScope? {
        guard let raw = pthread_getspecific(key) else { return nil }
        return Unmanaged<RequestScope>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Runs and forgets the work the calling thread's handlers left for after their replies.
    static func runAfterReplyWork() {
        while !AfterReply.local.isEmpty {
            let work = AfterReply.local
            AfterReply.local.removeAll()
            for item in work { item() }
        }
    }

    /// Runs work the server starts on its own, not for a request (an automatic sync round),
    /// the way a long request runs: handlers it calls see `cancellation`, and the work they
    /// leave for after a reply (a checkpoint) runs when `body` returns.
    /// Its notifications go to `session` in the framing the client last used.
    public static func runDetached<T>(cancellation: CancellationFlag, session: Session?, _ body: (RequestInfo) throws -> T) rethrows -> T {
        let scope = RequestScope(framing: nil, cancellation: cancellation, runsAfterReply: true)
        defer { runAfterReplyWork() }
        return try scope.run { try body(RequestInfo(scope: scope, session: session)) }
    }

    /// Runs `body` with `self` as the calling thread's current scope.
    func run<T>(_ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(Self.key)
        pthread_setspecific(Self.key, Unmanaged.passUnretained(self).toOpaque())
        defer { pthread_setspecific(Self.key, previous) }
        return try body()
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
}

/// The after-reply work of each thread: the reader's and the worker's are kept apart, so
/// neither runs the other's work (a checkpoint would wait for the worker's transaction).
private enum AfterReply {
    final class Box {
        var work: [() -> Void] = []
    }

    static var local: [() -> Void] {
        get { box.work }
        set { box.work = newValue }
    }

    private static var box: Box {
        if let raw = pthread_getspecific(key) { return Unmanaged<Box>.fromOpaque(raw).takeUnretainedValue() }
        let box = Box()
        pthread_setspecific(key, Unmanaged.passRetained(box).toOpaque())
        return box
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        // The box is released when its thread ends.
        pthread_key_create(&key) { raw in
            if let raw { Unmanaged<AnyObject>.fromOpaque(raw).release() }
        }
        return key
    }()
}
