import Foundation
import JSONRPC
import SyncCore
import SyncImport
import SyncStore

/// `exportCustomers`: writes one side's register (by default the remote one, whole or only
/// its pending changes) as CSV or XLSX in the CleanManager format `importCustomers` reads.
/// A file the system will not let us write is `WriteFailed` (path, errno name, reason); the
/// rows are then not marked as exported. Spec: protocol/openrpc.json#exportCustomers.
public enum ExportCustomers: SyncMethod {
    public static let name = "exportCustomers"

    public struct Params: RPCParams {
        public enum CodingKeys: String, CodingKey, CaseIterable { case side, path, format, onlyPending }
        var side: Side?
        var path: String
        var format: RegisterFile.Format?
        var onlyPending: Bool?
    }

    public struct Result: Encodable, Sendable {
        var written: Int
        var path: String
    }

    public static func handle(_ p: Params, context: ServiceContext) throws -> Result {
        let path = try context.files.path(p.path, param: "path")
        try context.files.checkWritable(path, param: "path")
        let url = URL(fileURLWithPath: path)
        let format = p.format ?? (url.pathExtension.lowercased() == "xlsx" ? .xlsx : .csv)
        if format == .ods {
            throw RPCError.invalidParams("an export is written as csv or xlsx (ods is read, not written)", path: "format")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw RPCError.invalidParams("\(p.path) is a directory; give a file name", path: "path")
        }
        // Only a new file, or a regular one replaced: never a device (`/dev/full`, which the
        // rename would have turned into a file), a FIFO or a socket.
        var info = stat()
        if stat(url.path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
            throw RPCError.invalidParams("\(p.path) is not a regular file (a device, FIFO or socket); an export writes a new file or replaces a regular one", path: "path")
        }
        let folder = url.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SyncError(.notFound, "no folder \(folder.path) to write \(url.lastPathComponent) in", details: ["path": .string(p.path)])
        }
        let written = try context.database.export(side: p.side ?? .remote, onlyPending: p.onlyPending ?? false) { customers in
            let rows = customers.map { ExportRow(number: $0.number, fields: $0.fields, extra: $0.extra) }
            let data = format == .xlsx ? try RegisterWriter.xlsx(rows) : Data(RegisterWriter.csv(rows))
            try FileOutput.replace(url.path, with: data)
        }
        return Result(written: written, path: url.path)
    }
}
