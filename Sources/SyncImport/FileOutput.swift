import Foundation
import SyncCore

/// Writing a register file so that a reader never sees half of it and a failure says why.
public enum FileOutput {
    /// Writes `bytes` beside `path` under a temporary name, flushes them to disk and renames
    /// the result over `path`. Anything the system refuses (disk full, no permission, a
    /// read-only file system, a directory in the way) is `WriteFailed` with the path and the
    /// system's reason; the temporary file is removed and `path` is left as it was.
    public static func replace(_ path: String, with bytes: some ContiguousBytes) throws(SyncError) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
        // A new file of our own: whatever lies at that name (a leftover of a killed export, a
        // link someone planted) is removed, not written through.
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .writeFailed(path: path, errno: errno) }
        var failure: Int32?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += n
            }
        }
        // A full disk may only show when the data reaches it.
        if failure == nil, fsync(fd) != 0 { failure = errno }
        if close(fd) != 0, failure == nil { failure = errno }
        if failure == nil, rename(temporary, path) != 0 { failure = errno }
        if let failure {
            unlink(temporary)
            throw .writeFailed(path: path, errno: failure)
        }
    }
}
