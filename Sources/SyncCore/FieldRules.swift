/// CleanManager's rules for customer data, applied to imported rows, to values a client sends,
/// and wherever a value would enter the local register. A value an accounting system holds is
/// never refused by them: it is kept as the system holds it, and what breaks a rule is shown
/// as a warning (`Customer.warnings`).
///
/// The rules fit the world, not Denmark alone: modulus 11 applies to a Danish CVR only, a
/// foreign VAT or organisation number is text; an e-mail field may hold several addresses.
public enum FieldRules {
    /// One broken rule.
    public struct Violation: Sendable, Hashable {
        public var field: String
        public var message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    /// The longest value a field may hold, in characters (nil: no limit of its own).
    public static func maxLength(_ field: SyncField) -> Int? {
        switch field {
        case .name, .address, .email, .contact: 100
        case .zip: 10
        case .city: 30
        case .phone: 30
        // e-conomic's own bound on `corporateIdentificationNumber` (its REST docs, Customers):
        // a foreign VAT or organisation number is text up to that long.
        case .cvr: 40
        case .country, .ean: nil
        }
    }

    /// The violations in `fields` (values as stored: trimmed, blank = nil). `name` is required
    /// when `requireName`.
    public static func violations(in fields: CustomerFields, requireName: Bool = true) -> [Violation] {
        var out: [Violation] = []
        if requireName && (fields.name?.isEmpty ?? true) {
            out.append(Violation(field: "name", message: "name is required (1–100 characters)"))
        }
        for field in SyncField.allCases {
            guard let value = fields[field] else { continue }
            if let message = violation(field, value, country: fields.country) {
                out.append(Violation(field: field.rawValue, message: message))
            }
        }
        return out
    }

