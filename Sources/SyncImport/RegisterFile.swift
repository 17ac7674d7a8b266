import Foundation
import SyncCore

/// One valid customer row of a register file.
public struct ImportRow: Sendable, Hashable {
    /// The physical 1-based line (CSV) or sheet row (XLSX) where the record starts.
    public var line: Int
    /// The number in its side's canonical form.
    public var number: String
    /// Values as stored: trimmed, blank = nil.
    public var fields: CustomerFields
    /// Unknown columns, by header, blank cells left out.
    public var extra: [String: String]
    /// The row as read (`RegisterBuilder.rowDigest`: the file's columns and the cells as
    /// they are), nil for rows given as values (an API's).
    public var digest: Int64? = nil
    /// The row is the one last read for its number (its digest is the stored one): not
    /// checked again, and `fields` and `extra` are left empty; the writer makes sure.
    public var lastRead = false
}

/// One broken rule in one row.
public struct RowError: Error, Sendable, Hashable, Codable {
    public var line: Int
    public var field: String
    public var message: String

    public init(line: Int, field: String, message: String) {
        self.line = line
        self.field = field
        self.message = message
    }
}

/// A register read from a file and checked against CleanManager's rules.
public struct RegisterFile: Sendable {
    public enum Format: String, Sendable, Codable, CaseIterable, ClosedStringSet { case csv, xlsx, ods }

    public var format: Format
    public var rows: [ImportRow] = []
    public var errors: [RowError] = []
    /// Every customer number the file mentions, valid rows or not (canonical where valid).
    public var numbers: Set<String> = []
    /// What the reader could only guess (an encoding), for the user to check.
    public var warnings: [String] = []
    /// The header's cells as read (trimmed), and what each column was taken for.
    public var header: [String] = []
    public var columns: [Column] = []

    /// Reads `bytes` as `format` (detected from the bytes when nil: a ZIP signature means XLSX).
    public static func read(_ bytes: [UInt8], format: Format?, side: Side, sheet: String? = nil, limits: ImportLimits = .standard) throws(RowError) -> RegisterFile {
        var rows: [ImportRow] = []
        var file = try stream(bytes, format: format, side: side, sheet: sheet, limits: limits) { rows.append($0) }
        file.rows = rows
        return file
    }

