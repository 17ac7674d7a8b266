import Foundation
import JSONRPC
import JSONRPCClient

/// The real binary as a subprocess, called the way a client would: the one helper the
/// end-to-end tests use to talk to it request by request.
public final class Spawned {
    public let process: ChildProcess
    private var nextId = 0

    public init(_ arguments: [String] = ["--db", ":memory:"], framing: Framing = .ndjson, captureStderr: Bool = false) throws {
        process = try ChildProcess(executable: Paths.serverBinary, arguments: arguments, framing: framing, captureStderr: captureStderr)
    }

    /// The whole reply (result or error) to `method`; notifications sent meanwhile
    /// (`$/progress`) go to `notifications`.
    @discardableResult
    public func call(_ method: String, _ params: JSONValue = [:], timeout: Duration = .seconds(120)) throws -> JSONValue {
        nextId += 1
        let request: JSONValue = ["jsonrpc": "2.0", "id": .int(nextId), "method": .string(method), "params": params]
        process.send(Array(request.jsonText.utf8))
        while true {
            guard let bytes = process.receive(timeout: timeout) else { throw Failure("no reply to \(method) within \(timeout)") }
            let reply = try JSONValue.parse(bytes)
            if reply["id"] == nil, let name = reply["method"]?.stringValue {
                notifications.append((name, reply["params"] ?? .null))
                continue
            }
            return reply
        }
    }

    /// The notifications received so far (method, params).
    public var notifications: [(String, JSONValue)] = []

    /// The params of the next notification named `method` the server sends on its own (one
    /// received already during a call is taken first), or nil when none comes within `timeout`.
    public func notification(_ method: String, timeout: Duration) throws -> JSONValue? {
        if let index = notifications.firstIndex(where: { $0.0 == method }) { return notifications.remove(at: index).1 }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let bytes = process.receive(timeout: deadline - ContinuousClock.now) else { return nil }
            let message = try JSONValue.parse(bytes)
            guard message["id"] == nil, let name = message["method"]?.stringValue else {
                throw Failure("a reply with no request waiting: \(message.jsonText)")
            }
            if name == method { return message["params"] ?? .null }
            notifications.append((name, message["params"] ?? .null))
        }
        return nil
    }

    /// The result, or a `Failure` naming the error that came instead.
    @discardableResult
    public func result(_ method: String, _ params: JSONValue = [:], timeout: Duration = .seconds(120)) throws -> JSONValue {
        let reply = try call(method, params, timeout: timeout)
        if let error = reply["error"] { throw Failure("\(method): \(error.jsonText)") }
        guard let result = reply["result"] else { throw Failure("\(method): no result in \(reply.jsonText)") }
        return result
    }

    /// Closes its input and waits: the exit status.
    @discardableResult
    public func close() -> Int32 {
        process.closeInput()
        return process.waitForExit()
    }

    /// Ends it at once, as a crash would.
    public func kill() {
        Foundation.kill(process.process.processIdentifier, SIGKILL)
        _ = process.waitForExit()
    }
}
