#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// Serves a `Connection` over two file descriptors (stdin and stdout by default).
///
/// One thread, blocking reads, one writer: read whatever is available, answer every complete
/// message in it, and flush the replies when no complete message is left, so a client waiting
/// for each reply never hangs and a pipelining client gets one write per read, not one per reply.
/// End of input finishes the work in hand and returns.
public final class StdioServer<Context> {
    public let connection: Connection<Context>
    let input: Int32
    let output: Int32
    var parser: FrameParser
    var pending: [UInt8] = []
    /// The framing of the message being handled (notifications sent meanwhile use it).
    var currentFraming: Framing = .ndjson
    var outputClosed = false
    let logger: Logger

    /// Flush early when this many reply bytes are waiting, even if more input is buffered.
    static var flushThreshold: Int { 1 << 20 }

    public init(connection: Connection<Context>, mode: FramingMode = .auto, maxMessageBytes: Int = 64 << 20,
                input: Int32 = 0, output: Int32 = 1, logger: Logger = Logger(label: "customer-sync.transport")) {
        self.connection = connection
        self.input = input
        self.output = output
        self.parser = FrameParser(mode: mode, maxMessageBytes: maxMessageBytes)
        self.logger = logger
        connection.session.setNotificationSink { [unowned self] body in
            self.currentFraming.append(body, to: &self.pending)
            self.flush()
        }
    }

    /// Runs until end of input or `exit`.
    public func run() {
        signal(SIGPIPE, SIG_IGN)
        let chunkSize = 1 << 16
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 1)
        defer { chunk.deallocate() }
        var exited = false
        while true {
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
            if drain() {
                exited = true
                break
            }
            flush()
            if outputClosed { break }
        }
        if !exited && parser.bufferedByteCount > 0 {
            logger.warning("end of input inside a message: \(parser.bufferedByteCount) bytes ignored")
        }
        flush()
    }

    /// Answers every complete message buffered; returns true when the session asked to exit.
    func drain() -> Bool {
        while let frame = parser.next() {
            switch frame {
            case .message(let body, let framing):
                currentFraming = framing
                if let reply = connection.handle(body) {
                    framing.append(reply, to: &pending)
                }
                if connection.session.state == .exited { return true }
            case .tooLarge(let size, let limit, let framing):
                framing.append(connection.tooLargeReply(size: size, limit: limit), to: &pending)
            case .invalidHeader(let reason):
                Framing.contentLength.append(connection.invalidHeaderReply(reason), to: &pending)
            }
            if pending.count >= Self.flushThreshold { flush() }
        }
        return false
    }

    /// Writes every pending reply byte.
    func flush() {
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
