import Foundation
import SyncCore
@testable import SyncImport
import TestSupport
import Testing
import ZIPFoundation

/// Workbooks written by the programs users have (openpyxl, xlsxwriter; see
/// Tests/Fixtures/make_real_workbooks.py), not by our own fixture writer.
@Suite("Workbooks from real writers")
struct RealWorkbookTests {
    func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Paths.packageRoot.appendingPathComponent("Tests/Fixtures/real/\(name)")))
    }

    /// The message a refused file gets, or nil when it was read.
    func refusal(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as RowError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    func read(_ name: String, sheet: String? = nil) throws -> RegisterFile {
        try RegisterFile.read(try bytes(name), format: nil, side: .remote, sheet: sheet)
    }

    @Test func theSheetTheUserSeesIsReadNotAHiddenFirstOne() throws {
        let file = try read("hidden-first-sheet.xlsx")
        #expect(file.rows.map(\.number) == ["1001", "1002", "1003"])
        #expect(file.rows.first?.fields.name == "Bageriet Ørsted ApS")
        // The hidden one only when asked for by name; an unknown name lists the sheets.
        #expect(try read("hidden-first-sheet.xlsx", sheet: "opslag ").rows.map(\.number) == ["1", "2"])
        let unknown = refusal { _ = try read("hidden-first-sheet.xlsx", sheet: "Ark1") }
        #expect(unknown?.contains("'Opslag', 'Kunder'") == true)
    }

    @Test func numbersComeBackAsTheirFormatShowsThem() throws {
        let file = try read("number-formats.xlsx")
        #expect(file.errors.isEmpty, "\(file.errors)")
        #expect(file.rows.map(\.number) == ["42", "43"])  // remote numbers are canonical: 00042 is customer 42
        #expect(file.rows.map(\.fields.zip) == ["0800", "2100"])
        #expect(file.rows.map(\.fields.phone) == ["20 00 00 02", "33 12 34 56"])
        #expect(file.rows.map(\.fields.cvr) == ["25043235", "25169883"])
        // On the local side a number keeps its padding as shown.
        let local = try RegisterFile.read(try bytes("number-formats.xlsx"), format: nil, side: .local)
        #expect(local.rows.map(\.number) == ["00042", "00043"])
    }

    @Test func namespacePrefixedSheetsReadAsPlainOnes() throws {
        let plain = try read("number-formats.xlsx")
        let prefixed = try read("prefixed.xlsx")
        #expect(prefixed.rows == plain.rows)
        #expect(prefixed.rows.count == 2)
    }

    @Test func formulasNeverCalculatedAreNamedAsSuch() throws {
        let message = refusal { _ = try read("uncalculated-formulas.xlsx") }
        #expect(message?.contains("never calculated") == true)
        #expect(message?.contains("save it once") == true)
    }

    @Test func anXLSFileIsNamedAndNotReadAsText() throws {
        let ole2: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + Array(repeating: 0, count: 504)
        let message = refusal { _ = try RegisterFile.read(ole2, format: nil, side: .remote) }
        #expect(message?.contains("(.xls)") == true)
        #expect(message?.contains(".xlsx or CSV") == true)
    }

    @Test func digitPatternsFollowExcel() {
        #expect(DateStyles.digitPattern("0000") == [.zero, .zero, .zero, .zero])
        #expect(DateStyles.digitPattern("0.00") == nil)
        #expect(DateStyles.digitPattern("#,##0") == nil)
        #expect(DateStyles.digitPattern("General") == nil)
        #expect(DateStyles.digitPattern("@") == nil)
        #expect(DateStyles.digitPattern("\"DK-\"0000") == [.literal("DK-"), .zero, .zero, .zero, .zero])
        #expect(DateStyles.digitPattern("[Red]0000;-0000") == [.zero, .zero, .zero, .zero])
    }
}

