import Foundation
import SyncCore
@testable import SyncImport
import Testing
import ZIPFoundation

@Suite("XLSX reader")
struct XLSXReaderTests {
    /// A workbook as Excel writes one, with the parts given.
    func workbook(sheet: String, shared: String? = nil, styles: String? = nil, workbookProperties: String = "",
                  sheetTarget: String = "worksheets/sheet1.xml") throws -> Data {
        let archive = try Archive(accessMode: .create)
        func add(_ path: String, _ text: String) throws {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try add("[Content_Types].xml", "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>")
        try add("xl/workbook.xml", """
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
            \(workbookProperties)<sheets><sheet name="Kunder" sheetId="3" r:id="rId7"/><sheet name="Andet" sheetId="1" r:id="rId1"/></sheets></workbook>
            """)
        try add("xl/_rels/workbook.xml.rels", """
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
            <Relationship Id="rId1" Target="worksheets/other.xml" Type="worksheet"/>
            <Relationship Id="rId7" Target="\(sheetTarget)" Type="worksheet"/></Relationships>
            """)
        try add("xl/worksheets/other.xml", "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>wrong sheet</t></is></c></row></sheetData></worksheet>")
        try add(sheetTarget.hasPrefix("/") ? String(sheetTarget.dropFirst()) : "xl/" + sheetTarget, sheet)
        if let shared { try add("xl/sharedStrings.xml", shared) }
        if let styles { try add("xl/styles.xml", styles) }
        return try #require(archive.data)
    }

    @Test func readsTheFirstSheetWithEveryCellKind() throws {
        let data = try workbook(
            sheet: """
                <worksheet><sheetData>
                <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c></row>
                <row r="3"><c r="A3"><v>1001</v></c><c r="B3" t="s"><v>5</v></c><c r="D3"><v>25043235</v></c><c r="E3" t="inlineStr"><is><t>+45 20 00 00 02</t></is></c></row>
                <row r="4"><c r="A4"><v>1.002E3</v></c><c r="B4" t="str"><f>"A"&amp;"B"</f><v>AB &amp; Co</v></c><c r="C4"><v>8000</v></c></row>
                </sheetData></worksheet>
                """,
            shared: """
                <sst><si><t>Kundenr.</t></si><si><t>Navn</t></si><si><t>Postnr.</t></si><si><t>CVR</t></si><si><t>Telefon</t></si>
                <si><r><t>Bageriet </t></r><r><rPr><b/></rPr><t>Ørsted</t></r><rPh><t>ignored</t></rPh></si></sst>
                """)
        let file = try RegisterFile.read(Array(data), format: nil, side: .remote)
        #expect(file.format == .xlsx)
        #expect(file.errors.isEmpty)
        #expect(file.rows.map(\.line) == [3, 4])
        #expect(file.rows[0].number == "1001")
        #expect(file.rows[0].fields == CustomerFields(name: "Bageriet Ørsted", phone: "+45 20 00 00 02", cvr: "25043235"))
        #expect(file.rows[1].number == "1002")
        #expect(file.rows[1].fields == CustomerFields(name: "AB & Co", zip: "8000"))
    }

    @Test(arguments: ["worksheets/kunder.xml", "/xl/worksheets/kunder.xml"])
    func sheetPathComesFromTheRelationships(_ target: String) throws {
        let data = try workbook(
            sheet: "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Kundenr.</t></is></c><c r=\"B1\" t=\"inlineStr\"><is><t>Navn</t></is></c></row><row r=\"2\"><c r=\"A2\"><v>5</v></c><c r=\"B2\" t=\"inlineStr\"><is><t>X</t></is></c></row></sheetData></worksheet>",
            sheetTarget: target)
        let file = try RegisterFile.read(Array(data), format: .xlsx, side: .remote)
        #expect(file.rows.map(\.number) == ["5"])
    }

    /// `<?t?>` made Foundation's XMLParser read through a null pointer (fuzz-xlsx); such a part
    /// is refused before it gets there, wherever it is, while the declaration and an
    /// instruction with text still read.
    @Test func anEmptyProcessingInstructionIsRefusedNotParsed() throws {
        let sheet = "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row><row r=\"2\"><c r=\"A2\"><v>5</v></c><c r=\"B2\" t=\"s\"><v>2</v></c></row></sheetData></worksheet>"
        let shared = "<sst><si><t>Kundenr.</t></si><si><t>Navn</t></si><si><t>X</t></si></sst>"
        let fine = try workbook(sheet: "<?xml version=\"1.0\"?><?mso-application progid=\"Excel.Sheet\"?>" + sheet, shared: shared)
        #expect(try RegisterFile.read(Array(fine), format: .xlsx, side: .remote).rows.map(\.number) == ["5"])
        for (sheetText, sharedText) in [(sheet, "<owrksh\u{0}<?t?>"), (sheet, shared.replacingOccurrences(of: "<si>", with: "<?t?><si>")),
                                        (sheet.replacingOccurrences(of: "<sheetData>", with: "<sheetData><?abc?>"), shared)] {
            let data = try workbook(sheet: sheetText, shared: sharedText)
            let error = #expect(throws: RowError.self) { try RegisterFile.read(Array(data), format: .xlsx, side: .remote) }
            #expect(error?.message.contains("processing instruction") == true, "\(String(describing: error))")
        }
    }

    @Test func notAZipIsAClearError() {
        #expect(throws: RowError.self) { try RegisterFile.read(Array("Kundenr.;Navn".utf8), format: .xlsx, side: .remote) }
        #expect(throws: RowError.self) { try RegisterFile.read([0x50, 0x4B, 0x03, 0x04, 0, 0, 0], format: nil, side: .remote) }
    }

    /// A small file that inflates past the limit is refused with a clear error, not read into
    /// memory: here a sheet of 200,000 bytes against a limit of 50,000.
    @Test func aPartThatInflatesPastTheLimitIsRefused() throws {
        let padding = String(repeating: " ", count: 200_000)
        let data = try workbook(sheet: "<worksheet>\(padding)<sheetData/></worksheet>")
        #expect(data.count < 10_000)
        #expect(try XLSXReader.rows(of: data).isEmpty)
        #expect {
            try XLSXReader.rows(of: data, limits: ImportLimits(partBytes: 50_000))
        } throws: { error in
            "\(error)".contains("inflates to more than 50000 bytes")
        }
    }

