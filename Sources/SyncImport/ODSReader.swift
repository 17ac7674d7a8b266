import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads a sheet of an OpenDocument spreadsheet (`.ods`, what LibreOffice saves by default):
/// a ZIP whose `content.xml` holds `table:table` → `table:table-row` → `table:table-cell`.
///
/// A cell's text is what the sheet shows (`text:p`, several joined by line breaks), so a ZIP
/// in a `0000` format reads `0800` and a number never gains a `.0`; a date is its ISO 8601
/// `office:date-value`. Repeated rows and cells (`number-rows-repeated`,
/// `number-columns-repeated`) count for the line numbers without being built. The sheet read is
/// the one named, else the active one (`settings.xml`) when visible, else the first visible.
public enum ODSReader {
    public static let mimeType = "application/vnd.oasis.opendocument.spreadsheet"

    /// Whether `data` is an OpenDocument spreadsheet (its `mimetype` entry says so).
    public static func isSpreadsheet(_ data: Data) -> Bool {
        guard let archive = try? XLSXReader.archive(of: data, kind: "ODS") else { return false }
        guard let out = try? XLSXReader.part("mimetype", of: archive, kind: "ODS", limits: ImportLimits(partBytes: 1024)) else { return false }
        return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == mimeType
    }

    public static func rows(of data: Data, sheet: String? = nil, limits: ImportLimits = .standard) throws -> [XLSXReader.Row] {
        let archive = try XLSXReader.archive(of: data, kind: "ODS")
        func part(_ path: String) throws -> Data? {
            try XLSXReader.part(path, of: archive, kind: "ODS", limits: limits)
        }
        guard let content = try part("content.xml") else {
            throw XLSXReader.Failure(description: "not an ODS file (no content.xml)")
        }
        var active: String?
        if let settings = try part("settings.xml") {
            let reader = ActiveTableReader()
            try reader.parse(settings)
            active = reader.active
        }
        // First pass: the tables, and which are hidden (their style says display="false").
        let tables = TableListReader()
        try tables.parse(content)
        let names = tables.tables.map(\.name)
        let chosen: String?
        if let sheet {
            let wanted = sheet.trimmingCharacters(in: .whitespaces).lowercased()
            guard let found = names.first(where: { $0.trimmingCharacters(in: .whitespaces).lowercased() == wanted }) else {
                throw XLSXReader.Failure(description: "the workbook has no sheet named '\(sheet)' (its sheets: \(names.map { "'\($0)'" }.joined(separator: ", ")))")
            }
            chosen = found
        } else {
            let visible = tables.tables.filter { !tables.hiddenStyles.contains($0.style ?? "") }.map(\.name)
            chosen = active.flatMap { visible.contains($0) ? $0 : nil } ?? visible.first ?? names.first
        }
        let reader = TableReader(table: chosen, limits: limits)
        try reader.parse(content)
        return reader.rows
    }
}

/// `settings.xml`: `<config:config-item config:name="ActiveTable">Kunder</config:config-item>`.
final class ActiveTableReader: XMLReader {
    var active: String?
    private var inActive = false
    private var text = ""

    override func start(_ name: String, _ attributes: [String: String]) {
        if Self.localName(name) == "config-item", attributes.first(where: { $0.key.hasSuffix("name") })?.value == "ActiveTable" {
            inActive = true
            text = ""
        }
    }

    override func end(_ name: String) {
        if inActive && Self.localName(name) == "config-item" {
            active = active ?? text
            inActive = false
        }
    }

    override func characters(_ string: String) {
        if inActive { text += string }
    }
}

/// The tables of `content.xml` with their style names, and the table styles that hide a table.
final class TableListReader: XMLReader {
    var tables: [(name: String, style: String?)] = []
    var hiddenStyles: Set<String> = []
    private var currentStyle: String?

    override func start(_ name: String, _ attributes: [String: String]) {
        switch Self.localName(name) {
        case "style":
            currentStyle = attribute("name", attributes)
        case "table-properties":
            if attribute("display", attributes) == "false", let style = currentStyle { hiddenStyles.insert(style) }
        case "table":
            tables.append((attribute("name", attributes) ?? "Sheet\(tables.count + 1)", attribute("style-name", attributes)))
        default:
            break
        }
    }

    func attribute(_ local: String, _ attributes: [String: String]) -> String? {
        attributes.first { Self.localName($0.key) == Substring(local) }?.value
    }
}

