import Foundation
import JSONRPC
import SyncCore
import SyncImport
import SyncStore

/// `importCustomers`: reads a register (CSV or XLSX) from a path or from bytes and imports it
/// into one side in one transaction. Spec: protocol/openrpc.json#importCustomers.
public enum ImportCustomers: SyncMethod {
    public static let name = "importCustomers"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case side, path, content, contentBase64, format, skipInvalid, mode }
        var side: Side?
        var path: String?
        var content: String?
        var contentBase64: String?
        var format: RegisterFile.Format?
        var skipInvalid: Bool?
        var mode: Mode?
    }

    enum Mode: String, Sendable, ClosedStringSet { case merge, replace }

    public struct Result: Encodable, Sendable {
        var added: Int
        var updated: Int
        var unchanged: Int
        /// With mode `replace`: customers the file no longer has.
        var deleted: Int
        var rejected: [RowError]
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> Result {
        let side = p.side ?? .remote
        let given = [p.path != nil, p.content != nil, p.contentBase64 != nil].filter { $0 }.count
        guard given == 1 else {
            throw RPCError.invalidParams(given == 0 ? "give one of path, content or contentBase64" : "give only one of path, content or contentBase64",
                                         path: given == 0 ? "path" : "content")
        }
        let clock = ContinuousClock()
        let started = clock.now
        let (bytes, format) = try source(p)

        // Two cores: a reader thread decodes, parses and checks the file and prepares each
        // valid row while this thread writes them in one transaction. If any row was invalid
        // (and skipInvalid is not set), the transaction is rolled back before it commits.
        let pipe = RowPipe<ImportRecord>()
        let reading = ReadResult()
        let reader = Thread {
            reading.result = Swift.Result { () throws(RowError) -> RegisterFile in
                try RegisterFile.stream(bytes, format: format, side: side) { row in
                    pipe.send(ImportRecord(number: row.number, fields: row.fields, extra: row.extra))
                }
            }
            reading.elapsed = clock.now - started
            pipe.finish()
            reading.done.signal()
        }
        reader.start()
        defer {
            pipe.cancel()
            reading.done.wait()
        }
        var errors: [RowError] = []
        let replaceWith: (() throws -> Set<String>)? = p.mode == .replace ? {
            guard case .success(let file)? = reading.result else { return [] }
            return file.numbers
        } : nil
        let outcome = try context.database.importCustomers(side: side, records: pipe, replaceWith: replaceWith, beforeCommit: {
            switch reading.result {
            case .failure(let error): throw rejected([error])
            case .success(let file):
                errors = file.errors
                if !errors.isEmpty && p.skipInvalid != true { throw rejected(errors) }
            case nil: throw RPCError.internalError("the reader stopped without a result")
            }
        })
        context.logger.info("imported \(side.rawValue) register: \(outcome.added) added, \(outcome.updated) updated, \(outcome.unchanged) unchanged, \(errors.count) invalid fields, in \(clock.now - started) (the reader took \(reading.elapsed))")
        return Result(added: outcome.added, updated: outcome.updated, unchanged: outcome.unchanged, deleted: outcome.deleted, rejected: errors)
    }

    /// The reader thread's outcome. Written before the pipe finishes and read after the writer
    /// saw it finish (the pipe's lock orders the two), hence `@unchecked Sendable`.
    final class ReadResult: @unchecked Sendable {
        var result: Swift.Result<RegisterFile, RowError>?
        var elapsed: Duration = .zero
        let done = DispatchSemaphore(value: 0)
    }

    static func rejected(_ errors: [RowError]) -> SyncError {
        let lines = Set(errors.map(\.line)).count
        let message = errors.count == 1 && errors[0].line <= 1
            ? "import rejected: \(errors[0].message); nothing was imported"
            : "import rejected: \(errors.count) problem(s) on \(lines) line(s); nothing was imported"
        return SyncError(.importRejected, message, details: [
            "errors": .list(errors.map { ["line": .int($0.line), "field": .string($0.field), "message": .string($0.message)] })
        ])
    }

    /// The bytes to import and the format, when the params or the file name say it.
    static func source(_ p: Params) throws -> ([UInt8], RegisterFile.Format?) {
        if let content = p.content { return (Array(content.utf8), p.format ?? .csv) }
        if let encoded = p.contentBase64 {
            // Line breaks (MIME-style base64) are allowed; anything else that is not base64 is not.
            let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
            let text = encoded.utf8.contains(where: isSpace) ? Data(encoded.utf8.filter { !isSpace($0) }) : Data(encoded.utf8)
            guard let data = Data(base64Encoded: text) else {
                throw RPCError.invalidParams("contentBase64 is not valid base64", path: "contentBase64")
            }
            return (Array(data), p.format)
        }
        let path = p.path!
        let extensionFormat: RegisterFile.Format? = switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "xlsx": .xlsx
        case "csv", "txt": .csv
        default: nil
        }
        return (try readRegularFile(path), p.format ?? extensionFormat)
    }

    /// A regular file's bytes. Missing → `NotFound`; a directory, FIFO, device or unreadable
    /// file → `ImportRejected` (a FIFO is never opened: that could block for ever).
    static func readRegularFile(_ path: String) throws -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR {
                throw SyncError(.notFound, "no file at \(path)", details: ["path": .string(path)])
            }
            throw rejected([RowError(line: 0, field: "path", message: "\(path) cannot be read: \(String(cString: strerror(errno)))")])
        }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            let what = type == S_IFDIR ? "a directory" : type == S_IFIFO ? "a FIFO" : "not a regular file"
            throw rejected([RowError(line: 0, field: "path", message: "\(path) is \(what), not a file")])
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw rejected([RowError(line: 0, field: "path", message: "\(path) cannot be read: permission denied")])
        }
        defer { try? handle.close() }
        do {
            return Array(try handle.readToEnd() ?? Data())
        } catch {
            throw rejected([RowError(line: 0, field: "path", message: "\(path) cannot be read: \(error.localizedDescription)")])
        }
    }
}
