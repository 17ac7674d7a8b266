import Foundation
import SyncCore

/// Which files `importCustomers` and `exportCustomers` may touch. Without a root, any path the
/// process may open; with one (`--files-root DIR`, for hosts that pass paths from their users),
/// only files inside it: a relative path is taken from the root, and symbolic links and `..`
/// are resolved before the check, so neither leads out. A path that holds a NUL is refused
/// everywhere: the system would read it cut short (`secret.csv\u{0}.xlsx` as `secret.csv`).
public struct FileAccess: Sendable, Equatable {
    /// The root's real path (no symbolic links, no trailing slash), or nil.
    public let root: String?

    public static let unconfined = FileAccess()

    private init() { root = nil }

    /// Confines file access to `root`, which must be an existing folder.
    public init(root: String) throws(SyncError) {
        guard !root.contains("\u{0}"), let real = Self.realPath(root) else {
            throw SyncError(.notFound, "no folder \(root) to confine files to", details: ["path": .string(root)])
        }
        var info = stat()
        guard stat(real, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw SyncError(.notFound, "\(root) is not a folder", details: ["path": .string(root)])
        }
        self.root = real
    }

    /// The path to open for `given` (the `param` member of the params): absolute, taken from
    /// the root when relative and there is one.
    public func path(_ given: String, param: String) throws(ParamsError) -> String {
        guard !given.contains("\u{0}") else {
            throw ParamsError(path: param, "the path holds a NUL character, which no file name can")
        }
        guard !given.isEmpty else { throw ParamsError(path: param, "the path is empty") }
        guard let root, !given.hasPrefix("/") else { return given }
        return root + "/" + given
    }

    /// Whether a real (resolved) path lies inside the root.
    public func admits(realPath: String) -> Bool {
        guard let root else { return true }
        return realPath == root || realPath.hasPrefix(root == "/" ? "/" : root + "/")
    }

    /// Checks what an open descriptor really is (its path as the kernel resolved it, so a link
    /// swapped in after any earlier check is seen): inside the root, or `ParamsError`.
    public func check(opened fd: Int32, given: String, param: String) throws(ParamsError) {
        guard let root else { return }
        guard let real = Self.realPath("/proc/self/fd/\(fd)"), admits(realPath: real) else {
            throw outside(given, param: param, root: root)
        }
    }

    /// Checks a file to be written: its folder's real path (and the file's own, if it exists and
    /// is a link) inside the root.
    public func checkWritable(_ path: String, param: String) throws(ParamsError) {
        guard let root else { return }
        let url = URL(fileURLWithPath: path)
        let folder = Self.realPath(url.deletingLastPathComponent().path)
        var info = stat()
        let isLink = lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK
        let target = isLink ? Self.realPath(path) : folder.map { $0 + "/" + url.lastPathComponent }
        guard let folder, admits(realPath: folder), let target, admits(realPath: target) else {
            throw outside(path, param: param, root: root)
        }
    }

    func outside(_ path: String, param: String, root: String) -> ParamsError {
        ParamsError(path: param, "\(path) lies outside the folder files are confined to (--files-root \(root))")
    }

    /// `realpath(3)`: nil when a component is missing.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
