import JSONRPC
import Testing

/// The RPC layer in-process: envelope rules, ids, batches, notifications, params errors, lifecycle.
@Suite("Connection")
struct ConnectionTests {
    final class Calls { var log: [String] = [] }

    enum Echo: RPCMethod {
        static let name = "echo"
        struct Params: RPCParams {
            enum CodingKeys: String, CodingKey, CaseIterable { case text, count, nested }
            var text: String
            var count: Int?
            var nested: Nested?
        }
        struct Nested: Decodable, Sendable { var items: [Int] }
        struct Result: Encodable { var text: String; var count: Int? }
        static func handle(_ p: Params, context: Calls) throws -> Result {
            context.log.append("echo \(p.text)")
            return Result(text: p.text, count: p.count)
        }
    }

    enum Fail: RPCMethod {
        static let name = "fail"
        typealias Params = NoParams
        struct Boom: Error {}
        static func handle(_ p: NoParams, context: Calls) throws -> EmptyResult { throw Boom() }
    }

    enum Refuse: RPCMethod {
        static let name = "refuse"
        typealias Params = NoParams
        static func handle(_ p: NoParams, context: Calls) throws -> EmptyResult {
            throw RPCError(code: ErrorCode(1001), message: "nothing here", data: ["kind": "NotFound"])
        }
    }

    enum Stop: RPCMethod {
        static let name = "shutdown"
        typealias Params = NoParams
        static func handle(_ p: NoParams, context: Calls) throws -> EmptyResult { EmptyResult() }
    }

    let calls = Calls()
    let connection: Connection<Calls>

    init() {
        var router = Router<Calls>()
        router.register(Echo.self)
        router.register(Fail.self)
        router.register(Refuse.self)
        connection = Connection(router: router, context: calls, session: Session())
    }

    func send(_ text: String) throws -> JSONValue? {
        guard let reply = connection.handle(Array(text.utf8)) else { return nil }
        return try JSONValue.parse(reply)
    }

