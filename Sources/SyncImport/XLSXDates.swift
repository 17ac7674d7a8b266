import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Which cell styles of a workbook show a number as a date or a time, and how to write such a
/// number. XLSX stores a date as a number of days (a "serial") and marks it only by the cell's
/// number format: `<c s="3">` → `cellXfs[3]` in `xl/styles.xml` → its `numFmtId`, either a
/// built-in id (ECMA-376 Part 1, §18.8.30) or a `<numFmt formatCode="…">` of the workbook.
/// Dates come out as ISO 8601 (`2021-03-04`, `2021-03-04 08:30`, `08:30`), so an imported
/// date reads the same whatever locale saved the file.
struct DateStyles: Sendable {
    enum Kind: Sendable, Equatable { case date, dateTime, time }

    /// The kind of each cell style (index into `cellXfs`); nil where it is not a date or time.
    private var kinds: [Kind?] = []
    /// Each cell style's digit pattern, where its format shows a whole number with zero
    /// padding or literals (`0000` for a ZIP, `00 00 00 00` for a phone); nil elsewhere.
    private var patterns: [[DigitToken]?] = []
    /// The 1904 date system (`<workbookPr date1904="1"/>`, old Mac Excel): serial 0 is 1904-01-01.
    private(set) var date1904 = false

    init() {}

    init(styles: Data?, date1904: Bool) throws {
        self.date1904 = date1904
        guard let styles else { return }
        let reader = StylesReader()
        try reader.parse(styles)
        kinds = reader.cellFormats.map { id in
            if let code = reader.customFormats[id] { return Self.kind(ofFormatCode: code) }
            return Self.builtInKind(id)
        }
        patterns = reader.cellFormats.map { id in reader.customFormats[id].flatMap(Self.digitPattern) }
    }

    /// One element of a digit pattern.
    enum DigitToken: Sendable, Equatable {
        /// `0`: a digit, or 0 when the number has no more.
        case zero
        /// `#`: a digit, or nothing.
        case hash
        /// `?`: a digit, or a space.
        case question
        case literal(String)
    }

    /// The tokens of a format's first section when it is made of digit placeholders and
    /// literals only (spaces, `-`, `+`, `(`, `)`, `/`, quoted or escaped text), with at least
    /// one `0`; nil for anything else (decimals, thousands separators, dates, `General`, `@`).
    static func digitPattern(_ code: String) -> [DigitToken]? {
        var tokens: [DigitToken] = []
        var iterator = code.makeIterator()
        while let c = iterator.next() {
            switch c {
            case ";": return tokens.contains(.zero) ? tokens : nil
            case "0": tokens.append(.zero)
            case "#": tokens.append(.hash)
            case "?": tokens.append(.question)
            case " ", "-", "+", "(", ")", "/": tokens.append(.literal(String(c)))
            case "\\":
                guard let next = iterator.next() else { return nil }
                tokens.append(.literal(String(next)))
            case "\"":
                var text = ""
                while let q = iterator.next(), q != "\"" { text.append(q) }
                tokens.append(.literal(text))
            case "[":
                // A colour or locale modifier shows nothing; a condition is not handled.
                var inside = ""
                while let b = iterator.next(), b != "]" { inside.append(b) }
                if inside.first.map({ "<>=".contains($0) }) ?? true { return nil }
            default:
                return nil
            }
        }
        return tokens.contains(.zero) ? tokens : nil
    }

    /// A whole number as the cell's format shows it (`800` in `0000` is `0800`), or nil when
    /// the style has no digit pattern or the number is negative.
    func integerText(_ value: Int64, style index: Int) -> String? {
        guard value >= 0, index >= 0, index < patterns.count, let tokens = patterns[index] else { return nil }
        var digits = Array(String(value))
        if value == 0 { digits = [] }
        var out: [String] = []
        for token in tokens.reversed() {
            switch token {
            case .literal(let text): out.append(text)
            case .zero: out.append(digits.popLast().map(String.init) ?? "0")
            case .hash: out.append(digits.popLast().map(String.init) ?? "")
            case .question: out.append(digits.popLast().map(String.init) ?? " ")
            }
        }
        // Digits beyond the placeholders go before the leftmost one, as Excel shows them.
        var text = out.reversed().joined()
        if !digits.isEmpty {
            let firstPlaceholder = tokens.firstIndex { if case .literal = $0 { return false } else { return true } } ?? 0
            let lead = tokens[..<firstPlaceholder].map { if case .literal(let t) = $0 { return t } else { return "" } }.joined()
            text = lead + String(digits) + text.dropFirst(lead.count)
        }
        return text
    }

    func kind(ofStyle index: Int) -> Kind? {
        index >= 0 && index < kinds.count ? kinds[index] : nil
    }

