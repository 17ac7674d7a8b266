import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads the first worksheet of an XLSX workbook as Excel saves it: shared strings (rich text
/// runs joined), inline strings, formula results, booleans, numbers stored as numbers (a CVR or
/// a ZIP comes back as its digits), dates and times (numbers in a date or time format, read
/// through `xl/styles.xml` and written as ISO 8601), and empty or missing cells. ZIP through
/// `ZIPReader`, XML through Foundation's `XMLParser`.
public enum XLSXReader {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// One row: its sheet row number (1-based, the "line") and its cells by column.
    public struct Row: Sendable {
        public var number: Int
        public var cells: [String]
    }

    /// The rows of the sheet the user sees (the workbook's active tab, else its first visible
    /// sheet), or of the sheet named `sheet`.
    public static func rows(of data: Data, sheet: String? = nil, limits: ImportLimits = .standard) throws -> [Row] {
        var rows: [Row] = []
        try forEachRow(of: data, sheet: sheet, limits: limits) { rows.append($0) }
        return rows
    }

    /// Streams the rows of the sheet (see `rows(of:sheet:)`) to `body` as they are read: the
    /// sheet part is inflated to a temporary file and parsed from there in chunks, so neither
    /// the sheet's XML (300 MB for a million customers) nor its rows are held in memory, and
    /// the XML parser's 10 MB limit on one chunk never applies. A sheet of a million customers
    /// is about 300 MB inflated; `limits` bound each part, each cell, the columns and the rows.
    public static func forEachRow(of data: Data, sheet: String? = nil, limits: ImportLimits = .standard, _ body: (Row) -> Void) throws {
        let archive = try Self.archive(of: data, kind: "XLSX")
        func entryData(_ path: String) throws -> Data? {
            try part(path, of: archive, kind: "XLSX", limits: limits)
        }
        // One pass over the workbook part: its sheets, and its properties (the date system).
        let workbook = try entryData("xl/workbook.xml").map { data in
            let collector = ElementCollector(wanted: ["sheet", "workbookPr", "workbookView"])
            try collector.parse(data)
            return collector
        }
        let sheetPath = try sheetPath(workbook: workbook, named: sheet, rels: entryData("xl/_rels/workbook.xml.rels"))
        guard let sheetEntry = archive[sheetPath] else {
            throw Failure(description: "not an XLSX file (no worksheet at \(sheetPath))")
        }
        let shared = try entryData("xl/sharedStrings.xml").map { try sharedStrings($0, limits: limits) } ?? []
        let date1904 = workbook?.first("workbookPr")?["date1904"].map { $0 == "1" || $0.lowercased() == "true" } ?? false
        let dates = try DateStyles(styles: entryData("xl/styles.xml"), date1904: date1904)
        // The sheet, inflated to a file of its own (removed when done), within the limit.
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("customer-sync-sheet-\(getpid())-\(UUID().uuidString).xml")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: temporary.path) else {
            throw Failure(description: "the sheet could not be unpacked: no room for a temporary file in \(FileManager.default.temporaryDirectory.path)")
        }
        defer { try? FileManager.default.removeItem(at: temporary) }
        do {
            defer { try? handle.close() }
            try extract(sheetEntry, of: archive, kind: "XLSX", limits: limits) { try handle.write(contentsOf: $0) }
        }
        let uncalculated = try withoutActuallyEscaping(body) { body in
            let reader = SheetReader(sharedStrings: shared, dates: dates, limits: limits, onRow: body)
            try reader.parse(contentsOf: temporary)
            return reader.uncalculatedFormulas
        }
        if uncalculated > 0 {
            throw Failure(description: "the sheet holds \(uncalculated) formula cell(s) that were never calculated (the program that wrote the file stored no results): open it in a spreadsheet program, save it once, and import it again")
        }
    }

    /// The ZIP archive of a workbook's bytes (`kind`: XLSX or ODS, for the message), its
    /// directory checked.
    static func archive(of data: Data, kind: String) throws -> ZIPReader {
        do {
            return try ZIPReader(data)
        } catch is ZIPReader.NotAZip {
            throw Failure(description: "not an \(kind) file (it is not a readable ZIP archive)")
        } catch let damaged as ZIPReader.Damaged {
            throw Failure(description: damaged.description)
        }
    }

    /// A part of a ZIP-based workbook (XLSX or ODS), inflated within `limits.partBytes`: the
    /// declared size may lie, the count of inflated bytes may not. Nil when there is no such part.
    static func part(_ path: String, of archive: ZIPReader, kind: String, limits: ImportLimits) throws -> Data? {
        guard let entry = archive[path] else { return nil }
        var out = Data()
        try extract(entry, of: archive, kind: kind, limits: limits) { out.append($0) }
        return out
    }

    /// Every part's way out of the archive: its declared size and then its counted inflated
    /// bytes within `limits.partBytes`, its text checked to be UTF-8 (`UTF8Check`) before any
    /// XML parser sees it, in chunks to `consumer`.
    static func extract(_ entry: ZIPReader.Entry, of archive: ZIPReader, kind: String, limits: ImportLimits, _ consumer: (Data) throws -> Void) throws {
        let tooLarge = Failure(description: limits.partTooLarge(entry.name, kind: kind))
        if entry.uncompressedSize > UInt64(limits.partBytes) { throw tooLarge }
        var written = 0
        var check = UTF8Check()
        var instructions = InstructionCheck()
        try archive.extract(entry) { chunk in
            written += chunk.count
            if written > limits.partBytes { throw tooLarge }
            check.feed(chunk)
            try instructions.feed(chunk)
            try consumer(chunk)
        }
        try check.finish()
    }

    /// The sheet to read: the one named `name` (case and surrounding spaces aside), else the
    /// active tab when it is visible, else the first visible sheet. A hidden sheet (a lookup
    /// list, an old register) is read only when named.
    static func chooseSheet(_ sheets: [[String: String]], activeTab: Int?, named name: String?) throws -> [String: String]? {
        guard !sheets.isEmpty else { return nil }
        if let name {
            let wanted = name.trimmingCharacters(in: .whitespaces).lowercased()
            if let found = sheets.first(where: { ($0["name"] ?? "").trimmingCharacters(in: .whitespaces).lowercased() == wanted }) { return found }
            let names = sheets.compactMap { $0["name"] }.map { "'\($0)'" }.joined(separator: ", ")
            throw Failure(description: "the workbook has no sheet named '\(name)' (its sheets: \(names))")
        }
        func visible(_ sheet: [String: String]) -> Bool { (sheet["state"] ?? "visible") == "visible" }
        if let activeTab, activeTab >= 0, activeTab < sheets.count, visible(sheets[activeTab]) { return sheets[activeTab] }
        return sheets.first(where: visible) ?? sheets[0]
    }

    /// The path of the sheet to read (see `chooseSheet`), via its relationship.
    static func sheetPath(workbook: ElementCollector?, named name: String?, rels: Data?) throws -> String {
        let fallback = "xl/worksheets/sheet1.xml"
        guard let workbook else {
            if let name { throw Failure(description: "the workbook has no sheet named '\(name)' (it lists no sheets)") }
            return fallback
        }
        let sheets = workbook.elements.filter { $0.name == "sheet" }.map(\.attributes)
        let activeTab = workbook.first("workbookView")?["activeTab"].flatMap { Int($0) }
        guard let rels else { return fallback }
        guard let first = try chooseSheet(sheets, activeTab: activeTab, named: name),
              let rid = first["r:id"] ?? first.first(where: { $0.key.hasSuffix(":id") })?.value else { return fallback }
        let relationships = ElementCollector(wanted: ["Relationship"])
        try relationships.parse(rels)
        guard let target = relationships.elements.first(where: { $0.attributes["Id"] == rid })?.attributes["Target"] else { return fallback }
        if target.hasPrefix("/") { return String(target.dropFirst()) }
        return "xl/" + target
    }

    static func sharedStrings(_ data: Data, limits: ImportLimits = .standard) throws -> [String] {
        let reader = SharedStringsReader(limits: limits)
        try reader.parse(data)
        return reader.strings
    }

    /// OOXML's escape of a character XML cannot hold (`_x000D_` for a CR, as Excel writes
    /// line breaks; `_x005F_` for an underscore that would start one), undone.
    static func unescaped(_ text: String) -> String {
        // A byte scan: `String.contains("_x")` goes through Foundation's CFString search, and
        // this runs for every text cell (it had cost a million-row sheet seconds).
        guard text.utf8.contains(UInt8(ascii: "_")) else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if let code = escapeCode(scalars, at: i), let scalar = Unicode.Scalar(code) {
                out.append(scalar)
                i += 7
            } else {
                out.append(scalars[i])
                i += 1
            }
        }
        return String(out)
    }

    /// The code of an escape `_xHHHH_` starting at `i`, or nil.
    static func escapeCode(_ scalars: [Unicode.Scalar], at i: Int) -> UInt32? {
        guard i + 6 < scalars.count, scalars[i] == "_", scalars[i + 1] == "x" || scalars[i + 1] == "X", scalars[i + 6] == "_" else { return nil }
        var code: UInt32 = 0
        for k in 2..<6 {
            guard let digit = Character(scalars[i + k]).hexDigitValue else { return nil }
            code = code * 16 + UInt32(digit)
        }
        return code
    }

    /// "BC12" → 54 (0-based column of the reference); nil without letters, or past Excel's
    /// last column (XFD, 16,384): a value read from a file is never trusted to fit.
    static func columnIndex(_ reference: String) -> Int? {
        var index = 0
        var sawLetter = false
        for scalar in reference.unicodeScalars {
            guard let v = Optional(scalar.value), (65...90).contains(v) || (97...122).contains(v) else { break }
            index = index * 26 + Int((v | 0x20) - 96)
            sawLetter = true
            if index > 16_384 { return nil }
        }
        return sawLetter ? index - 1 : nil
    }


    /// A column as a spreadsheet names it: 0 → A, 1023 → AMJ (the XLSX writer's references too).
    static func columnName(_ index: Int) -> String {
        var name = ""
        var n = index + 1
        while n > 0 {
            n -= 1
            name = String(UnicodeScalar(UInt8(65 + n % 26))) + name
            n /= 26
        }
        return name
    }

    /// A numeric cell's text: whole numbers without exponent or fraction (a CVR stays 8 digits).
    static func numberText(_ raw: String) -> String {
        if raw.contains("E") || raw.contains("e") || raw.hasSuffix(".0") {
            if let d = Double(raw), d.rounded() == d, abs(d) < 1e15 { return String(Int64(d)) }
        }
        return raw
    }
}