    @Test func columnReferences() {
        #expect(XLSXReader.columnIndex("A1") == 0)
        #expect(XLSXReader.columnIndex("Z9") == 25)
        #expect(XLSXReader.columnIndex("AA10") == 26)
        #expect(XLSXReader.columnIndex("BC12") == 54)
        #expect(XLSXReader.columnIndex("XFD1") == 16_383)
        // Past Excel's last column, and far enough to overflow an Int if multiplied on.
        #expect(XLSXReader.columnIndex("XFE1") == nil)
        #expect(XLSXReader.columnIndex("ZZZZZZZZZZZZZZ2") == nil)
        #expect(XLSXReader.columnName(1023) == "AMJ" && XLSXReader.columnName(0) == "A")
    }

    /// Files of a few hundred bytes that once killed or exhausted the server (issue 14): every
    /// value read from a file is untrusted, and each gets a clear refusal naming the cell.
    @Test(arguments: [
        ("<c r=\"B2\" t=\"s\"><v>-1</v></c>", "refers to shared text '-1'"),
        ("<c r=\"B2\" t=\"s\"><v>7</v></c>", "which the file does not hold (it holds 2)"),
        ("<c r=\"ZZZZZZZZZZZZZZ2\"><v>1</v></c>", "cell ZZZZZZZZZZZZZZ2 lies beyond column AMJ"),
        ("<c r=\"ZZZZZZZZZ2\"><v>1</v></c>", "cell ZZZZZZZZZ2 lies beyond column AMJ"),
        ("<c r=\"ZZZZZZ2\" t=\"inlineStr\"><is><t>x</t></is></c>", "cell ZZZZZZ2 lies beyond"),
        ("<c r=\"XFD2\"><v>1</v></c>", "cell XFD2 lies beyond"),
    ])
    func hostileCellsAreRefusedNotBuilt(_ cell: String, _ message: String) throws {
        let data = try workbook(sheet: """
            <worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>
            <row r="2"><c r="A2"><v>1001</v></c>\(cell)</row></sheetData></worksheet>
            """, shared: "<sst><si><t>Kundenr.</t></si><si><t>Navn</t></si></sst>")
        #expect(throws: XLSXReader.Failure.self) { try XLSXReader.rows(of: data) }
        do {
            _ = try XLSXReader.rows(of: data)
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    /// A formatted but empty cell far to the right (whole-row formatting) costs nothing and is
    /// no error; the row reads as the cells it holds.
    @Test func anEmptyCellFarRightIsNotBuilt() throws {
        let data = try workbook(sheet: """
            <worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="XFD1" s="3"/></row>
            <row r="2"><c r="A2"><v>1001</v></c><c r="B2" t="s"><v>1</v></c><c r="XFD2" s="3"/></row></sheetData></worksheet>
            """, shared: "<sst><si><t>Kundenr.</t></si><si><t>Navn</t></si></sst>")
        let rows = try XLSXReader.rows(of: data)
        #expect(rows.map(\.cells) == [["Kundenr.", "Navn"], ["1001", "Navn"]])
    }

    @Test func numbersComeBackAsDigits() {
        #expect(XLSXReader.numberText("25043235") == "25043235")
        #expect(XLSXReader.numberText("5.790001527525E+12") == "5790001527525")
        #expect(XLSXReader.numberText("8000.0") == "8000")
        #expect(XLSXReader.numberText("1.5") == "1.5")
    }
    /// Styles as Excel writes them: a custom Danish long date (164), a custom number format with
    /// quoted letters (165), a duration (166); `cellStyleXfs` has an `xf` of its own that is not
    /// a cell style.
    static let styles = """
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
        <numFmts count="3"><numFmt numFmtId="164" formatCode="[$-406]d\\. mmmm yyyy;@"/>
        <numFmt numFmtId="165" formatCode="#,##0.00\\ &quot;kr.&quot;"/><numFmt numFmtId="166" formatCode="[h]:mm"/></numFmts>
        <cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
        <cellXfs count="7"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164"/><xf numFmtId="22"/>
        <xf numFmtId="20"/><xf numFmtId="165"/><xf numFmtId="166"/></cellXfs>
        </styleSheet>
        """

    @Test func datesAndTimesComeBackAsISO8601() throws {
        let data = try workbook(
            sheet: """
                <worksheet><sheetData>
                <row r="1"><c t="inlineStr"><is><t>Kundenr.</t></is></c><c t="inlineStr"><is><t>Navn</t></is></c><c t="inlineStr"><is><t>Oprettet</t></is></c>
                <c t="inlineStr"><is><t>Lang dato</t></is></c><c t="inlineStr"><is><t>Besøg</t></is></c><c t="inlineStr"><is><t>Tid</t></is></c>
                <c t="inlineStr"><is><t>Saldo</t></is></c><c t="inlineStr"><is><t>Varighed</t></is></c></row>
                <row r="2"><c><v>7</v></c><c t="inlineStr"><is><t>A</t></is></c><c s="1"><v>44259</v></c><c s="2"><v>45000</v></c>
                <c s="3"><v>44563.127777777779</v></c><c s="4"><v>0.5</v></c><c s="5"><v>1250.5</v></c><c s="6"><v>1.25</v></c></row>
                </sheetData></worksheet>
                """,
            styles: Self.styles)
        let file = try RegisterFile.read(Array(data), format: .xlsx, side: .remote)
        #expect(file.errors.isEmpty)
        let row = try #require(file.rows.first)
        #expect(row.number == "7")
        #expect(row.extra == [
            "Oprettet": "2021-03-04", "Lang dato": "2023-03-15", "Besøg": "2022-01-02 03:04",
            "Tid": "12:00", "Saldo": "1250.5", "Varighed": "1.25",
        ])
    }

