import Foundation
import SyncCore
import ZIPFoundation

/// One customer as an export writes it.
public struct ExportRow: Sendable {
    public var number: String?
    public var fields: CustomerFields
    public var extra: [String: String]

    public init(number: String?, fields: CustomerFields, extra: [String: String]) {
        self.number = number
        self.fields = fields
        self.extra = extra
    }
}

/// Writes a register in the CleanManager format `RegisterFile` reads, so that an exported
/// file imported again changes nothing: the English column names, the synced fields, then the
/// file's own other columns (sorted). In CSV, a cell that a spreadsheet would run as a formula
/// (one beginning with `=`, `@`, tab or CR, or with `+` or `-` unless it is a plain number such
/// as `+45 20 00 00 02`), or that begins with `'`, gets a leading `'`, which the reader
/// removes. XLSX cells are text cells, which never run: they are written as they are, but for
/// the header, guarded in both formats (a column name is what a user copies into a formula bar
/// or a CSV of their own), and unguarded by the reader in both.
public enum RegisterWriter {
    static let columns: [Column] = [.number] + SyncField.allCases.map { .field($0) }

    public static func headers(extraColumns: [String]) -> [String] {
        columns.map(Column.exportHeader) + extraColumns
    }

    public static func cells(_ row: ExportRow, extraColumns: [String], guarding: Bool = true) -> [String] {
        var out: [String] = [row.number ?? ""]
        for field in SyncField.allCases { out.append(row.fields[field] ?? "") }
        for column in extraColumns { out.append(row.extra[column] ?? "") }
        return guarding ? out.map(guarded) : out
    }

    /// The CSV formula guard.
    public static func guarded(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, "=+-@\t\r'".unicodeScalars.contains(first) else { return value }
        if (first == "+" || first == "-") && isPlainNumber(value.unicodeScalars.dropFirst()) { return value }
        return "'" + value
    }

    /// Digits, with the spaces, dots, commas, dashes, slashes and brackets a phone number or an
    /// amount is written with, and nothing a formula needs (no letter, operator, quote or `!`).
    static func isPlainNumber(_ rest: Substring.UnicodeScalarView) -> Bool {
        var digits = 0
        for scalar in rest {
            switch scalar {
            case "0"..."9": digits += 1
            case " ", ".", ",", "-", "/", "(", ")": continue
            default: return false
            }
        }
        return digits > 0
    }

    /// The sorted union of the rows' own columns.
    public static func extraColumns(_ rows: [ExportRow]) -> [String] {
        Array(Set(rows.flatMap { $0.extra.keys })).sorted()
    }

    /// CSV as Excel reads it in Denmark: UTF-8 with a byte order mark, `;`, CRLF.
    public static func csv(_ rows: [ExportRow]) -> [UInt8] {
        let extra = extraColumns(rows)
        var out: [UInt8] = [0xEF, 0xBB, 0xBF]
        func line(_ cells: [String]) {
            for (i, cell) in cells.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ";")) }
                if cell.contains(where: { $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
                    out.append(UInt8(ascii: "\""))
                    out += Array(cell.replacingOccurrences(of: "\"", with: "\"\"").utf8)
                    out.append(UInt8(ascii: "\""))
                } else {
                    out += Array(cell.utf8)
                }
            }
            out += [0x0D, 0x0A]
        }
        // A file's own column may be named like a formula: the header is guarded too.
        line(headers(extraColumns: extra).map(guarded))
        for row in rows { line(cells(row, extraColumns: extra)) }
        return out
    }

    /// An XLSX workbook with one sheet, every cell an inline string.
    public static func xlsx(_ rows: [ExportRow]) throws -> Data {
        let extra = extraColumns(rows)
        var sheet = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
            + #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
        func row(_ number: Int, _ cells: [String]) {
            sheet += "<row r=\"\(number)\">"
            for (i, cell) in cells.enumerated() where !cell.isEmpty {
                sheet += "<c r=\"\(XLSXReader.columnName(i))\(number)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(xmlEscaped(cell))</t></is></c>"
            }
            sheet += "</row>"
        }
        row(1, headers(extraColumns: extra).map(guarded))
        for (i, r) in rows.enumerated() { row(i + 2, cells(r, extraColumns: extra, guarding: false)) }
        sheet += "</sheetData></worksheet>"
        let parts: [(String, String)] = [
            ("[Content_Types].xml", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#),
            ("_rels/.rels", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
            ("xl/workbook.xml", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Customers" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
            ("xl/worksheets/sheet1.xml", sheet),
        ]
        let archive = try Archive(accessMode: .create)
        for (path, text) in parts {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return data
    }


    static func xmlEscaped(_ s: String) -> String {
        var out = ""
        let scalars = Array(s.unicodeScalars)
        for (i, scalar) in scalars.enumerated() {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\r": out += "&#13;"
            case "_" where XLSXReader.escapeCode(scalars, at: i) != nil:
                out += "_x005F_"  // a literal "_x0041_" stays itself (ECMA-376's ST_Xstring)
            default:
                // Not allowed in XML 1.0: written as OOXML's escape (`_x0001_`), never dropped
                // (a dropped one had turned "\u{1}=1+1" into "=1+1").
                if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" {
                    out += "_x" + String(format: "%04X", scalar.value) + "_"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

}