/// OpenDocument spreadsheets (`.ods`): LibreOffice's own format.
@Suite("OpenDocument spreadsheets")
struct ODSTests {
    func bytes() throws -> [UInt8] {
        Array(try Data(contentsOf: Paths.packageRoot.appendingPathComponent("Tests/Fixtures/real/odfpy-hidden-first-sheet.ods")))
    }

    @Test func theActiveVisibleTableIsReadAsItIsShown() throws {
        let file = try RegisterFile.read(try bytes(), format: nil, side: .remote)
        #expect(file.format == .ods)
        #expect(file.errors.isEmpty, "\(file.errors)")
        #expect(file.rows.map(\.number) == ["2001", "2002"])
        #expect(file.rows.map(\.fields.zip) == ["0800", "6000"], "the text the sheet shows")
        #expect(file.rows.first?.fields.name == "Bageriet Ørsted ApS")
        #expect(file.rows.first?.line == 2)
    }

    /// An OpenDocument spreadsheet of the given table rows, as a ZIP.
    func spreadsheet(_ rows: String) throws -> Data {
        let archive = try Archive(accessMode: .create)
        func add(_ path: String, _ text: String) throws {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .none) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try add("mimetype", ODSReader.mimeType)
        try add("content.xml", """
            <office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Kunder">
            <table:table-row><table:table-cell><text:p>Kundenr.</text:p></table:table-cell><table:table-cell><text:p>Navn</text:p></table:table-cell></table:table-row>
            \(rows)</table:table></office:spreadsheet></office:body></office:document-content>
            """)
        return try #require(archive.data)
    }

    /// Counts read from the file are clamped, and a value past the last column is refused:
    /// no trap, no allocation without end.
    @Test func hostileRepeatsAreClampedOrRefused() throws {
        let far = try spreadsheet("""
            <table:table-row><table:table-cell><text:p>1</text:p></table:table-cell><table:table-cell table:number-columns-repeated="4611686018427387904"/><table:table-cell><text:p>x</text:p></table:table-cell></table:table-row>
            """)
        #expect(throws: XLSXReader.Failure.self) { _ = try ODSReader.rows(of: far) }
        let odd = try spreadsheet("""
            <table:table-row table:number-rows-repeated="-5"><table:table-cell><text:p>1</text:p></table:table-cell><table:table-cell><text:p>A<text:s text:c="-1"/>B<text:s text:c="9999999999"/>C</text:p></table:table-cell></table:table-row>
            """)
        let rows = try ODSReader.rows(of: odd)
        #expect(rows.count == 2)
        #expect(rows.last?.cells.first == "1")
        let text = rows.last?.cells[1] ?? ""
        #expect(text.count == 1028, "A, one space for -1, B, at most 1,024 spaces, C")
    }

    @Test func aHiddenTableOnlyByNameAndTheFormatParamIsAHint() throws {
        let hidden = try RegisterFile.read(try bytes(), format: nil, side: .remote, sheet: "Opslag")
        #expect(hidden.rows.map(\.number) == ["1"])
        #expect(try RegisterFile.read(try bytes(), format: .xlsx, side: .remote).rows.count == 2)
        #expect(RegisterFile.format(forPath: "/x/kunder.ods") == .ods)
    }
}

/// What pandas writes (`DataFrame.to_excel` with openpyxl, xlsxwriter and odf as engine):
/// Tests/Fixtures/make_real_workbooks.py.
@Suite("Workbooks from pandas")
struct PandasWorkbookTests {
    func read(_ name: String) throws -> RegisterFile {
        try RegisterFile.read(Array(try Data(contentsOf: Paths.packageRoot.appendingPathComponent("Tests/Fixtures/real/\(name)"))),
                              format: nil, side: .local)
    }