    /// What is wrong with a value of a column that is no field (an extra), or nil: only the
    /// control characters, as for every field.
    public static func controlCharacter(in value: String, name: String) -> String? {
        // A NUL would be cut short by C APIs on the way (storage, export); no other control
        // character belongs in a customer's data either: refused whole, never cut.
        // Every control character below U+0080 is one byte of UTF-8, and no byte of a longer
        // scalar is below 0x80: the bytes tell.
        func isControl(_ b: UInt8) -> Bool { (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0x7F }
        // Over the contiguous bytes when the string has them (a native string does): the
        // UTF8View's iterator is a measurable share of reading a register's rows.
        let found = value.utf8.withContiguousStorageIfAvailable { bytes in bytes.first(where: isControl) } ?? value.utf8.first(where: isControl)
        guard let control = found else { return nil }
        let code = String(control, radix: 16, uppercase: true)
        return "\(name) holds a control character (U+\(String(repeating: "0", count: 4 - code.count) + code)); only tab and line breaks may be in a value"
    }

    /// What is wrong with one non-empty value, or nil. `country` is the customer's (a code as
    /// stored): it decides whether a CVR is Danish.
    public static func violation(_ field: SyncField, _ value: String, country: String? = nil) -> String? {
        if let control = controlCharacter(in: value, name: field.rawValue) { return control }
        if let max = maxLength(field), value.utf8.count > max, value.count > max {
            return "\(field.rawValue) is \(value.count) characters long; at most \(max) are allowed"
        }
        switch field {
        case .country:
            guard Country.codes.contains(value) else {
                return "country must be a country's two-letter ISO code such as DK (got '\(value)', which is no country we know)"
            }
        case .cvr:
            guard isDanishCVR(value, country: country) else { break }
            let d = cvrDigits(value)
            guard let d, d.count == 8 else { return "a Danish CVR must be 8 digits (got '\(value)'); a foreign VAT number starts with its country's code" }
            guard isValidCVR(d) else { return "CVR '\(value)' fails the modulus-11 check" }
        case .ean:
            let d = spacedDigits(value)
            guard let d, d.count == 13 else { return "EAN must be 13 digits (got '\(value)')" }
            guard isValidGTIN(d) else { return "EAN '\(value)' has a wrong check digit" }
        case .email:
            let addresses = emailAddresses(value)
            if let bad = addresses.first(where: { !isEmailShaped(String($0)) }) ?? (addresses.isEmpty ? Substring(value) : nil) {
                // Several addresses: the one at fault; text with no address at all: the whole.
                let several = addresses.count > 1 && addresses.contains { $0.contains("@") }
                return several ? "'\(bad)' in the e-mail field is not an e-mail address" : "'\(value)' is not an e-mail address"
            }
        default:
            break
        }
        return nil
    }

    /// Digits of a value made only of digits and spaces/dashes, else nil.
    static func spacedDigits(_ value: String) -> String? {
        var out: [UInt8] = []
        for b in value.utf8 {
            if b >= 0x30 && b <= 0x39 { out.append(b) } else if b != 0x20 && b != UInt8(ascii: "-") { return nil }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether a CVR field holds a Danish CVR (8 digits, an optional `DK`), which the
    /// modulus-11 rule applies to: not when it starts with another two-letter prefix
    /// (`SE556677889901`, `DE123456789`), nor when the customer is in another country.
    public static func isDanishCVR(_ value: String, country: String?) -> Bool {
        let bytes = Array(value.utf8.filter { $0 != 0x20 }.prefix(2))
        if bytes.count == 2, bytes.allSatisfy({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }) {
            return bytes[0] | 0x20 == UInt8(ascii: "d") && bytes[1] | 0x20 == UInt8(ascii: "k")
        }
        // A customer in another country (a country we know: text that names none decides nothing).
        if let country, country != "DK", Country.codes.contains(country) { return false }
        return true
    }

    /// The addresses of an e-mail field: e-conomic, among others, keeps several in one,
    /// separated by spaces; people also write commas and semicolons.
    public static func emailAddresses(_ value: String) -> [Substring] {
        value.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" || $0 == "\t" || $0 == "\n" || $0 == "\r" })
    }

    /// CVR digits: optional `DK` prefix, spaces allowed.
    static func cvrDigits(_ value: String) -> String? {
        var v = Substring(value)
        if v.uppercased().hasPrefix("DK") { v = v.dropFirst(2) }
        return spacedDigits(String(v))
    }

    /// Danish CVR modulus-11: weights 2,7,6,5,4,3,2,1; the weighted sum is divisible by 11.
    public static func isValidCVR(_ digits: String) -> Bool {
        let weights = [2, 7, 6, 5, 4, 3, 2, 1]
        // ASCII digits only (`cvrDigits` gives nothing else), read as bytes.
        guard digits.utf8.count == 8, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), digits.utf8.first != 0x30 else { return false }
        return zip(digits.utf8, weights).reduce(0) { $0 + Int($1.0 - 0x30) * $1.1 } % 11 == 0
    }

    /// GS1 check digit (EAN-13/GLN): from the right, weights 3 and 1 alternate over the body.
    public static func isValidGTIN(_ digits: String) -> Bool {
        guard digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        let d = digits.utf8.map { Int($0 - 0x30) }
        guard d.count >= 8 else { return false }
        let body = d.dropLast()
        var sum = 0
        for (i, digit) in body.reversed().enumerated() { sum += digit * (i % 2 == 0 ? 3 : 1) }
        return (10 - sum % 10) % 10 == d.last!
    }

    /// `local@domain.tld`: one `@` with text before it, no whitespace or control characters,
    /// a domain of two or more non-empty dot-separated labels, the last at least two long.
    public static func isEmailShaped(_ value: String) -> Bool {
        var at: Int?
        var index = 0
        for byte in value.utf8 {
            if byte <= 0x20 || byte == 0x7F { return false }
            if byte == UInt8(ascii: "@") {
                if at != nil { return false }
                at = index
            }
            index += 1
        }
        guard let at, at > 0 else { return false }
        // The domain: labels separated by dots, none empty, at least two, the last two or more long.
        var labels = 0
        var labelLength = 0
        for byte in value.utf8.dropFirst(at + 1) {
            if byte == UInt8(ascii: ".") {
                if labelLength == 0 { return false }
                labels += 1
                labelLength = 0
            } else {
                labelLength += 1
            }
        }
        guard labels >= 1 && labelLength >= 2 else { return false }
        // Non-ASCII whitespace (a no-break space) is not part of an address either.
        if value.utf8.contains(where: { $0 >= 0x80 }) && value.unicodeScalars.contains(where: { $0.properties.isWhitespace }) { return false }
        return true
    }
}