    func replyText(_ text: String) -> String? {
        connection.handle(Array(text.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func resultEchoesTheIdExactly() {
        #expect(replyText(#"{"jsonrpc":"2.0","id":"1","method":"echo","params":{"text":"hi"}}"#)
            == #"{"jsonrpc":"2.0","id":"1","result":{"text":"hi"}}"#)
        #expect(replyText(#"{"jsonrpc":"2.0","id":1,"method":"echo","params":{"text":"hi"}}"#)
            == #"{"jsonrpc":"2.0","id":1,"result":{"text":"hi"}}"#)
        #expect(replyText(#"{"id":1.0e0,"method":"echo","jsonrpc":"2.0","params":{"text":"hi","count":2}}"#)
            == #"{"jsonrpc":"2.0","id":1.0e0,"result":{"count":2,"text":"hi"}}"#)
    }

    @Test func aByteOrderMarkIsIgnored() {
        let reply = connection.handle([0xEF, 0xBB, 0xBF] + Array(#"{"jsonrpc":"2.0","id":1,"method":"echo","params":{"text":"b"}}"#.utf8))
        #expect(reply.map { String(decoding: $0, as: UTF8.self) } == #"{"jsonrpc":"2.0","id":1,"result":{"text":"b"}}"#)
    }

    @Test func notificationsAreNeverAnswered() throws {
        #expect(try send(#"{"jsonrpc":"2.0","method":"echo","params":{"text":"n"}}"#) == nil)
        #expect(try send(#"{"jsonrpc":"2.0","method":"nope"}"#) == nil)
        #expect(try send(#"{"jsonrpc":"2.0","method":"echo","params":{"wrong":1}}"#) == nil)
        #expect(try send(#"{"jsonrpc":"2.0","method":"fail"}"#) == nil)
        #expect(calls.log == ["echo n"])
    }

    @Test func missingParamIsNamedByPath() throws {
        let reply = try #require(try send(#"{"jsonrpc":"2.0","id":1,"method":"echo","params":{}}"#))
        #expect(reply["error"]?["code"] == -32602)
        #expect(reply["error"]?["message"] == "Invalid params")
        #expect(reply["error"]?["data"]?["path"] == "text")
        #expect(reply["error"]?["data"]?["kind"] == "InvalidParams")
    }

    @Test func nestedTypeErrorIsNamedByPath() throws {
        let reply = try #require(try send(#"{"jsonrpc":"2.0","id":1,"method":"echo","params":{"text":"a","nested":{"items":[1,"x"]}}}"#))
        #expect(reply["error"]?["data"]?["path"] == "nested.items[1]")
        #expect(reply["error"]?["data"]?["detail"] == "expected an integer")
    }

    @Test func nullForRequiredIsInvalid() throws {
        let reply = try #require(try send(#"{"jsonrpc":"2.0","id":1,"method":"echo","params":{"text":null}}"#))
        #expect(reply["error"]?["data"]?["path"] == "text")
    }

    @Test func unknownMemberIsRefused() throws {
        let reply = try #require(try send(#"{"jsonrpc":"2.0","id":1,"method":"echo","params":{"text":"a","txet":"b"}}"#))
        #expect(reply["error"]?["data"]?["path"] == "txet")
        #expect(calls.log.isEmpty)
    }

    @Test func unexpectedErrorsBecomeInternalErrorWithoutDetails() throws {
        let reply = try #require(try send(#"{"jsonrpc":"2.0","id":7,"method":"fail"}"#))
        #expect(reply["error"]?["code"] == -32603)
        #expect(reply["error"]?["message"] == "Internal error")
        #expect(reply["id"] == 7)
    }

    @Test func applicationErrorsPassThrough() throws {
        let reply = try #require(try send(#"{"jsonrpc":"2.0","id":7,"method":"refuse"}"#))
        #expect(reply["error"] == ["code": 1001, "message": "nothing here", "data": ["kind": "NotFound"]])
    }

    @Test func batchRepliesInOrderWithoutNotifications() throws {
        let reply = try send(#"[{"jsonrpc":"2.0","id":1,"method":"echo","params":{"text":"a"}},{"jsonrpc":"2.0","method":"echo","params":{"text":"b"}},5,{"jsonrpc":"2.0","id":2,"method":"nope"}]"#)
        guard case .array(let items)? = reply else {
            Issue.record("expected an array")
            return
        }
        #expect(items.count == 3)
        #expect(items[0]["id"] == 1)
        #expect(items[1]["id"] == .null)
        #expect(items[1]["error"]?["code"] == -32600)
        #expect(items[2]["error"]?["code"] == -32601)
        #expect(calls.log == ["echo a", "echo b"])
    }

    func limited(_ limits: BatchLimits) -> Connection<Calls> {
        var router = Router<Calls>()
        router.register(Echo.self)
        return Connection(router: router, context: calls, session: Session(), batchLimits: limits)
    }

    @Test func aBatchPastTheLimitIsOneErrorAndNothingRuns() throws {
        let connection = limited(BatchLimits(maxItems: 3))
        let item = #"{"jsonrpc":"2.0","id":1,"method":"echo","params":{"text":"a"}}"#
        let ok = try JSONValue.parse(try #require(connection.handle(Array("[\(item),\(item),\(item)]".utf8))))
        guard case .array(let three) = ok else { Issue.record("expected an array"); return }
        #expect(three.count == 3)
        calls.log.removeAll()
        let reply = try JSONValue.parse(try #require(connection.handle(Array("[\(item),\(item),\(item),\(item)]".utf8))))
        #expect(reply["error"]?["code"] == -32600)
        #expect(reply["error"]?["data"]?["kind"] == "BatchTooLarge")
        #expect(reply["error"]?["data"]?["limit"] == 3)
        #expect(reply["error"]?["data"]?["size"] == 4)
        #expect(reply["id"] == .null)
        #expect(calls.log.isEmpty)
    }

    @Test func aBatchWhoseRepliesPassTheLimitRunsNoMore() throws {
        // Each reply is about 50 bytes: the third passes 100, so the fourth and fifth are not run.
        let connection = limited(BatchLimits(maxItems: 10, maxReplyBytes: 100))
        let items = (1...5).map { #"{"jsonrpc":"2.0","id":\#($0),"method":"echo","params":{"text":"t\#($0)"}}"# }
        let notification = #"{"jsonrpc":"2.0","method":"echo","params":{"text":"n"}}"#
        let reply = try JSONValue.parse(try #require(connection.handle(Array("[\(items.joined(separator: ",")),\(notification),5]".utf8))))
        guard case .array(let replies) = reply else { Issue.record("expected an array"); return }
        #expect(calls.log == ["echo t1", "echo t2", "echo t3"])
        #expect(replies.count == 6, "every request is answered, the notification is not, the invalid item is")
        #expect(replies[2]["result"]?["text"] == "t3")
        #expect(replies[3]["error"]?["data"]?["kind"] == "BatchReplyTooLarge")
        #expect(replies[4]["id"] == 5)
        #expect(replies[4]["error"]?["code"] == -32600)
        #expect(replies[5]["error"]?["data"]?["kind"] == "InvalidRequest")
    }

    @Test func batchOfNotificationsGetsNothing() throws {
        #expect(try send(#"[{"jsonrpc":"2.0","method":"echo","params":{"text":"a"}}]"#) == nil)
    }

    @Test func parseErrorInsideBatchIsOneError() throws {
        let reply = try #require(try send(#"[{"jsonrpc":"2.0","id":1,"method":"echo","params":{"text":"a"}},"#))
        #expect(reply["error"]?["code"] == -32700)
        #expect(reply["id"] == .null)
        #expect(calls.log.isEmpty, "nothing of an unparsable batch runs")
    }

    @Test func afterShutdownOnlyExit() throws {
        var router = Router<Calls>()
        router.register(Echo.self)
        router.register(Stop.self)
        let session = Session(allowedAfterShutdown: ["exit"])
        let c = Connection(router: router, context: calls, session: session)
        session.shutDown()
        let reply = try JSONValue.parse(c.handle(Array(#"{"jsonrpc":"2.0","id":1,"method":"echo","params":{"text":"a"}}"#.utf8))!)
        #expect(reply["error"]?["code"] == -32600)
        #expect(reply["error"]?["data"]?["kind"] == "ShutDown")
        #expect(calls.log.isEmpty)
    }

    @Test func notificationsGoThroughTheSink() {
        let session = Session()
        var sent: [String] = []
        session.setNotificationSink { body, _ in sent.append(String(decoding: body, as: UTF8.self)) }
        session.notify(method: "$/progress", params: ["token": JSONValue.string("t"), "done": 1, "total": 2] as JSONValue)
        #expect(sent == [#"{"jsonrpc":"2.0","method":"$/progress","params":{"done":1,"token":"t","total":2}}"#])
    }
}
