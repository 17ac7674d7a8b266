import Foundation
import JSONRPC
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The client end of a spawned JSON-RPC server: writes framed messages to its stdin and reads
/// framed replies from its stdout, blocking (with `poll`, never a sleep) up to a timeout.
///
/// Used by the benchmark and the end-to-end tests. `@unchecked Sendable`: one thread may write
/// while another reads; `send` touches only stdin and `receive` only stdout and the parser.
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    let stdinPipe = Pipe()
    let stdoutPipe = Pipe()
    let stderrPipe: Pipe?
    var parser: FrameParser
    public let framing: Framing

    /// Spawns `executable` with `arguments`; the child's stderr is inherited unless `captureStderr`.
    public init(executable: String, arguments: [String], framing: Framing, captureStderr: Bool = false) throws {
        signal(SIGPIPE, SIG_IGN)
        self.framing = framing
        parser = FrameParser(mode: framing == .ndjson ? .ndjson : .contentLength, maxMessageBytes: Int.max)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        if captureStderr {
            let pipe = Pipe()
            process.standardError = pipe
            stderrPipe = pipe
        } else {
            stderrPipe = nil
        }
        try process.run()
    }

    /// Writes raw bytes to the child's stdin; false when the child closed it.
    @discardableResult
    public func sendRaw(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(stdinPipe.fileHandleForWriting.fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
    }

    /// Frames `body` in this connection's framing and writes it.
    @discardableResult
    public func send(_ body: [UInt8]) -> Bool { sendRaw(framing.frame(body)) }

    /// The next reply body; nil on end of output or when `timeout` passes first.
    public func receive(timeout: Duration = .seconds(30)) -> [UInt8]? {
        let fd = stdoutPipe.fileHandleForReading.fileDescriptor
        let deadline = ContinuousClock.now + timeout
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            if case .message(let body, _)? = parser.next() { return body }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return nil }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let millis = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&pfd, 1, millis)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return nil }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            chunk.withUnsafeBytes { parser.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    /// Everything left on stdout after the child closed it (call after `closeInput`).
    public func remainingOutput() -> [UInt8] {
        var rest = Array(stdoutPipe.fileHandleForReading.readDataToEndOfFile())
        if parser.bufferedByteCount > 0 {
            rest = Array(parser.bufferedBytes) + rest
        }
        return rest
    }

    /// Everything the child wrote on stderr (only with `captureStderr`; call after it exited).
    public func stderrText() -> String {
        guard let pipe = stderrPipe else { return "" }
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    /// Closes the child's stdin (end of input).
    public func closeInput() {
        try? stdinPipe.fileHandleForWriting.close()
    }

    /// Waits for the child to exit; returns its status.
    @discardableResult
    public func waitForExit() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }
}
