import ArgumentParser
import Foundation
import JSONRPC
import JSONRPCClient

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer-sync-bench",
        abstract: "Measures customer-sync from a client process.",
        subcommands: [PingBench.self, WorkflowBench.self, ReadBench.self, MatchQualityBench.self, SuggestionsBench.self, EconomicBench.self, GenerateCommand.self]
    )
}

/// Where the server binary is: `--server`, else next to this binary.
func serverPath(_ explicit: String?) -> String {
    if let explicit { return explicit }
    let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    return me.deletingLastPathComponent().appendingPathComponent("customer-sync").path
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
        let server = try ChildProcess(
            executable: serverPath(server), arguments: ["--db", ":memory:", "--framing", framing.rawValue], framing: framing)
        defer {
            server.closeInput()
            server.waitForExit()
        }
        let clock = ContinuousClock()

        // Sequential: one request, wait for its reply, repeat.
        let warmup = min(1000, sequential)
        var latencies: [Double] = []
        latencies.reserveCapacity(sequential)
        for i in 0..<(sequential + warmup) {
            let request = framing.frame(Array(#"{"jsonrpc":"2.0","id":\#(i),"method":"ping"}"#.utf8))
            let start = clock.now
            server.sendRaw(request)
            _ = server.receive()!
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
        let writer = Thread { [payload] in server.sendRaw(payload) }
        writer.start()
        for _ in 0..<pipelined { _ = server.receive()! }
        let seconds = nanoseconds(clock.now - start) / 1e9

        print("framing: \(framing.rawValue)")
        print(String(format: "sequential ping: %d requests, p50 %.1f µs, p99 %.1f µs, mean %.1f µs",
                     sequential, percentile(0.50), percentile(0.99), latencies.reduce(0, +) / Double(latencies.count)))
        print(String(format: "pipelined ping: %d requests in %.3f s = %.0f requests/s",
                     pipelined, seconds, Double(pipelined) / seconds))
    }
}
