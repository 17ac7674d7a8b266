import Foundation
@testable import JSONRPC
import Testing

/// Long requests run on a worker while the reader answers concurrent ones and
/// `$/cancelRequest`; ordered requests keep their place behind the long work.
@Suite("Scheduling and cancellation")
struct SchedulingTests {
    /// What the methods record, in the order they ran.
    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [String] = []
        /// Set to let `slow` finish.
        let release = CancellationFlag()
        let session = Session()
        func add(_ s: String) { lock.lock(); entries.append(s); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return entries }
    }

    enum Slow: RPCMethod {
        static let name = "slow"
        static var scheduling: Scheduling { .long }
        static func handle(_ p: NoParams, context: Log, request: RequestInfo) throws -> EmptyResult {
            context.add("slow started")
            let deadline = Date().addingTimeInterval(20)
            while !context.release.isCancelled && Date() < deadline {
                try request.checkCancelled()
                Thread.sleep(forTimeInterval: 0.002)
            }
            context.add("slow done")
            return EmptyResult()
        }
    }

    enum Ping: RPCMethod {
        static let name = "ping"
        static var scheduling: Scheduling { .concurrent }
        static func handle(_ p: NoParams, context: Log) throws -> EmptyResult { EmptyResult() }
    }

    enum Write: RPCMethod {
        static let name = "write"
        static func handle(_ p: NoParams, context: Log) throws -> EmptyResult {
            context.add("write")
            return EmptyResult()
        }
    }

    /// Leaves work for after its reply that waits for `release` (as a checkpoint takes time).
    enum Tidy: RPCMethod {
        static let name = "tidy"
        static func handle(_ p: NoParams, context: Log, request: RequestInfo) throws -> EmptyResult {
            context.add("tidy")
            request.afterReply {
                let deadline = Date().addingTimeInterval(20)
                while !context.release.isCancelled && Date() < deadline { Thread.sleep(forTimeInterval: 0.002) }
                context.add("tidied")
            }
            return EmptyResult()
        }
    }

    enum Exit: RPCMethod {
        static let name = "exit"
        static func handle(_ p: NoParams, context: Log) throws -> EmptyResult {
            context.session.exit()
            return EmptyResult()
        }
    }

    /// A server on two pipes, run on its own thread.
    final class Pipes: @unchecked Sendable {
        let log = Log()
        let toServer: FileHandle
        let fromServer: FileHandle
        var parser = FrameParser(mode: .ndjson, maxMessageBytes: 1 << 20)
        let done = DispatchSemaphore(value: 0)
        /// Kept: a `Pipe` closes its descriptors when it goes.
        let pipes: [Pipe]

        init() {
            var router = Router<Log>()
            router.register(Slow.self)
            router.register(Ping.self)
            router.register(Write.self)
            router.register(Exit.self)
            router.register(Tidy.self)
            let input = Pipe(), output = Pipe()
            pipes = [input, output]
            toServer = input.fileHandleForWriting
            fromServer = output.fileHandleForReading
            let connection = Connection(router: router, context: log, session: log.session)
            nonisolated(unsafe) let server = StdioServer(connection: connection, mode: .ndjson, input: input.fileHandleForReading.fileDescriptor,
                                     output: output.fileHandleForWriting.fileDescriptor)
            let done = self.done
            Thread {
                server.run()
                try? output.fileHandleForWriting.close()
                done.signal()
            }.start()
        }

        func send(_ text: String) { toServer.write(Data((text + "\n").utf8)) }

        /// The next reply, as JSON.
        func receive() throws -> JSONValue {
            while true {
                if case .message(let body, _)? = parser.next() { return try JSONValue.parse(body) }
                let data = fromServer.availableData
                guard !data.isEmpty else { throw CancellationError() }
                parser.append(Array(data))
            }
        }

        func close() {
            try? toServer.close()
            done.wait()
        }
    }

    @Test func concurrentRequestsAreAnsweredWhileALongOneRuns() throws {
        let p = Pipes()
        p.send(#"{"jsonrpc":"2.0","id":1,"method":"slow"}"#)
        p.send(#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#)
        #expect(try p.receive()["id"] == 2)
        p.send(#"{"jsonrpc":"2.0","id":3,"method":"ping"}"#)
        #expect(try p.receive()["id"] == 3)
        p.log.release.cancel()
        #expect(try p.receive() == ["jsonrpc": "2.0", "id": 1, "result": [:]])
        p.close()
    }

    @Test func orderedRequestsWaitBehindTheLongOne() throws {
        let p = Pipes()
        p.send(#"{"jsonrpc":"2.0","id":1,"method":"slow"}"#)
        p.send(#"{"jsonrpc":"2.0","id":2,"method":"write"}"#)
        p.send(#"{"jsonrpc":"2.0","id":3,"method":"ping"}"#)
        #expect(try p.receive()["id"] == 3)
        #expect(!p.log.all.contains("write"))
        p.log.release.cancel()
        #expect(try p.receive()["id"] == 1)
        #expect(try p.receive()["id"] == 2)
        #expect(p.log.all == ["slow started", "slow done", "write"])
        p.close()
    }

    @Test func cancelRequestEndsTheLongOneWithRequestCancelled() throws {
        let p = Pipes()
        p.send(#"{"jsonrpc":"2.0","id":"a","method":"slow"}"#)
        p.send(#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#)
        #expect(try p.receive()["id"] == 2)
        // Cancel once "slow" is under way (the one not yet started is the next test's case).
        let deadline = Date().addingTimeInterval(10)
        while !p.log.all.contains("slow started") && Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
        p.send(#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"a"}}"#)
        let reply = try p.receive()
        #expect(reply["id"] == "a")
        #expect(reply["error"]?["code"] == -32800)
        #expect(reply["error"]?["data"]?["kind"] == "RequestCancelled")
        #expect(p.log.all == ["slow started"])
        p.close()
    }

    @Test func aCancelledRequestThatHasNotStartedNeverRuns() throws {
        let p = Pipes()
        p.send(#"{"jsonrpc":"2.0","id":1,"method":"slow"}"#)
        p.send(#"{"jsonrpc":"2.0","id":2,"method":"slow"}"#)
        p.send(#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":2}}"#)
        p.send(#"{"jsonrpc":"2.0","id":3,"method":"ping"}"#)
        #expect(try p.receive()["id"] == 3)
        p.log.release.cancel()
        #expect(try p.receive()["id"] == 1)
        let second = try p.receive()
        #expect(second["id"] == 2)
        #expect(second["error"]?["code"] == -32800)
        #expect(p.log.all == ["slow started", "slow done"])
        p.close()
    }

    @Test func endOfInputFinishesTheLongWorkFirst() throws {
        let p = Pipes()
        p.send(#"{"jsonrpc":"2.0","id":1,"method":"slow"}"#)
        p.send(#"{"jsonrpc":"2.0","id":2,"method":"write"}"#)
        try p.toServer.close()
        Thread.sleep(forTimeInterval: 0.05)
        p.log.release.cancel()
        #expect(try p.receive()["id"] == 1)
        #expect(try p.receive()["id"] == 2)
        p.done.wait()
        #expect(p.fromServer.availableData.isEmpty)
    }

    @Test func cancellingWhatIsNotRunningIsIgnored() throws {
        let p = Pipes()
        p.send(#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":99}}"#)
        p.send(#"{"jsonrpc":"2.0","id":1,"method":"$/cancelRequest","params":{"id":98}}"#)
        #expect(try p.receive() == ["jsonrpc": "2.0", "id": 1, "result": [:]])
        p.send(#"{"jsonrpc":"2.0","id":2,"method":"write"}"#)
        #expect(try p.receive()["id"] == 2)
        p.close()
    }

    @Test func exitBehindALongRequestEndsTheServerWhenItsTurnComes() throws {
        let p = Pipes()
        p.send(#"{"jsonrpc":"2.0","id":1,"method":"slow"}"#)
        p.send(#"{"jsonrpc":"2.0","method":"exit"}"#)
        p.send(#"{"jsonrpc":"2.0","id":2,"method":"write"}"#)
        p.log.release.cancel()
        #expect(try p.receive()["id"] == 1)
        p.done.wait()  // the server returned with its input still open
        #expect(p.log.all == ["slow started", "slow done"])
        try? p.toServer.close()
    }

    @Test func workLeftForAfterTheReplyRunsOnceTheReplyIsOut() throws {
        let p = Pipes()
        p.send(#"{"jsonrpc":"2.0","id":1,"method":"tidy"}"#)
        // The reply arrives while the work it left is still waiting.
        #expect(try p.receive()["id"] == 1)
        #expect(p.log.all == ["tidy"])
        p.send(#"{"jsonrpc":"2.0","id":2,"method":"write"}"#)
        p.log.release.cancel()
        #expect(try p.receive()["id"] == 2)
        // The same thread ran the work before it read the next request.
        #expect(p.log.all == ["tidy", "tidied", "write"])
        p.close()
    }

    /// In-process (no scope, or a scope no server made), the work is dropped at once, not
    /// kept with its thread: what it holds (a database) goes when the call ends.
    @Test func aHandlerCalledWithoutAServerLeavesNoWork() throws {
        weak var kept: Log?
        do {
            let log = Log()
            kept = log
            log.release.cancel()
            _ = try Tidy.handle(NoParams(), context: log)
            try RequestScope(framing: .ndjson).run { _ = try Tidy.handle(NoParams(), context: log) }
            RequestScope.runAfterReplyWork()
            #expect(log.all == ["tidy", "tidy"])
        }
        #expect(kept == nil, "the work and what it holds were let go")
    }
}