    /// Reads `bytes`, handing each valid row to `onRow` as soon as it is checked; returns the
    /// format and every invalid field (`rows` is left empty). `sheet` names the sheet of a
    /// workbook to read (default: the one the user sees).
    ///
    /// `lastRead` holds, by number, the digest of each row as last read from this side's
    /// file (`ImportRow.digest`): a row read again unchanged skips its checks and arrives
    /// marked `lastRead`.
    public static func stream(_ bytes: [UInt8], format: Format?, side: Side, sheet: String? = nil, limits: ImportLimits = .standard,
                              lastRead: [String: Int64] = [:], onRow: (ImportRow) -> Void) throws(RowError) -> RegisterFile {
        guard bytes.count <= limits.fileBytes else { throw RowError(line: 0, field: "file", message: limits.fileTooLarge(bytes.count)) }
        // Excel 97–2003 (.xls) is an OLE2 compound file: not readable here, and not a CSV either.
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            throw RowError(line: 0, field: "file", message: "this is an Excel 97–2003 workbook (.xls), which cannot be read: open it in Excel or LibreOffice and save it as .xlsx or CSV")
        }
        // One copy of a workbook's bytes, and one look at what kind of workbook it is: one
        // named .xlsx that is an OpenDocument spreadsheet is read as what it is.
        let isZip = bytes.starts(with: [0x50, 0x4B, 0x03, 0x04])
        let workbook = isZip && format != .csv ? Data(bytes) : Data()
        let isODS = isZip && format != .csv && ODSReader.isSpreadsheet(workbook)
        let format: Format = isODS ? .ods : format ?? (isZip ? .xlsx : .csv)
        var warnings: [String] = []
        var builder = RegisterBuilder(side: side)
        builder.lastRead = lastRead
        // Only a CSV can carry the formula guard: an XLSX text cell never runs as a formula,
        // so its cells are taken as they are.
        builder.stripsFormulaGuard = format == .csv
        switch format {
        case .csv:
            let (text, _, warning) = TextDecoding.decode(bytes)
            if let warning { warnings.append(warning) }
            // One pass: the lines, and a NUL, which no text holds (a binary file, or an
            // encoding that was not recognised).
            var lines = 0
            for byte in text {
                if byte == 0x0A { lines += 1 } else if byte == 0 {
                    throw RowError(line: lines + 1, field: "file", message: "line \(lines + 1) holds a NUL byte: this is not a text file (a binary file, or text in an encoding that was not recognised)")
                }
            }
            // At most one row a line: sizing the duplicate check once saves its rehashing.
            builder.seenNumbers.reserveCapacity(min(lines, limits.rows + 1))
            builder.mentioned.reserveCapacity(min(lines, limits.rows + 1))
            do {
                try CSVReader(utf8: text, limits: limits).forEachRawRecord { line, record in
                    if let row = builder.add(line: line, record: record) { onRow(row) }
                }
            } catch let failure as CSVReader.Failure {
                throw RowError(line: failure.line, field: "file", message: failure.message)
            } catch {
                throw RowError(line: 0, field: "file", message: "\(error)")
            }
        case .xlsx, .ods:
            do {
                if format == .ods {
                    for sheetRow in try ODSReader.rows(of: workbook, sheet: sheet, limits: limits) {
                        if let row = builder.add(line: sheetRow.number, cells: sheetRow.cells) { onRow(row) }
                    }
                } else {
                    // Row by row as the sheet is parsed: bounded memory for any size of sheet.
                    try XLSXReader.forEachRow(of: workbook, sheet: sheet, limits: limits) { sheetRow in
                        if let row = builder.add(line: sheetRow.number, cells: sheetRow.cells) { onRow(row) }
                    }
                }
            } catch {
                throw RowError(line: 0, field: "file", message: "\(error)")
            }
        }
        var file = try builder.finish(format: format)
        file.warnings = warnings + file.warnings
        return file
    }
}

/// Maps header and cells to rows, validating as it goes.
struct RegisterBuilder {
    let side: Side
    /// Whether the header has been read, and whether it names the number and the name column
    /// (without both no row is read: the header's error is the one to report).
    var headerRead = false
    var headerComplete = false
    /// The header's cells, trimmed.
    var headerCells: [String] = []
    var errors: [RowError] = []
    var seenNumbers: [String: Int] = [:]
    var mentioned: Set<String> = []

    init(side: Side) { self.side = side }

    /// Whether cells may carry the formula guard (CSV only).
    var stripsFormulaGuard = true

    /// A cell as stored: the formula guard a CSV export adds (a leading `'` before `=`, `+`,
    /// `-`, `@`, tab, CR or another `'`) removed when `guarded`, trimmed, blank = nil.
    static func cellValue(_ raw: String, guarded: Bool = true) -> String? {
        Normalize.clean(guarded ? unguarded(raw) : raw)
    }

    /// A cell without the formula guard a CSV export adds.
    static func unguarded(_ raw: String) -> String {
        var value = raw
        if raw.utf8.first == UInt8(ascii: "'"), let second = value.unicodeScalars.dropFirst().first, "=+-@\t\r'".unicodeScalars.contains(second) {
            value.removeFirst()
        }
        return value
    }

    /// Where each column's cells go, resolved once from the header: a second column of a
    /// known kind is kept as an unknown column under its own header.
    var targets: [Column] = []
    /// By number, the digest of each row as last read (see `stream`).
    var lastRead: [String: Int64] = [:]
    /// The digest of the header's meaning (which column goes where), that every row's
    /// digest starts from; and where the number is.
    var layoutDigest: UInt64 = 0
    var numberColumn: Int?

