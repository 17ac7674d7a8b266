/// How values are cleaned for storage and compared between partners.
public enum Normalize {
    /// Trims surrounding whitespace; a blank value is nil.
    public static func clean(_ value: String?) -> String? {
        guard let value else { return nil }
        let trimmed = value.trimmingWhitespace
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Inner runs of whitespace collapsed to one space, outer whitespace removed.
    public static func collapsedSpaces(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        var pendingSpace = false
        for ch in value {
            if ch.isWhitespace {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(ch)
            }
        }
        return out
    }

    /// The digits of a value, in order.
    public static func digits(_ value: String) -> String {
        String(value.unicodeScalars.filter { $0.value >= 0x30 && $0.value <= 0x39 }.map(Character.init))
    }

    /// A phone number's digits without the Danish country prefix (`+45`, `(+45)` or `0045`).
    public static func phoneDigits(_ value: String) -> String {
        var d = digits(value)
        // "+45 …", "(+45) …": a plus before the first digit marks a country code.
        let lead = value.prefix { !($0.isASCII && $0.isNumber) }
        if lead.contains("+") && d.hasPrefix("45") {
            d.removeFirst(2)
        } else if d.hasPrefix("0045") {
            d.removeFirst(4)
        }
        return d
    }

    /// The form two partners' values are compared in: spaces trimmed and collapsed; e-mail
    /// case-insensitive; phone by its digits without `+45`/`0045`; CVR and EAN by their digits.
    /// An empty value compares as nil.
    public static func comparable(_ field: SyncField, _ value: String?) -> String? {
        guard let value = clean(value) else { return nil }
        let result: String
        switch field {
        case .email: result = collapsedSpaces(value).lowercased()
        case .phone: result = phoneDigits(value)
        case .cvr, .ean: result = digits(value)
        default: result = collapsedSpaces(value)
        }
        return result.isEmpty ? nil : result
    }
}

extension String {
    /// Without leading and trailing whitespace (spaces, tabs, newlines, no-break spaces).
    public var trimmingWhitespace: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lastIndex(where: { !$0.isWhitespace })!
        return String(self[first...last])
    }
}
