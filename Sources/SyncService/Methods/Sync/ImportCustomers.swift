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
        var rejected: [RowError]
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> Result {
        let side = p.side ?? .remote
        let given = [p.path != nil, p.content != nil, p.contentBase64 != nil].filter { $0 }.count
        guard given == 1 else {
            throw RPCError.invalidParams(given == 0 ? "give one of path, content or contentBase64" : "give only one of path, content or contentBase64",
                                         path: given == 0 ? "path" : "content")
        }
        if p.mode == .replace {
            throw RPCError.invalidParams("mode 'replace' is not supported yet; use 'merge'", path: "mode")
        }
        let clock = ContinuousClock()
        let started = clock.now
        let (bytes, format) = try source(p)
        let file: RegisterFile
        do {
            file = try RegisterFile.read(bytes, format: format, side: side)
        } catch {
            throw rejected([error])
        }
        if !file.errors.isEmpty && p.skipInvalid != true {
            throw rejected(file.errors)
        }
        let parsed = clock.now
        let records = file.rows.map { ImportRecord(number: $0.number, fields: $0.fields, extra: $0.extra) }
        let outcome = try context.database.importCustomers(side: side, records: records)
        context.logger.info("imported \(records.count) \(side.rawValue) rows: \(outcome.added) added, \(outcome.updated) updated, \(file.errors.count) rejected; read and checked in \(parsed - started), written in \(clock.now - parsed)")
        return Result(added: outcome.added, updated: outcome.updated, unchanged: outcome.unchanged, rejected: file.errors)
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
            guard let data = Data(base64Encoded: encoded.filter { !$0.isWhitespace }) else {
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
