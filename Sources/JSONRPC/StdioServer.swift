#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging

/// Serves a `Connection` over two file descriptors (stdin and stdout by default).
///
/// The reader thread blocks in `read`, answers every complete message it may, and flushes the
/// replies when no complete message is left, so a client waiting for each reply never hangs
/// and a pipelining client gets one write per read, not one per reply.
///
/// A `long` request (an import, a pull, a push; `Scheduling`) goes to a worker thread, and so
/// does every ordered message after it until the worker has caught up: order is kept. While
/// the worker is busy the reader goes on answering `concurrent` requests (`ping`) and
/// `$/cancelRequest` at once; the worker writes each of its replies as soon as it has it. With
/// no long work the worker is never involved, so a short request costs no thread hand-over.
/// End of input finishes the work in hand (the worker's too) and returns.
public final class StdioServer<Context> {
    public let connection: Connection<Context>
    let input: Int32
    let output: Int32
    var parser: FrameParser
    let logger: Logger

    /// Replies waiting to be written, and whether stdout is gone: shared by both threads.
    private let outputLock = NSLock()
    private var pending: [UInt8] = []
    private var outputClosed = false
    /// The framing of the last message read: a notification sent outside any request (an
    /// automatic round's `remoteSynced`) goes in it. Before the first message, the one the
    /// mode forces, else ndjson.
    private var lastFraming: Framing

    private let worker: Worker
    /// The scope of a message by its framing: made once, not per message (a short request
    /// needs only the framing; a long one gets a scope of its own in `Connection`).
    private let lineScope = RequestScope(framing: .ndjson, runsAfterReply: true)
    private let headerScope = RequestScope(framing: .contentLength, runsAfterReply: true)
    private func scope(_ framing: Framing) -> RequestScope { framing == .ndjson ? lineScope : headerScope }

    /// Flush early when this many reply bytes are waiting, even if more input is buffered.
    static var flushThreshold: Int { 1 << 20 }

    public init(connection: Connection<Context>, mode: FramingMode = .auto, maxMessageBytes: Int = 64 << 20,
                input: Int32 = 0, output: Int32 = 1, logger: Logger = Logger(label: "customer-sync.transport")) {
        self.connection = connection
        self.input = input
        self.output = output
        self.parser = FrameParser(mode: mode, maxMessageBytes: maxMessageBytes)
        lastFraming = mode == .contentLength ? .contentLength : .ndjson
        self.logger = logger
        worker = Worker()
        connection.session.setNotificationSink { [unowned self] body, framing in
            // A notification goes out in the framing of the request that sends it, at once;
            // one sent outside a request, in the framing the client last used.
            self.enqueue(body, framing: framing, flushNow: true)
        }
    }

    /// Runs until end of input or `exit`.
    public func run() {
        signal(SIGPIPE, SIG_IGN)
        worker.start { [unowned self] body, framing in self.work(body, framing) }
        let chunkSize = 1 << 16
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 1)
        defer { chunk.deallocate() }
        var exited = false
        reading: while true {
            // With long work under way, wait for input or for the worker to end the session.
            if !worker.isIdle {
                switch worker.waitForInput(input) {
                case .input: break
                case .exited: exited = true; break reading
                }
            }
            let n = read(input, chunk.baseAddress, chunkSize)
            if n < 0 {
                if errno == EINTR { continue }
                logger.error("read failed: errno \(errno)")
                break
            }
            if n == 0 {
                logger.debug("end of input")
                break
            }
            parser.append(UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
            if drain() || connection.session.state == .exited {
                exited = true
                break
            }
            flush()
            RequestScope.runAfterReplyWork()
            if isOutputClosed { break }
        }
        if !exited && parser.bufferedByteCount > 0 {
            logger.warning("end of input inside a message: \(parser.bufferedByteCount) bytes ignored")
        }
        // The work in hand is finished before the server returns (and the database closes).
        worker.finish()
        flush()
        RequestScope.runAfterReplyWork()
    }

    /// Answers every complete message buffered that the reader may; hands the others to the
    /// worker. Returns true when the session asked to exit.
    func drain() -> Bool {
        while let frame = parser.next() {
            switch frame {
            case .message(let body, let framing):
                noteFraming(framing)
                let admission: Admission = worker.isIdle ? .shortOnly : .concurrentOnly
                switch scope(framing).run({ connection.handle(body, admitting: admission) }) {
                case .reply(let reply):
                    if let reply { enqueue(reply, framing: framing, flushNow: false) }
                    if connection.session.state == .exited { return true }
                case .deferred:
                    worker.submit(body, framing: framing)
                }
            case .tooLarge(let size, let limit, let framing):
                enqueue(connection.tooLargeReply(size: size, limit: limit), framing: framing, flushNow: false)
            case .invalidHeader(let reason):
                enqueue(connection.invalidHeaderReply(reason), framing: .contentLength, flushNow: false)
            }
        }
        return false
    }