/// `<sst><si><t>text</t></si><si><r><t>rich</t></r><r><t> text</t></r></si>…` (phonetic `<rPh>` skipped).
final class SharedStringsReader: XMLReader {
    let limits: ImportLimits
    var strings: [String] = []

    init(limits: ImportLimits) { self.limits = limits }
    var current = ""
    var inText = false
    var inPhonetic = false

    override func start(_ name: String, _ attributes: [String: String]) {
        switch Self.localName(name) {
        case "si": current = ""
        case "t": inText = !inPhonetic
        case "rPh": inPhonetic = true
        default: break
        }
    }

    override func end(_ name: String) {
        switch Self.localName(name) {
        case "si": strings.append(XLSXReader.unescaped(current))
        case "t": inText = false
        case "rPh": inPhonetic = false
        default: break
        }
    }

    override func characters(_ string: String) {
        guard inText, failure == nil else { return }
        current += string
        if current.utf8.count > limits.cellBytes { fail(limits.cellTooLong("shared text \(strings.count)")) }
    }
}

/// `<sheetData><row r="2"><c r="A2" t="s"><v>0</v></c>…`
final class SheetReader: XMLReader {
    let sharedStrings: [String]
    let dates: DateStyles
    var cellStyle = 0
    let onRow: (XLSXReader.Row) -> Void
    var rowNumber = 0
    var cells: [String] = []
    var cellColumn = 0
    var cellReference: String?
    var cellType: String?
    var text = ""
    var collecting = false
    var inInline = false
    /// The cell has a formula (`<f>`), and whether a result (`<v>`) came with it.
    var hasFormula = false
    var hasValue = false
    /// Formula cells without a stored result (openpyxl and other writers that do not calculate).
    var uncalculatedFormulas = 0

