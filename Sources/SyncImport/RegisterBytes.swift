import Foundation
import SyncCore

extension RegisterFile {
    /// A regular file's bytes, at most `limits.fileBytes` of them. The file is opened first
    /// (without blocking, so a FIFO cannot hold the server) and what was opened is checked
    /// after, so a path switched between a check and the open is still caught. Missing →
    /// `NotFound`; a directory, FIFO, device, unreadable or too large file → `ImportRejected`;
    /// outside the files root or with a NUL → `ParamsError`.
    public static func bytes(atPath given: String, param: String = "path", access: FileAccess = .unconfined,
                             limits: ImportLimits = .standard) throws -> [UInt8] {
        let path = try access.path(given, param: param)
        func cannotRead(_ reason: String) -> SyncError {
            .importRejected([RowError(line: 0, field: param, message: "\(given) \(reason)")])
        }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR {
                throw SyncError(.notFound, "no file at \(given)", details: ["path": .string(given)])
            }
            throw cannotRead("cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        try access.check(opened: fd, given: given, param: param)
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw cannotRead("cannot be read: \(String(cString: strerror(errno)))") }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            let what = type == S_IFDIR ? "a directory" : type == S_IFIFO ? "a FIFO" : type == S_IFSOCK ? "a socket" : "a device or not a regular file"
            throw cannotRead("is \(what), not a file")
        }
        guard Int(info.st_size) <= limits.fileBytes else { throw cannotRead("cannot be imported: \(limits.fileTooLarge(Int(info.st_size)))") }
        // Reads what is there, never more than the limit allows (the file may grow meanwhile).
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var count = 0
        while true {
            if count == bytes.count {
                guard count <= limits.fileBytes else { throw cannotRead("cannot be imported: \(limits.fileTooLarge(count))") }
                bytes.append(contentsOf: repeatElement(0, count: min(1 << 20, limits.fileBytes + 1 - count)))
            }
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw cannotRead("cannot be read: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            count += n
        }
        bytes.removeSubrange(count...)
        return bytes
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
