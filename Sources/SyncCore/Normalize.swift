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
        String(decoding: value.utf8.filter { $0 >= 0x30 && $0 <= 0x39 }, as: UTF8.self)
    }

    /// Lower-cased like `String.lowercased()`, but working on UTF-8 bytes for ASCII and
    /// Latin-1 letters (Danish names: Æ, Ø, Å); text with other non-ASCII letters falls back to
    /// `lowercased()`, which was a large share of an import's time.
    public static func lowercased(_ value: String) -> String {
        var out: [UInt8] = []
        guard appendLowercasedUTF8(value, to: &out) else { return value.lowercased() }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the lower-cased UTF-8 of `value`; false (having appended part of it) when the
    /// text holds letters beyond Latin-1, which need the full Unicode mapping.
    public static func appendLowercasedUTF8(_ value: String, to out: inout [UInt8]) -> Bool {
        var latin1Lead = false
        for b in value.utf8 {
            if latin1Lead {
                // Second byte of U+0080…U+00FF after 0xC3: À…Þ (not ×) are 0x80…0x9E.
                out.append(b >= 0x80 && b <= 0x9E && b != 0x97 ? b + 0x20 : b)
                latin1Lead = false
            } else if b < 0x80 {
                out.append(b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
            } else if b == 0xC3 {
                out.append(b)
                latin1Lead = true
            } else if b == 0xC2 || (b >= 0x80 && b < 0xC0) {
                out.append(b)  // Latin-1 punctuation, or a continuation byte of something benign
            } else if b == 0xE2 || b == 0xEF {
                out.append(b)  // punctuation, symbols (€, “ ”, –), no-break spaces: no case
            } else {
                return false
            }
        }
        return true
    }

    /// A phone number's digits without the Danish country prefix (`+45`, `(+45)` or `0045`).
    public static func phoneDigits(_ value: String) -> String {
        var out: [UInt8] = []
        appendPhoneDigits(utf8: value.utf8, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `phoneDigits` of UTF-8 bytes, appended to `out` (the search key's piece of them).
    public static func appendPhoneDigits(utf8 bytes: some Sequence<UInt8>, to out: inout [UInt8]) {
        let start = out.count
        var lead = true, plus = false
        for b in bytes {
            if b >= 0x30 && b <= 0x39 {
                lead = false
                out.append(b)
            } else if lead && b == UInt8(ascii: "+") {
                // "+45 …", "(+45) …": a plus before the first digit marks a country code.
                plus = true
            }
        }
        let digits = out[start...]
        if plus && digits.starts(with: [0x34, 0x35]) {
            out.removeSubrange(start..<start + 2)
        } else if digits.starts(with: [0x30, 0x30, 0x34, 0x35]) {
            out.removeSubrange(start..<start + 4)
        }
    }

    /// The form two partners' values are compared in: spaces trimmed and collapsed; e-mail
    /// case-insensitive, its addresses however separated; phone by its digits without `+45`/`0045`; CVR and EAN by their digits.
    /// An empty value compares as nil.
    public static func comparable(_ field: SyncField, _ value: String?) -> String? {
        guard let value = clean(value) else { return nil }
        let result: String
        switch field {
        // Several addresses compare alike whichever separators hold them apart.
        case .email: result = lowercased(FieldRules.emailAddresses(value).joined(separator: " "))
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
        // Import calls this for every cell: answer the common case from the UTF-8 ends. Outside
        // ASCII, whitespace starts with a lead byte of C2, E1, E2 or E3 (U+0085, U+00A0,
        // U+1680, U+2000…U+205F, U+3000); any other character cannot be whitespace.
        let utf8 = self.utf8
        guard let first = utf8.first, let last = utf8.last else { return self }
        func mayBeSpace(lead: UInt8) -> Bool {
            lead <= 0x20 || lead == 0x7F || lead == 0xC2 || (lead >= 0xE1 && lead <= 0xE3)
        }
        var lastLead = last
        if last >= 0x80 {
            var index = utf8.index(before: utf8.endIndex)
            while utf8[index] & 0xC0 == 0x80 && index > utf8.startIndex { index = utf8.index(before: index) }
            lastLead = utf8[index]
        }
        if !mayBeSpace(lead: first) && !mayBeSpace(lead: lastLead) { return self }
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[start...end])
    }
}