    let limits: ImportLimits
    /// Rows handed on: past `limits.rows` (and a header) the sheet is refused.
    var rowsRead = 0

    init(sharedStrings: [String], dates: DateStyles, limits: ImportLimits, onRow: @escaping (XLSXReader.Row) -> Void) {
        self.sharedStrings = sharedStrings
        self.dates = dates
        self.limits = limits
        self.onRow = onRow
    }

    override func start(_ name: String, _ attributes: [String: String]) {
        switch Self.localName(name) {
        case "row":
            rowNumber = attributes["r"].flatMap { Int($0) }.map { min(max($0, 1), 1_048_576) } ?? rowNumber + 1
            cells.removeAll(keepingCapacity: true)
        case "c":
            cellReference = attributes["r"]
            // Past Excel's last column counts as past ours: checked when the cell turns out to
            // hold a value (a formatted empty cell far right is common and costs nothing).
            cellColumn = cellReference.map { XLSXReader.columnIndex($0) ?? Int.max } ?? cells.count
            cellType = attributes["t"]
            cellStyle = attributes["s"].flatMap { Int($0) } ?? 0
            text = ""
            inInline = false
            hasFormula = false
            hasValue = false
        case "f":
            hasFormula = true
        case "v":
            text = ""
            collecting = true
            hasValue = true
        case "is":
            inInline = true
            text = ""
        case "t":
            if inInline { collecting = true }
        default:
            break
        }
    }