    /// FNV-1a over the layout and every cell as read, so that the same row under the same
    /// columns (and the same reading of them by this version) has the same digest, and any
    /// change to a cell, a column or its meaning gives another. Not the stored values' digest
    /// (`ImportRecord`'s), which a row had to be checked and cleaned for.
    static func rowDigest(layout: UInt64, cells: [String]) -> Int64 {
        var digest = FNV1a(basis: layout)
        for cell in cells {
            digest.mix(cell)
            digest.mix(0x1F)
        }
        return Int64(bitPattern: digest.value)
    }

    /// `rowDigest(layout:cells:)` of a CSV record's bytes: the same bytes, the same digest.
    static func rowDigest(layout: UInt64, record: CSVReader.RawRecord) -> Int64 {
        var digest = FNV1a(basis: layout)
        for index in 0..<record.count {
            digest.mix(record[index])
            digest.mix(0x1F)
        }
        return Int64(bitPattern: digest.value)
    }

    /// Columns whose header is blank (pandas writes its row index so, `0, 1, 2…`, in column A):
    /// not imported, and how many values each held, for the warning.
    var unnamedColumns: [Int: Int] = [:]

    /// How many records may come before the header: an export's title, date or filter lines.
    static let maxPreamble = 10
    /// The first record, while the header is still being looked for: the header the errors
    /// name when no record is a complete one.
    var firstRecord: (line: Int, cells: [String])?
    var recordsBeforeHeader = 0

    /// The row, when it is a valid customer; its problems go to `errors` otherwise.
    mutating func add(line: Int, cells: [String]) -> ImportRow? {
        guard headerRead else {
            // A header cell carries the guard in every format (an own column named
            // `=HYPERLINK(…)` is written `'=HYPERLINK(…)`, in CSV and in XLSX alike).
            let cells = cells.map(Self.unguarded)
            let header = cells.map(Column.recognise)
            if header.contains(.number) && header.contains(.field(.name)) {
                setHeader(line: line, cells: cells, header: header)
                return nil
            }
            if firstRecord == nil { firstRecord = (line, cells) }
            recordsBeforeHeader += 1
            if recordsBeforeHeader >= Self.maxPreamble { takeFirstRecordAsHeader() }
            return nil
        }
        return addRow(line: line, cells: cells)
    }

    /// No complete header among the first records: the first one is the header, and its
    /// missing columns are the errors.
    mutating func takeFirstRecordAsHeader() {
        guard let first = firstRecord else { return }
        setHeader(line: first.line, cells: first.cells, header: first.cells.map(Column.recognise))
    }

    /// Reads the header: which column holds what. A header without the number or the name
    /// column is an error on its line.
    mutating func setHeader(line: Int, cells: [String], header: [Column]) {
        headerRead = true
        headerCells = cells.map(\.trimmingWhitespace)
        headerComplete = header.contains(.number) && header.contains(.field(.name))
        var seen = Set<Column>()
        targets = header.enumerated().map { index, column in
            let text = cells[index].trimmingWhitespace
            if text.isEmpty { unnamedColumns[index] = 0 }
            if seen.insert(column).inserted { return column }
            return .extra(text)
        }
        numberColumn = targets.firstIndex(of: .number)
        // A tag apart from the stored values' digest, then what the columns mean.
        var layout = FNV1a(basis: FNV1a.offsetBasis ^ 0x5241_5752_4F57)  // "RAWROW"
        layout.mix("\(targets)|\(unnamedColumns.keys.sorted())|\(stripsFormulaGuard)")
        layoutDigest = layout.value
        if !header.contains(.number) {
            errors.append(RowError(line: line, field: "number", message: "no customer number column: the header needs 'Kundenr.' or 'Customer no.'"))
        }
        if !header.contains(.field(.name)) {
            errors.append(RowError(line: line, field: "name", message: "no name column: the header needs 'Navn' or 'Customer name'"))
        }
    }