/// The rows of one table (by name; the first when nil).
final class TableReader: XMLReader {
    let table: String?
    var rows: [XLSXReader.Row] = []
    private var inTable = false
    private var done = false
    private var rowNumber = 0
    private var rowRepeat = 1
    private var cells: [String] = []
    private var column = 0
    private var cellRepeat = 1
    private var cellText: [String] = []
    private var paragraph = ""
    private var inParagraph = false
    private var cellDate: String?
    private var cellPlainNumber: String?
    private var inCell = false

    let limits: ImportLimits

    init(table: String?, limits: ImportLimits = .standard) {
        self.table = table
        self.limits = limits
    }

    func attribute(_ local: String, _ attributes: [String: String]) -> String? {
        attributes.first { Self.localName($0.key) == Substring(local) }?.value
    }

    override func start(_ name: String, _ attributes: [String: String]) {
        guard !done else { return }
        let local = Self.localName(name)
        if local == "table" {
            inTable = table == nil || attribute("name", attributes) == table
            return
        }
        guard inTable else { return }
        switch local {
        case "table-row":
            rowRepeat = Self.count(attribute("number-rows-repeated", attributes), most: 1_048_576)
            cells.removeAll(keepingCapacity: true)
            column = 0
        case "table-cell", "covered-table-cell":
            cellRepeat = Self.count(attribute("number-columns-repeated", attributes), most: 16_384)
            cellText = []
            cellDate = attribute("value-type", attributes) == "date" ? attribute("date-value", attributes) : nil
            // A number in no style shows in General format; only then is its text replaceable.
            cellPlainNumber = attribute("value-type", attributes) == "float" && attribute("style-name", attributes) == nil
                ? attribute("value", attributes) : nil
            inCell = true
        case "p" where inCell:
            paragraph = ""
            inParagraph = true
        case "s" where inParagraph:
            paragraph += String(repeating: " ", count: Self.count(attribute("c", attributes), most: 1024))
            if paragraph.utf8.count > limits.cellBytes { fail(limits.cellTooLong("a cell in row \(rowNumber + 1)")) }
        case "tab" where inParagraph:
            paragraph += "\t"
        case "line-break" where inParagraph:
            paragraph += "\n"
        default:
            break
        }
    }

    override func end(_ name: String) {
        guard !done, inTable, failure == nil else { return }
        switch Self.localName(name) {
        case "p" where inParagraph:
            cellText.append(paragraph)
            inParagraph = false
        case "table-cell", "covered-table-cell":
            inCell = false
            var value = cellText.joined(separator: "\n")
            guard value.utf8.count <= limits.cellBytes else {
                fail(limits.cellTooLong("a cell in row \(rowNumber + 1)"))
                return
            }
            if let date = cellDate { value = date.replacingOccurrences(of: "T", with: " ") }
            if let number = cellPlainNumber, value == number { value = Self.general(number) }
            if value.isEmpty {
                column += cellRepeat  // empty cells, however many, are not built
            } else {
                guard column + min(cellRepeat, 1024) <= limits.columns else {
                    fail(limits.beyondLastColumn("a value in row \(rowNumber + 1)"))
                    return
                }
                if column > cells.count { cells.append(contentsOf: repeatElement("", count: column - cells.count)) }
                for _ in 0..<min(cellRepeat, 1024) { cells.append(value) }
                column += cellRepeat
            }
        case "table-row":
            rowNumber += 1
            if cells.contains(where: { !$0.isEmpty }) {
                // A header and `limits.rows` records at most, however often a row repeats.
                guard rows.count + rowRepeat <= limits.rows + 1 else {
                    fail(limits.tooManyRows)
                    return
                }
                for i in 0..<rowRepeat { rows.append(XLSXReader.Row(number: rowNumber + i, cells: cells)) }
            }
            rowNumber += rowRepeat - 1
        case "table":
            inTable = false
            done = true
        default:
            break
        }
    }

    /// A repeat count or a number of spaces from the file, within 1…`most` (a value read from a
    /// file is never trusted to be sane: `-1` or 2^62 would trap or allocate without end).
    static func count(_ text: String?, most: Int) -> Int {
        min(max(text.flatMap { Int($0) } ?? 1, 1), most)
    }

    /// A whole number as General format shows it: odfpy (pandas' `.ods` writer) spells the
    /// text of a float cell as Python does, `86123456.0`, where a spreadsheet shows `86123456`.
    static func general(_ number: String) -> String {
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty, parts[1].allSatisfy({ $0 == "0" }) else { return number }
        let digits = parts[0].hasPrefix("-") ? parts[0].dropFirst() : parts[0][...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return number }
        return String(parts[0])
    }

    override func characters(_ string: String) {
        guard inParagraph, failure == nil else { return }
        paragraph += string
        if paragraph.utf8.count > limits.cellBytes { fail(limits.cellTooLong("a cell in row \(rowNumber + 1)")) }
    }
}
