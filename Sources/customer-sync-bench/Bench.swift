import ArgumentParser
import Foundation
import JSONRPC

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer-sync-bench",
        abstract: "Measures customer-sync from a client process.",
        subcommands: [PingBench.self]
    )
}

/// Where the server binary is: `--server`, else next to this binary.
func serverPath(_ explicit: String?) -> String {
    if let explicit { return explicit }
    let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    return me.deletingLastPathComponent().appendingPathComponent("customer-sync").path
}

/// A spawned server and blocking access to its pipes.
/// `@unchecked Sendable`: one thread writes stdin while another reads stdout; they share no mutable state.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let stdin = Pipe()
    let stdout = Pipe()
    var parser: FrameParser
    let framing: Framing

    init(path: String, arguments: [String], framing: Framing) throws {
        self.framing = framing
        parser = FrameParser(mode: framing == .ndjson ? .ndjson : .contentLength)
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments + ["--framing", framing.rawValue]
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
    }

    func send(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(stdin.fileHandleForWriting.fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                precondition(n > 0, "write to server failed")
                offset += n
            }
        }
    }

    /// Blocks until the next reply body arrives.
    func receive() -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            if case .message(let body, _)? = parser.next() { return body }
            let n = chunk.withUnsafeMutableBytes { read(stdout.fileHandleForReading.fileDescriptor, $0.baseAddress, $0.count) }
            precondition(n > 0, "server closed its output")
            chunk.withUnsafeBytes { parser.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    func finish() {
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

func nanoseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9
}

struct PingBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "ping: pipelined throughput and sequential round-trip latency (p50, p99)."
    )

    @Option(help: "Path of the customer-sync binary (default: next to this one).")
    var server: String?
    @Option(help: "Requests in the pipelined run.")
    var pipelined: Int = 200_000
    @Option(help: "Requests in the sequential run.")
    var sequential: Int = 20_000
    @Option(help: "Framing: ndjson or content-length.")
    var framing: String = "ndjson"

    func run() throws {
        guard let framing = Framing(rawValue: framing) else { throw ValidationError("unknown framing \(framing)") }
        let server = try ServerProcess(path: serverPath(server), arguments: ["--db", ":memory:"], framing: framing)
        defer { server.finish() }
        let clock = ContinuousClock()

        // Sequential: one request, wait for its reply, repeat.
        let warmup = min(1000, sequential)
        var latencies: [Double] = []
        latencies.reserveCapacity(sequential)
        for i in 0..<(sequential + warmup) {
            let request = framing.frame(Array(#"{"jsonrpc":"2.0","id":\#(i),"method":"ping"}"#.utf8))
            let start = clock.now
            server.send(request)
            _ = server.receive()
            if i >= warmup { latencies.append(nanoseconds(clock.now - start) / 1000) }
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }

        // Pipelined: a writer thread sends everything while this thread reads the replies.
        var payload: [UInt8] = []
        for i in 0..<pipelined {
            framing.append(Array(#"{"jsonrpc":"2.0","id":\#(i),"method":"ping"}"#.utf8), to: &payload)
        }
        let start = clock.now
        let writer = Thread { [payload] in server.send(payload) }
        writer.start()
        for _ in 0..<pipelined { _ = server.receive() }
        let seconds = nanoseconds(clock.now - start) / 1e9

        print("framing: \(framing.rawValue)")
        print(String(format: "sequential ping: %d requests, p50 %.1f µs, p99 %.1f µs, mean %.1f µs",
                     sequential, percentile(0.50), percentile(0.99), latencies.reduce(0, +) / Double(latencies.count)))
        print(String(format: "pipelined ping: %d requests in %.3f s = %.0f requests/s",
                     pipelined, seconds, Double(pipelined) / seconds))
    }
}