    @Test(arguments: ["pandas-openpyxl.xlsx", "pandas-xlsxwriter.xlsx", "pandas.ods"])
    func everyEngineGivesTheSameRegister(_ name: String) throws {
        let file = try read(name)
        #expect(file.errors.isEmpty, "\(file.errors)")
        #expect(file.rows.map(\.number) == ["1001", "1002", "1003", "1004"])
        #expect(file.rows.map(\.fields.name) == ["Bageriet Ørsted ApS", "Café Møllen", "Tømrer Hansen", "Ærø Rengøring"])
        #expect(file.rows.map(\.fields.zip) == ["0800", "6000", "5000", "5970"])
        // A float column (a gap made it one) shows whole numbers as a spreadsheet does: no `.0`.
        #expect(file.rows.map(\.fields.phone) == ["86123456", nil, "66112233", "62521234"])
        #expect(file.rows.map(\.fields.address) == ["Østergade 12", "Møllevej 3", nil, "Havnen 1"])
        #expect(file.rows.map(\.fields.email) == ["kontakt@bageriet.dk", nil, "th@tomrer.dk", nil])
        // pandas' row index (column A, no header) is not a customer's data.
        #expect(file.rows.allSatisfy { $0.extra.isEmpty }, "\(file.rows.map(\.extra))")
        #expect(file.warnings == (name == "pandas-openpyxl.xlsx"
            ? ["column A has no header, so its 4 values were not imported (pandas writes its row index so): give the column a header to keep them"]
            : []))
    }

    @Test func aWholeNumberInGeneralFormatHasNoFraction() {
        #expect(TableReader.general("86123456.0") == "86123456")
        #expect(TableReader.general("-12.00") == "-12")
        #expect(TableReader.general("12.5") == "12.5")
        #expect(TableReader.general("1e+16") == "1e+16")
        #expect(TableReader.general(".0") == ".0")
        #expect(TableReader.general("0800") == "0800")
    }
}

@Suite("Large workbooks")
struct LargeWorkbookTests {
    /// A sheet part far past the XML parser's 10 MB limit on one chunk (a register of
    /// 60,000 rows, about 20 MB of XML) is read, streamed row by row.
    @Test func aSheetOverTenMegabytesIsRead() throws {
        let rows = (1...60_000).map { i in
            ExportRow(number: String(i), fields: CustomerFields(name: "Kunde nummer \(i) ApS", address: "Vestergade \(i % 200)", zip: "8000",
                                                                city: "Aarhus C", email: "kunde\(i)@example.dk"), extra: [:])
        }
        let data = try RegisterWriter.xlsx(rows)
        var count = 0
        var last = ""
        let file = try RegisterFile.stream(Array(data), format: nil, side: .remote) { row in
            count += 1
            last = row.number
        }
        #expect(file.errors.isEmpty)
        #expect(count == 60_000)
        #expect(last == "60000")
    }
}

/// Files LibreOffice itself wrote (Tests/Fixtures/make_libreoffice_files.sh): the same
/// register as XLSX and as ODS reads the same, the text column keeping its leading zero.
@Suite("LibreOffice's own files")
struct LibreOfficeFileTests {
    func read(_ name: String) throws -> RegisterFile {
        try RegisterFile.read(Array(try Data(contentsOf: Paths.packageRoot.appendingPathComponent("Tests/Fixtures/real/\(name)"))),
                              format: nil, side: .remote)
    }

    @Test func xlsxAndODSReadAlike() throws {
        let xlsx = try read("libreoffice.xlsx")
        let ods = try read("libreoffice.ods")
        #expect(xlsx.format == .xlsx)
        #expect(ods.format == .ods)
        #expect(xlsx.errors.isEmpty && ods.errors.isEmpty)
        #expect(xlsx.rows == ods.rows)
        #expect(xlsx.rows.map(\.fields.zip) == ["8000", "0800"])
        #expect(xlsx.rows.map(\.fields.name) == ["Bageriet Ørsted ApS", "Café Møllen"])
        #expect(xlsx.rows.map(\.fields.phone) == ["20000002", "+45 33 12 34 56"])
    }

    /// The same workbook repacked with ZIP64 records and extra fields (Info-ZIP's
    /// `zip -fz`, as writers that stream an archive do): the archive check reads them.
    @Test func aZip64WorkbookReadsTheSame() throws {
        #expect(try read("zip64.xlsx").rows == read("libreoffice.xlsx").rows)
    }
}
