/// 64-bit FNV-1a: the one digest of bytes every part uses (a file row as read, stored values,
/// blocking keys, e-mails). Equal bytes, equal digests; two that differ share one with a chance
/// of one in 2⁶⁴.
public struct FNV1a: Sendable {
    public static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    public var value: UInt64

    // Inlinable: a re-import digests every byte of a file through these, and a call a cell
    // across the module was 15 % of its reading (customer-sync-bench read).
    @inlinable
    public init(basis: UInt64 = FNV1a.offsetBasis) { value = basis }

    @inlinable @inline(__always)
    public mutating func mix(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    @inlinable
    public mutating func mix(_ bytes: UnsafeBufferPointer<UInt8>) {
        for byte in bytes { mix(byte) }
    }

    @inlinable
    public mutating func mix(_ text: String) {
        var text = text
        text.withUTF8 { mix($0) }
    }

    /// The digest of `text`'s UTF-8.
    @inlinable
    public static func hash(_ text: String) -> UInt64 {
        var digest = FNV1a()
        digest.mix(text)
        return digest.value
    }
}
