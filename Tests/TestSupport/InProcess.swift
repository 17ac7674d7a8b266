import JSONRPC

/// Calls a `Connection` in-process the way a client would: the request is written as JSON
/// text, handled, and the reply parsed. The one helper every in-process test uses.
public struct InProcess<Context> {
    public let connection: Connection<Context>

    public init(_ connection: Connection<Context>) {
        self.connection = connection
    }

    /// The whole reply (result or error) to `method` with `params` given as JSON text.
    @discardableResult
    public func call(_ method: String, _ params: String = "{}", id: Int = 1) throws -> JSONValue {
        try reply(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"#)
    }

    /// The whole reply to `method` with `params`.
    @discardableResult
    public func call(_ method: String, _ params: JSONValue, id: Int = 1) throws -> JSONValue {
        try call(method, params.jsonText, id: id)
    }

    /// The result, or a `Failure` naming the error that came instead.
    @discardableResult
    public func result(_ method: String, _ params: JSONValue = [:]) throws -> JSONValue {
        let reply = try call(method, params)
        if let error = reply["error"] { throw Failure("\(method): \(error.jsonText)") }
        guard let result = reply["result"] else { throw Failure("\(method): no result in \(reply.jsonText)") }
        return result
    }

    /// The reply to a message sent as it is (a notification has none: nil).
    public func send(_ text: String) -> [UInt8]? {
        connection.handle(Array(text.utf8))
    }

    private func reply(_ text: String) throws -> JSONValue {
        guard let bytes = send(text) else { throw Failure("no reply to \(text)") }
        return try JSONValue.parse(bytes)
    }
}
