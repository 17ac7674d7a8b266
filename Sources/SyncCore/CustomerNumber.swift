/// Customer numbers: per side, unique per side, never a conflict between partners.
///
/// - local (CleanManager's rule): 1–10 letters or digits;
/// - remote (e-conomic's rule): a whole number 1…999999999, written without leading zeros.
public enum CustomerNumber {
    public static let remoteMaximum = 999_999_999
    public static let localMaximumLength = 10

    /// The number in the side's canonical form, or nil when it breaks the side's rule.
    /// A remote number loses leading zeros (`"0042"` is customer 42).
    public static func canonical(_ raw: String, side: Side) -> String? {
        let value = raw.trimmingWhitespace
        switch side {
        case .local:
            // Most numbers are ASCII letters and digits: checked byte by byte (Character's
            // isLetter was a fifth of reading a register's rows).
            let utf8 = value.utf8
            if !utf8.isEmpty, utf8.count <= localMaximumLength,
               utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) }) {
                return value
            }
            guard (1...localMaximumLength).contains(value.count),
                  value.allSatisfy({ $0.isLetter || ($0.isASCII && $0.isNumber) }) else { return nil }
            return value
        case .remote:
            guard !value.isEmpty, value.utf8.count <= 12, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let n = Int(value), (1...remoteMaximum).contains(n) else { return nil }
            return String(n)
        }
    }

    /// The rule, in words, for error messages.
    public static func rule(for side: Side) -> String {
        switch side {
        case .local: "a local customer number is 1–10 letters or digits"
        case .remote: "a remote customer number is a whole number from 1 to 999999999"
        }
    }

    /// The lowest free valid number above the highest numeric number in use, or nil when
    /// there is none (the remote range is exhausted).
    public static func nextFree(highestInUse: Int?, side: Side) -> String? {
        let next = (highestInUse ?? 0) + 1
        switch side {
        case .local: return String(next).count <= localMaximumLength ? String(next) : nil
        case .remote: return next <= remoteMaximum ? String(next) : nil
        }
    }
}