    override func end(_ name: String) {
        guard failure == nil else { return }
        switch Self.localName(name) {
        case "v", "t":
            collecting = false
        case "c":
            // A formula whose result was never stored: no `<v>`, or an empty one outside a string
            // result (openpyxl writes `<f>…</f><v/>`; a calculated number always has digits).
            if hasFormula && (!hasValue || (text.isEmpty && cellType != "str" && cellType != "inlineStr")) { uncalculatedFormulas += 1 }
            let value: String
            switch cellType {
            case "s":
                guard let index = Int(text.trimmingCharacters(in: .whitespaces)), sharedStrings.indices.contains(index) else {
                    fail("cell \(cellReference ?? "in row \(rowNumber)") refers to shared text '\(text.prefix(20))', which the file does not hold (it holds \(sharedStrings.count)): the file is damaged")
                    return
                }
                value = sharedStrings[index]
            case "inlineStr", "str": value = XLSXReader.unescaped(text)
            case "b": value = text == "1" ? "TRUE" : "FALSE"
            case "e": value = ""
            case "d": value = text  // an ISO 8601 date cell (strict OOXML); kept as written
            default:
                if text.isEmpty {
                    value = ""
                } else if let kind = dates.kind(ofStyle: cellStyle), let serial = Double(text),
                          let date = dates.text(serial: serial, kind: kind) {
                    value = date
                } else if let whole = Double(text), whole.rounded() == whole, abs(whole) < 1e15,
                          let shown = dates.integerText(Int64(whole), style: cellStyle) {
                    value = shown  // as the cell's number format shows it: 800 in `0000` is 0800
                } else {
                    value = XLSXReader.numberText(text)
                }
            }
            if value.isEmpty { return }  // an empty cell is not built, however far right
            guard cellColumn < limits.columns else {
                fail(limits.beyondLastColumn(cellReference.map { "cell \($0)" } ?? "a cell in row \(rowNumber)"))
                return
            }
            if cellColumn >= cells.count { cells.append(contentsOf: repeatElement("", count: cellColumn - cells.count + 1)) }
            cells[cellColumn] = value
        case "row":
            guard cells.contains(where: { !$0.isEmpty }) else { return }
            rowsRead += 1
            guard rowsRead <= limits.rows + 1 else {
                fail(limits.tooManyRows)
                return
            }
            onRow(XLSXReader.Row(number: rowNumber, cells: cells))
        default:
            break
        }
    }

