import Foundation
import SyncCore

extension RegisterFile {
    /// A regular file's bytes. Missing → `NotFound`; a directory, FIFO, device or unreadable
    /// file → `ImportRejected` (a FIFO is never opened: that could block for ever).
    public static func bytes(atPath path: String) throws(SyncError) -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR {
                throw SyncError(.notFound, "no file at \(path)", details: ["path": .string(path)])
            }
            throw .importRejected([RowError(line: 0, field: "path", message: "\(path) cannot be read: \(String(cString: strerror(errno)))")])
        }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            let what = type == S_IFDIR ? "a directory" : type == S_IFIFO ? "a FIFO" : "not a regular file"
            throw .importRejected([RowError(line: 0, field: "path", message: "\(path) is \(what), not a file")])
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .importRejected([RowError(line: 0, field: "path", message: "\(path) cannot be read: permission denied")])
        }
        defer { try? handle.close() }
        do {
            return Array(try handle.readToEnd() ?? Data())
        } catch {
            throw .importRejected([RowError(line: 0, field: "path", message: "\(path) cannot be read: \(error.localizedDescription)")])
        }
    }

    /// The format a file name says (`.xlsx`; `.csv`, `.txt`), or nil to tell by the bytes.
    public static func format(forPath path: String) -> Format? {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "xlsx": .xlsx
        case "ods": .ods
        case "csv", "txt": .csv
        default: nil
        }
    }
}

extension SyncError {
    /// `ImportRejected` for a register with invalid rows (or one that cannot be read at all):
    /// one entry per invalid field, by physical line; nothing was imported.
    public static func importRejected(_ errors: [RowError]) -> SyncError {
        let lines = Set(errors.map(\.line)).count
        let message = errors.count == 1 && errors[0].line <= 1
            ? "import rejected: \(errors[0].message); nothing was imported"
            : "import rejected: \(errors.count) problem(s) on \(lines) line(s); nothing was imported"
        return SyncError(.importRejected, message, details: [
            "errors": .list(errors.map { ["line": .int($0.line), "field": .string($0.field), "message": .string($0.message)] })
        ])
    }
}