    @Test func the1904DateSystem() throws {
        let data = try workbook(
            sheet: """
                <worksheet><sheetData>
                <row r="1"><c t="inlineStr"><is><t>Kundenr.</t></is></c><c t="inlineStr"><is><t>Navn</t></is></c><c t="inlineStr"><is><t>Oprettet</t></is></c></row>
                <row r="2"><c><v>1</v></c><c t="inlineStr"><is><t>A</t></is></c><c s="1"><v>42797</v></c></row>
                </sheetData></worksheet>
                """,
            styles: Self.styles, workbookProperties: "<workbookPr date1904=\"1\"/>")
        let file = try RegisterFile.read(Array(data), format: .xlsx, side: .remote)
        #expect(file.rows.first?.extra == ["Oprettet": "2021-03-04"])
    }

    @Test(arguments: [
        ("dd-mm-yyyy", DateStyles.Kind.date), ("d/m/yy;@", .date), ("mmm yy", .date), ("[$-406]d. mmmm yyyy", .date),
        ("yyyy-mm-dd hh:mm:ss", .dateTime), ("h:mm AM/PM", .time), ("mm:ss", .time),
        ("General", nil), ("0.00E+00", nil), ("#,##0 \"kr. pr. md.\"", nil), ("[Red]0.00", nil), ("[h]:mm:ss", nil),
        ("0;\"dd\"", nil),
    ] as [(String, DateStyles.Kind?)])
    func formatCodes(_ code: String, _ kind: DateStyles.Kind?) {
        #expect(DateStyles.kind(ofFormatCode: code) == kind)
    }

    @Test func serialsFollowExcelsCalendar() {
        let dates = DateStyles()
        #expect(dates.text(serial: 1, kind: .date) == "1900-01-01")
        #expect(dates.text(serial: 59, kind: .date) == "1900-02-28")
        #expect(dates.text(serial: 60, kind: .date) == nil)  // Lotus's 1900-02-29 never was
        #expect(dates.text(serial: 61, kind: .date) == "1900-03-01")
        #expect(dates.text(serial: 36526, kind: .date) == "2000-01-01")
        #expect(dates.text(serial: 2_958_465, kind: .date) == "9999-12-31")
        #expect(dates.text(serial: 2_958_466, kind: .date) == nil)
        #expect(dates.text(serial: -1, kind: .date) == nil)
        #expect(dates.text(serial: 0, kind: .date) == nil)
        #expect(dates.text(serial: 0.75, kind: .time) == "18:00")
        #expect(dates.text(serial: 45000.999999, kind: .dateTime) == "2023-03-16 00:00")
        #expect(dates.text(serial: 45000 + 3661.0 / 86400, kind: .dateTime) == "2023-03-15 01:01:01")
    }
}
