import FuzzSupport
import JSONRPC

/// A method with params of every kind, for the decoder to be tried on.
enum Echo: RPCMethod {
    static let name = "echo"
    struct Params: RPCParams {
        enum CodingKeys: String, CodingKey, CaseIterable { case text, count, items, progressToken }
        var text: String?
        var count: Int?
        var items: [Int]?
        var progressToken: ProgressToken?
    }
    struct Result: Encodable { var text: String?; var count: Int? }
    static func handle(_ p: Params, context: Void) throws -> Result { Result(text: p.text, count: p.count) }
}

nonisolated(unsafe) let connection: Connection<Void> = {
    var router = Router<Void>()
    router.register(Echo.self)
    return Connection(router: router, context: (), session: Session(), batchLimits: BatchLimits(maxItems: 100, maxReplyBytes: 1 << 20))
}()

/// The entry SwiftPM gives this executable: libFuzzer's driver, with `fuzz` as the test.
@_cdecl("fuzz_framing_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var argc = argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzz(data, size) }
}

/// libFuzzer target: the byte stream as stdin delivers it, split into frames (auto framing, a
/// 64 KiB message limit), and each message handled by a connection: envelope, ids, batches,
/// params decoding and the error replies. Any input must end in replies, never in a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start = data ?? (count == 0 ? UnsafePointer(bitPattern: 1) : nil) else { return 0 }
    var parser = FrameParser(mode: .auto, maxMessageBytes: 64 << 10)
    // In two chunks, as a pipe may deliver them: the parser must not care where reads end.
    let half = count / 2
    parser.append(UnsafeRawBufferPointer(start: start, count: half))
    while let frame = parser.next() { handle(frame) }
    parser.append(UnsafeRawBufferPointer(start: start + half, count: count - half))
    while let frame = parser.next() { handle(frame) }
    return 0
}

func handle(_ frame: Frame) {
    if case .message(let body, _) = frame { _ = connection.handle(body) }
}
