import CSodium
import Foundation
import SyncCore

/// The connection's credentials (whatever the system's are: e-conomic's two tokens, Dinero's
/// client secret and API key), sealed for the database with a key kept outside it: a copy of
/// the database file alone does not give them away.
///
/// libsodium's `crypto_secretbox` (XSalsa20-Poly1305, a random nonce per seal): the sealed
/// form is nonce ‖ box. The key is 32 random bytes in a file of its own (mode 0600, its folder
/// 0700), made on first use: `--key-file`, else `$CUSTOMER_SYNC_KEY_FILE`, else
/// `$XDG_CONFIG_HOME/customer-sync/key` (`~/.config/customer-sync/key`).
struct TokenVault: Sendable {
    /// By name, as the system's `RemoteConfiguration` gives them (sealed as a JSON object: a
    /// connection stored before systems had their own shapes opens as the same two names).
    typealias Tokens = [String: String]

    let keyFile: String

    static func defaultKeyFile(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["CUSTOMER_SYNC_KEY_FILE"], !path.isEmpty { return path }
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return config + "/customer-sync/key"
    }

    private static let ready: Bool = sodium_init() >= 0

    func seal(_ tokens: Tokens) throws -> [UInt8] {
        guard Self.ready else { throw SyncError(.remoteUnavailable, "libsodium could not start") }
        let key = try self.key(create: true)
        let message = Array(try JSONEncoder().encode(tokens))
        var nonce = [UInt8](repeating: 0, count: Int(crypto_secretbox_NONCEBYTES))
        randombytes_buf(&nonce, nonce.count)
        var box = [UInt8](repeating: 0, count: message.count + Int(crypto_secretbox_MACBYTES))
        guard crypto_secretbox_easy(&box, message, UInt64(message.count), nonce, key) == 0 else {
            throw SyncError(.remoteUnavailable, "the tokens could not be sealed")
        }
        return nonce + box
    }

    /// The tokens, or an error saying the key is missing or not the one they were sealed with.
    func open(_ sealed: [UInt8]) throws -> Tokens {
        let nonceBytes = Int(crypto_secretbox_NONCEBYTES)
        guard Self.ready, sealed.count > nonceBytes + Int(crypto_secretbox_MACBYTES) else {
            throw SyncError(.notConnected, "the stored connection is damaged; connect again")
        }
        let key = try self.key(create: false)
        let nonce = Array(sealed[..<nonceBytes])
        let box = Array(sealed[nonceBytes...])
        var message = [UInt8](repeating: 0, count: box.count - Int(crypto_secretbox_MACBYTES))
        guard crypto_secretbox_open_easy(&message, box, UInt64(box.count), nonce, key) == 0,
              let tokens = try? JSONDecoder().decode(Tokens.self, from: Data(message)) else {
            throw SyncError(.notConnected, "the stored tokens do not open with the key in \(keyFile) (another key?); connect again",
                            details: ["keyFile": .string(keyFile)])
        }
        return tokens
    }

    func key(create: Bool) throws -> [UInt8] {
        let size = Int(crypto_secretbox_KEYBYTES)
        if let data = FileManager.default.contents(atPath: keyFile) {
            guard data.count == size else {
                throw SyncError(.notConnected, "\(keyFile) is not a key (\(data.count) bytes, not \(size))", details: ["keyFile": .string(keyFile)])
            }
            return Array(data)
        }
        guard create else {
            throw SyncError(.notConnected, "the key that sealed the tokens is missing (\(keyFile)); connect again", details: ["keyFile": .string(keyFile)])
        }
        var key = [UInt8](repeating: 0, count: size)
        randombytes_buf(&key, size)
        let folder = (keyFile as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw SyncError.writeFailed(path: folder, errno: errno)
        }
        // Created exclusively with 0600: never readable by others, not even for a moment.
        let fd = Foundation.open(keyFile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { return try self.key(create: false) }
            throw SyncError.writeFailed(path: keyFile, errno: errno)
        }
        defer { close(fd) }
        guard write(fd, key, size) == size, fsync(fd) == 0 else { throw SyncError.writeFailed(path: keyFile, errno: errno) }
        return key
    }
}
