/// The most one imported register may hold. Every reader checks them as it goes, before it
/// builds what it reads, so that no file, however small or crafted, costs more memory than the
/// limits allow; hitting one rejects the import (`ImportRejected`) with a message naming the
/// limit and its flag. The defaults hold a register of several million customers;
/// `customer-sync --help` lists the flags, `protocol/limits.md` the reasons.
public struct ImportLimits: Sendable, Equatable {
    /// The size of the file (or of the bytes sent), in bytes (`--max-file-bytes`).
    public var fileBytes: Int
    /// Records after the header (`--max-rows`).
    public var rows: Int
    /// Columns of a record, A…AMJ by default (`--max-columns`).
    public var columns: Int
    /// One cell's text, in UTF-8 bytes (`--max-cell-bytes`). Excel holds 32,767 characters in
    /// a cell, at most 131,068 bytes.
    public var cellBytes: Int
    /// One part of an XLSX or ODS file (a sheet, the shared strings) once inflated, in bytes
    /// (`--max-part-bytes`): the ZIP's declared sizes are not trusted, the inflated bytes are
    /// counted.
    public var partBytes: Int

    public init(fileBytes: Int = 512 << 20, rows: Int = 5_000_000, columns: Int = 1024, cellBytes: Int = 131_072, partBytes: Int = 1 << 30) {
        self.fileBytes = fileBytes
        self.rows = rows
        self.columns = columns
        self.cellBytes = cellBytes
        self.partBytes = partBytes
    }

    public static let standard = ImportLimits()

    /// The sentence for a file larger than `fileBytes`.
    func fileTooLarge(_ size: Int) -> String {
        "the file has \(size) bytes, more than the limit of \(fileBytes) (--max-file-bytes)"
    }

    /// The sentence for a record past `rows`.
    var tooManyRows: String {
        "the register has more than \(rows) records, the limit (--max-rows)"
    }

    /// The sentence for a cell longer than `cellBytes`; `place` names it.
    func cellTooLong(_ place: String) -> String {
        "\(place) holds more than \(cellBytes) bytes of text, the limit for one cell (--max-cell-bytes): the file is not a customer register, or is damaged"
    }

    /// The sentence for a value beyond the last column; `place` names the cell or the row.
    func beyondLastColumn(_ place: String) -> String {
        "\(place) lies beyond column \(XLSXReader.columnName(columns - 1)), the last of the \(columns) columns a register may use (--max-columns): the sheet is not a customer register, or is damaged"
    }

    /// The sentence for a workbook part that inflates past `partBytes`.
    func partTooLarge(_ path: String, kind: String) -> String {
        "refused: \(path) in the \(kind) file inflates to more than \(partBytes) bytes (--max-part-bytes)"
    }
}
