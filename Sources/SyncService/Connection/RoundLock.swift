#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import JSONRPC
import SyncCore

/// One round with the accounting system at a time: a pull, a push, `syncRemote`, an automatic
/// round, `connect` and `disconnect` each hold it while they run. Within the process a
/// condition; between processes sharing the database file (a server and `customer-sync sync`
/// from cron, two servers) an advisory `flock` on `<db>-sync.lock` beside it, which the
/// kernel drops when its holder dies, so a crash never leaves it held. (Not SQLite's own file:
/// closing any descriptor of it would drop SQLite's POSIX locks.)
final class RoundLock: @unchecked Sendable {
    // Unchecked: `held` and `descriptor` change only under `condition`.
    private let condition = NSCondition()
    private var held = false
    private var descriptor: Int32 = -1
    /// The lock file, or nil for a database in memory (no other process can share it).
    let path: String?

    init(databasePath: String?) {
        path = databasePath.map { $0 + "-sync.lock" }
    }

    /// Runs `body` holding the lock, waiting for a round in hand (checking `cancellation`
    /// while it waits) at most `patience`: then `Busy`.
    func exclusive<T>(cancellation: CancellationFlag? = nil, patience: Duration = .seconds(600), _ body: () throws -> T) throws -> T {
        let deadline = ContinuousClock.now + patience
        while !(try take()) {
            try cancellation?.check()
            guard ContinuousClock.now < deadline else {
                throw SyncError(.busy, "another round with the accounting system is under way (an automatic round, or another process's); try again when it ends")
            }
            // Woken at once when this process's round ends; another process's is polled.
            condition.lock()
            _ = condition.wait(until: Date().addingTimeInterval(0.05))
            condition.unlock()
        }
        defer { release() }
        return try body()
    }

    /// Runs `body` holding the lock if it is free now, else returns nil at once.
    func ifFree<T>(_ body: () throws -> T) throws -> T? {
        guard try take() else { return nil }
        defer { release() }
        return try body()
    }

    /// Takes the lock if free, in this process and then among processes.
    private func take() throws -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !held else { return false }
        if let path {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw SyncError(.busy, "cannot open the lock file \(path): \(String(cString: strerror(errno)))")
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                close(fd)
                return false
            }
            descriptor = fd
        }
        held = true
        return true
    }

    private func release() {
        condition.lock()
        if descriptor >= 0 {
            flock(descriptor, LOCK_UN)
            close(descriptor)
            descriptor = -1
        }
        held = false
        condition.broadcast()
        condition.unlock()
    }
}