    /// Built-in number formats that show dates or times. 46 (`[h]:mm:ss`) is a duration and
    /// stays a number; 27–36 and 50–58 are the East Asian locales' date formats.
    static func builtInKind(_ id: Int) -> Kind? {
        switch id {
        case 14...17, 27...36, 50...58: .date
        case 18...21, 45, 47: .time
        case 22: .dateTime
        default: nil
        }
    }

    /// The kind of a custom format code, read from its first section: quoted text, escaped
    /// characters and `[…]` modifiers (colour, locale) set aside; `y`, `d` or a month `m` make it
    /// a date, `h` or `s` a time. An elapsed-time `[h]`, `[m]` or `[s]` makes it a duration,
    /// which stays a number, as do formats with no such letters (`0.00`, `General`).
    static func kind(ofFormatCode code: String) -> Kind? {
        var letters: [Character] = []
        var iterator = code.makeIterator()
        while let c = iterator.next() {
            switch c {
            case ";": break
            case "\"":
                while let q = iterator.next(), q != "\"" {}
                continue
            case "\\", "_", "*":
                _ = iterator.next()
                continue
            case "[":
                var inside = ""
                while let b = iterator.next(), b != "]" { inside.append(b) }
                if let first = inside.lowercased().first, "hms".contains(first),
                   inside.lowercased().allSatisfy({ $0 == first }) {
                    return nil  // elapsed time: a duration, not a point in time
                }
                continue
            default:
                letters.append(Character(c.lowercased()))
                continue
            }
            break  // ";" ends the first section
        }
        let hasTime = letters.contains("h") || letters.contains("s")
        let hasDate = letters.contains("y") || letters.contains("d") || (letters.contains("m") && !hasTime)
        switch (hasDate, hasTime) {
        case (true, true): return .dateTime
        case (true, false): return .date
        case (false, true): return .time
        case (false, false): return nil
        }
    }

    /// The ISO 8601 text of a serial in this workbook's date system, or nil when the number is
    /// no date Excel can show (negative, past 9999, or the 1900 system's phantom 1900-02-29).
    func text(serial: Double, kind: Kind) -> String? {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }
        let totalSeconds = Int64((serial * 86_400).rounded())
        let dayNumber = totalSeconds / 86_400
        let seconds = Int(totalSeconds % 86_400)
        let time = Self.timeText(seconds)
        if kind == .time && dayNumber == 0 { return time }
        // Days since 1970-01-01 of serial 0. The 1900 system counts a 29 February 1900 that
        // never was (serial 60, kept for Lotus 1-2-3); serials before it are one day later.
        let epoch: Int64
        if date1904 {
            epoch = -24_107  // 1904-01-01
        } else if dayNumber >= 61 {
            epoch = -25_569  // 1899-12-30
        } else if dayNumber >= 1 && dayNumber < 60 {
            epoch = -25_568  // 1899-12-31
        } else {
            return nil  // serial 0 ("1900-01-00") or the phantom 1900-02-29
        }
        let date = Self.civilDate(daysSince1970: epoch + dayNumber)
        // A time format over a serial past one day keeps the date as well.
        return kind == .date ? date : date + " " + time
    }

    static func timeText(_ seconds: Int) -> String {
        let h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60
        return s == 0 ? "\(pad(h)):\(pad(m))" : "\(pad(h)):\(pad(m)):\(pad(s))"
    }

    /// `yyyy-MM-dd` of a day count (proleptic Gregorian; H. Hinnant's `civil_from_days`).
    static func civilDate(daysSince1970 days: Int64) -> String {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return "\(year)-\(pad(Int(month)))-\(pad(Int(day)))"
    }

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

/// `xl/styles.xml`: the workbook's custom number formats and, in order, the number format of
/// each cell style (`<cellXfs><xf numFmtId="14"/>…`; the `xf`s of `cellStyleXfs` are not cells').
final class StylesReader: XMLReader {
    var customFormats: [Int: String] = [:]
    var cellFormats: [Int] = []
    private var inCellXfs = false

    override func start(_ name: String, _ attributes: [String: String]) {
        switch Self.localName(name) {
        case "numFmt":
            if let id = attributes["numFmtId"].flatMap({ Int($0) }), let code = attributes["formatCode"] {
                customFormats[id] = code
            }
        case "cellXfs":
            inCellXfs = true
        case "xf" where inCellXfs:
            cellFormats.append(attributes["numFmtId"].flatMap { Int($0) } ?? 0)
        default:
            break
        }
    }

    override func end(_ name: String) {
        if Self.localName(name) == "cellXfs" { inCellXfs = false }
    }

}