    /// `add(line:cells:)` for a CSV record: a row read again unchanged is known from its
    /// bytes (its digest and its number), without a `String` a cell.
    mutating func add(line: Int, record: CSVReader.RawRecord) -> ImportRow? {
        guard headerComplete, !lastRead.isEmpty else { return add(line: line, cells: record.strings()) }
        let digest = Self.rowDigest(layout: layoutDigest, record: record)
        if let row = unchangedRow(line: line, count: record.count, cell: record.string, digest: digest) { return row }
        return addRow(line: line, cells: record.strings(), digest: digest)
    }

    /// `digest`: the row's digest when the caller has looked for it among the rows last read
    /// already (`add(line:record:)`).
    mutating func addRow(line: Int, cells: [String], digest known: Int64? = nil) -> ImportRow? {
        // A header without the required columns is the one error to report, not every row.
        guard headerComplete else { return nil }
        let digest = known ?? Self.rowDigest(layout: layoutDigest, cells: cells)
        if known == nil, !lastRead.isEmpty,
           let row = unchangedRow(line: line, count: cells.count, cell: { cells[$0] }, digest: digest) { return row }
        var number: String?
        var fields = CustomerFields()
        var extra: [String: String] = [:]
        var rowErrors: [RowError] = []
        var blank = true
        var addressLines: [String] = []
        var zipCity: String?
        for (index, raw) in cells.enumerated() {
            guard let value = Self.cellValue(raw, guarded: stripsFormulaGuard) else { continue }
            if let count = unnamedColumns[index] {
                unnamedColumns[index] = count + 1
                continue
            }
            blank = false
            guard index < targets.count else {
                rowErrors.append(RowError(line: line, field: "row", message: "cell \(index + 1) is beyond the \(targets.count) columns of the header"))
                continue
            }
            switch targets[index] {
            case .number: number = value
            case .field(.country): fields.country = Country.normalize(value)
            case .field(let f): fields[f] = value
            case .addressLine: addressLines.append(value)
            case .zipCity: zipCity = value
            case .extra(let header):
                if let control = FieldRules.controlCharacter(in: value, name: header) {
                    rowErrors.append(RowError(line: line, field: header, message: control))
                } else {
                    extra[header] = value
                }
            }
        }
        if !addressLines.isEmpty {
            fields.address = ([fields.address].compactMap { $0 } + addressLines).joined(separator: ", ")
        }
        if let zipCity {
            let (zip, city) = Self.splitZipCity(zipCity)
            if fields.zip == nil { fields.zip = zip }
            if fields.city == nil { fields.city = city }
        }
        if blank { return nil }
        var row = checked(line: line, number: number, fields: fields, extra: extra, rowErrors: rowErrors)
        row?.digest = digest
        return row
    }

    /// The row marked `lastRead` when it is exactly as last read under its number, and its
    /// number has not come before in this file; nil to read it in full.
    /// `cell` gives a cell's text by index (of `count`): only the number's, and those of the
    /// columns without a header, are asked for.
    mutating func unchangedRow(line: Int, count: Int, cell: (Int) -> String, digest: Int64) -> ImportRow? {
        guard let numberColumn, numberColumn < count,
              let raw = Self.cellValue(cell(numberColumn), guarded: stripsFormulaGuard),
              let number = CustomerNumber.canonical(raw, side: side),
              lastRead[number] == digest else { return nil }
        // One lookup for the duplicate check and the note of the number (a duplicate, rare,
        // puts the first line back and is read in full, to be reported).
        if let first = seenNumbers.updateValue(line, forKey: number) {
            seenNumbers[number] = first
            return nil
        }
        mentioned.insert(number)
        // The values of the columns without a header are still counted, for the warning.
        for (index, values) in unnamedColumns where index < count && Self.cellValue(cell(index), guarded: stripsFormulaGuard) != nil {
            unnamedColumns[index] = values + 1
        }
        return ImportRow(line: line, number: number, fields: CustomerFields(), extra: [:], digest: digest, lastRead: true)
    }