    /// The worker's side: one deferred message, answered and written at once.
    private func work(_ body: [UInt8], _ framing: Framing) -> Bool {
        if case .reply(let reply?) = scope(framing).run({ connection.handle(body, admitting: .all) }) {
            enqueue(reply, framing: framing, flushNow: true)
        }
        RequestScope.runAfterReplyWork()
        return connection.session.state == .exited
    }

    private var isOutputClosed: Bool {
        outputLock.lock()
        defer { outputLock.unlock() }
        return outputClosed
    }

    private func noteFraming(_ framing: Framing) {
        outputLock.lock()
        lastFraming = framing
        outputLock.unlock()
    }

    /// Queues one message in `framing` (nil: the framing the client last used).
    private func enqueue(_ body: [UInt8], framing: Framing?, flushNow: Bool) {
        outputLock.lock()
        defer { outputLock.unlock() }
        (framing ?? lastFraming).append(body, to: &pending)
        if flushNow || pending.count >= Self.flushThreshold { flushLocked() }
    }

    /// Writes every pending reply byte.
    func flush() {
        outputLock.lock()
        flushLocked()
        outputLock.unlock()
    }

    private func flushLocked() {
        guard !pending.isEmpty else { return }
        defer { pending.removeAll(keepingCapacity: pending.count <= Self.flushThreshold * 4) }
        guard !outputClosed else { return }
        pending.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(output, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    logger.warning("output closed (errno \(errno)); replies are dropped")
                    outputClosed = true
                    return
                }
                offset += n
            }
        }
    }
}

/// The worker thread of a `StdioServer`: runs deferred messages one at a time, in order.
/// Started on first use; `finish` waits for everything submitted.
final class Worker: @unchecked Sendable {
    // Unchecked: the queue and the flags change only under `condition`; `handler` and `wake`
    // are set before the thread starts.
    private let condition = NSCondition()
    private var queue: [([UInt8], Framing)] = []
    private var running = false
    private var finishing = false
    private var exited = false
    private var thread: Thread?
    private var handler: (([UInt8], Framing) -> Bool)?
    /// Written to when the session exits on the worker, to wake a reader waiting in `poll`.
    private var wake: (read: Int32, write: Int32) = (-1, -1)

    func start(_ handler: @escaping ([UInt8], Framing) -> Bool) {
        self.handler = handler
    }

    /// True when nothing is queued or running.
    var isIdle: Bool {
        condition.lock()
        defer { condition.unlock() }
        return queue.isEmpty && !running
    }

    func submit(_ body: [UInt8], framing: Framing) {
        condition.lock()
        defer { condition.unlock() }
        if thread == nil {
            var fds: [Int32] = [-1, -1]
            if pipe(&fds) == 0 { wake = (fds[0], fds[1]) }
            let thread = Thread { [unowned self] in self.loop() }
            thread.name = "customer-sync worker"
            thread.stackSize = 8 << 20
            self.thread = thread
            thread.start()
        }
        queue.append((body, framing))
        condition.broadcast()
    }

    enum Wakeup { case input, exited }

    /// Waits until `input` is readable or the worker's message ended the session.
    func waitForInput(_ input: Int32) -> Wakeup {
        var fds = [pollfd(fd: input, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
        while true {
            if hasExited { return .exited }
            let n = poll(&fds, nfds_t(wake.read >= 0 ? 2 : 1), wake.read >= 0 ? -1 : 50)
            if n < 0 && errno != EINTR { return .input }
            if hasExited { return .exited }
            if fds[0].revents != 0 { return .input }
        }
    }

    private var hasExited: Bool {
        condition.lock()
        defer { condition.unlock() }
        return exited
    }

    /// Waits until everything submitted has run, then ends the thread.
    func finish() {
        condition.lock()
        finishing = true
        condition.broadcast()
        while thread != nil && (!queue.isEmpty || running) { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !finishing { condition.wait() }
            if queue.isEmpty {
                condition.unlock()
                return
            }
            let (body, framing) = queue.removeFirst()
            running = true
            let stopAfter = exited
            condition.unlock()
            // After `exit`, what is still queued is not handled (input after it is not read).
            let exits = stopAfter ? true : handler!(body, framing)
            condition.lock()
            running = false
            if exits && !exited {
                exited = true
                queue.removeAll()
                if wake.write >= 0 { [UInt8(1)].withUnsafeBytes { _ = write(wake.write, $0.baseAddress, 1) } }
            }
            condition.broadcast()
            condition.unlock()
        }
    }
}