    override func characters(_ string: String) {
        guard collecting, failure == nil else { return }
        text += string
        if text.utf8.count > limits.cellBytes { fail(limits.cellTooLong(cellReference.map { "cell \($0)" } ?? "a cell in row \(rowNumber)")) }
    }
}

/// Whether an XML part holds a processing instruction with a target and nothing after it
/// (`<?t?>`), checked in chunks as it is inflated. Foundation's XMLParser on Linux takes the
/// length of the absent text libxml2 hands on for it and dies (a null pointer; found by
/// fuzzing), so such a part never reaches it. No program writes one into a workbook; with a
/// space after the target (`<?t ?>`) libxml2 hands on an empty text and all is well. Zero bytes
/// are passed over, so a part in UTF-16 is looked at too (its ASCII is a byte and a zero).
struct InstructionCheck {
    private enum State { case text, lessThan, target, question }
    private var state = State.text

    mutating func feed(_ chunk: Data) throws {
        for byte in chunk where byte != 0 {
            switch (state, byte) {
            case (_, UInt8(ascii: "<")): state = .lessThan
            case (.lessThan, UInt8(ascii: "?")): state = .target
            case (.target, UInt8(ascii: "?")): state = .question
            case (.target, 0x20), (.target, 0x09), (.target, 0x0A), (.target, 0x0D): state = .text
            case (.target, _): break
            case (.question, UInt8(ascii: ">")):
                throw XLSXReader.Failure(description: "the file is damaged: a part of it holds a processing instruction with nothing in it (<?…?>)")
            default: state = .text
            }
        }
    }
}

/// Whether an XML part is UTF-8, checked in chunks as it is inflated (a sequence may be cut
/// between two chunks). Foundation's XMLParser traps (the process dies) on an element or
/// attribute name that is not UTF-8, which libxml2 hands on unchecked (found by fuzzing:
/// `<r\xffw>`); so no part reaches it unchecked. A part in UTF-16 (its byte-order mark first)
/// is left to libxml2, which converts it.
struct UTF8Check {
    private var carry: [UInt8] = []
    private var valid = true
    private var first = true
    private var skip = false

    mutating func feed(_ chunk: Data) {
        guard valid, !skip, !chunk.isEmpty else { return }
        if first {
            first = false
            if chunk.starts(with: [0xFF, 0xFE]) || chunk.starts(with: [0xFE, 0xFF]) { skip = true; return }
        }
        var bytes = carry
        bytes.append(contentsOf: chunk)
        // Up to three bytes of a sequence the next chunk completes wait for it.
        var lead = bytes.count - 1
        while lead > 0, bytes.count - lead < 4, bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
        let needed = bytes[lead] >= 0xF0 ? 4 : bytes[lead] >= 0xE0 ? 3 : bytes[lead] >= 0xC0 ? 2 : 1
        let cut = bytes.count - lead < needed ? lead : bytes.count
        valid = bytes.withUnsafeBufferPointer { String(validating: UnsafeBufferPointer(rebasing: $0[..<cut]), as: UTF8.self) != nil }
        carry = Array(bytes[cut...])
    }

    func finish() throws {
        guard skip || (valid && carry.isEmpty) else {
            throw XLSXReader.Failure(description: "the file is damaged: a part of it is not UTF-8 text")
        }
    }
}