    /// A row's number and fields against the side's rules: the number (canonical, not seen
    /// before), CleanManager's field rules. The one check every row gets, from a file's cells
    /// or from an API's values (`RegisterRows`).
    mutating func checked(line: Int, number: String?, fields: CustomerFields, extra: [String: String], rowErrors: [RowError]) -> ImportRow? {
        var number = number
        var rowErrors = rowErrors
        if let raw = number {
            mentioned.insert(CustomerNumber.canonical(raw, side: side) ?? raw)
            if let canonical = CustomerNumber.canonical(raw, side: side) {
                if let first = seenNumbers[canonical] {
                    rowErrors.append(RowError(line: line, field: "number", message: "customer number \(canonical) also appears on line \(first)"))
                } else {
                    seenNumbers[canonical] = line
                }
                number = canonical
            } else {
                rowErrors.append(RowError(line: line, field: "number", message: "'\(raw)' is not a valid number: \(CustomerNumber.rule(for: side))"))
            }
        } else {
            rowErrors.append(RowError(line: line, field: "number", message: "customer number is missing"))
        }
        for v in FieldRules.violations(in: fields) {
            rowErrors.append(RowError(line: line, field: v.field, message: v.message))
        }
        if rowErrors.isEmpty, let number {
            return ImportRow(line: line, number: number, fields: fields, extra: extra)
        }
        errors += rowErrors
        return nil
    }

    /// "8000 Aarhus C" → ("8000", "Aarhus C"); "DK-8000 Aarhus C" too; a value without a
    /// leading number is all city.
    static func splitZipCity(_ value: String) -> (zip: String?, city: String?) {
        var rest = Substring(value)
        if rest.count > 3, rest.prefix(3).uppercased().range(of: #"^[A-Z]{2}-$"#, options: .regularExpression) != nil { rest = rest.dropFirst(3) }
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 5, rest.dropFirst(digits.count).first.map({ $0 == " " || $0 == "," }) ?? true else {
            return (nil, value)
        }
        let city = rest.dropFirst(digits.count).drop { $0 == " " || $0 == "," }
        return (String(digits), city.isEmpty ? nil : String(city))
    }

    mutating func finish(format: RegisterFile.Format) throws(RowError) -> RegisterFile {
        if !headerRead { takeFirstRecordAsHeader() }
        if !headerRead {
            throw RowError(line: 1, field: "file", message: "the file is empty: a header row is needed")
        }
        var file = RegisterFile(format: format, rows: [], errors: errors, numbers: mentioned)
        file.header = headerCells
        file.columns = targets
        for (index, count) in unnamedColumns.sorted(by: { $0.key < $1.key }) where count > 0 {
            file.warnings.append("column \(XLSXReader.columnName(index)) has no header, so its \(count) \(count == 1 ? "value was" : "values were") not imported (pandas writes its row index so): give the column a header to keep them")
        }
        return file
    }
}

/// Values that arrive as values rather than cells (an accounting system's API), in the form a
/// register stores them. No rule is applied: what the system holds is kept as it holds it
/// (`PullRemote`), and the rules decide where a value would enter the local register.
public enum RegisterRows {
    /// Values as a row's are stored: trimmed, blank = nil, a country name as its code.
    public static func cleaned(_ raw: CustomerFields) -> CustomerFields {
        var fields = CustomerFields()
        for field in SyncField.allCases {
            guard let value = Normalize.clean(raw[field]) else { continue }
            fields[field] = field == .country ? Country.normalize(value) : value
        }
        return fields
    }
}
