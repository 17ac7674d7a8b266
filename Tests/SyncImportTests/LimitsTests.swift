import Foundation
import SyncCore
@testable import SyncImport
import Testing
import TestSupport
import ZIPFoundation

/// Every limit of `ImportLimits` refuses the file with a message naming the limit and its
/// flag, before the reader builds what is past it; and `FileAccess` keeps paths in their root.
@Suite("Import limits and file access")
struct LimitsTests {
    func csv(_ text: String, _ limits: ImportLimits) throws(RowError) -> RegisterFile {
        try RegisterFile.read(Array(text.utf8), format: .csv, side: .remote, limits: limits)
    }

    func refusal(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "accepted"
        } catch {
            return (error as? RowError)?.message ?? "\(error)"
        }
    }

    @Test func csvLimitsNameTheirFlag() throws {
        let header = "Kundenr.;Navn\n"
        #expect(try csv(header + "1;A\n2;B\n3;C\n", ImportLimits(rows: 3)).rows.count == 3)
        #expect(refusal { _ = try csv(header + "1;A\n2;B\n3;C\n4;D\n", ImportLimits(rows: 3)) }.contains("--max-rows"))
        #expect(try csv(header + "1;ABCDEFGH\n", ImportLimits(cellBytes: 8)).rows.count == 1)
        #expect(refusal { _ = try csv(header + "1;ABCDEFGHI\n", ImportLimits(cellBytes: 8)) }.contains("--max-cell-bytes"))
        #expect(refusal { _ = try csv(header + "1;\"AB\nCDEFGHI\"\n", ImportLimits(cellBytes: 8)) }.contains("line 2"))
        #expect(refusal { _ = try csv(header + "1;A;x;y\n", ImportLimits(columns: 3)) }.contains("--max-columns"))
        #expect(refusal { _ = try csv(header + "1;A\n", ImportLimits(fileBytes: 10)) }.contains("--max-file-bytes"))
    }

    /// A GiB of NUL bytes took 4.4 GB and minutes; a NUL is now refused where it is, at once.
    @Test func aNulByteIsNoTextFile() {
        let message = refusal { _ = try RegisterFile.read(Array("Kundenr.;Navn\n1;A\n2;B\u{0}C\n".utf8), format: .csv, side: .remote) }
        #expect(message.contains("line 3 holds a NUL byte"))
        let nuls = [UInt8](repeating: 0, count: 1 << 20)
        let started = ContinuousClock.now
        #expect(refusal { _ = try RegisterFile.read(nuls, format: nil, side: .remote) } != "accepted")
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    func workbook(_ sheet: String) throws -> [UInt8] {
        try workbook(sheetXML: Data("<worksheet><sheetData>\(sheet)</sheetData></worksheet>".utf8))
    }

    func workbook(sheetXML: Data, shared: Data? = nil) throws -> [UInt8] {
        let archive = try Archive(accessMode: .create)
        func add(_ path: String, _ text: String) throws {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try add("xl/workbook.xml", #"<workbook xmlns:r="r"><sheets><sheet name="Kunder" sheetId="1" r:id="rId1"/></sheets></workbook>"#)
        try add("xl/_rels/workbook.xml.rels", #"<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="worksheet"/></Relationships>"#)
        try archive.addEntry(with: "xl/worksheets/sheet1.xml", type: .file, uncompressedSize: Int64(sheetXML.count), compressionMethod: .deflate) { position, size in
            sheetXML.subdata(in: Int(position)..<Int(position) + size)
        }
        if let shared {
            try archive.addEntry(with: "xl/sharedStrings.xml", type: .file, uncompressedSize: Int64(shared.count), compressionMethod: .deflate) { position, size in
                shared.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return Array(archive.data!)
    }

    func row(_ n: Int, _ cells: String...) -> String {
        "<row r=\"\(n)\">" + cells.enumerated().map { "<c r=\"\(XLSXReader.columnName($0.offset))\(n)\" t=\"inlineStr\"><is><t>\($0.element)</t></is></c>" }.joined() + "</row>"
    }

    @Test func workbookLimitsNameTheirFlag() throws {
        let rows = row(1, "Kundenr.", "Navn") + row(2, "1", "A") + row(3, "2", "B")
        #expect(try RegisterFile.read(workbook(rows), format: .xlsx, side: .remote, limits: ImportLimits(rows: 2)).rows.count == 2)
        #expect(refusal { _ = try RegisterFile.read(workbook(rows + row(4, "3", "C")), format: .xlsx, side: .remote, limits: ImportLimits(rows: 2)) }
            .contains("--max-rows"))
        let long = String(repeating: "x", count: 300)
        #expect(refusal { _ = try RegisterFile.read(workbook(rows + row(4, "3", long)), format: .xlsx, side: .remote, limits: ImportLimits(cellBytes: 200)) }
            .contains("cell B4 holds more than 200 bytes"))
        #expect(refusal { _ = try RegisterFile.read(workbook(rows + row(4, "3", "C", "x", "y")), format: .xlsx, side: .remote, limits: ImportLimits(columns: 3)) }
            .contains("--max-columns"))
    }

    /// Found by fuzzing: Foundation's XMLParser kills the process on an element or attribute
    /// name that is not UTF-8. Every part is checked first, however it is cut into chunks.
    @Test func aNameThatIsNotUTF8IsADamagedFileNotACrash() throws {
        let bad: [UInt8] = [0xFF, 0xFF]
        let sheet = Data("<worksheet><sheetData><r".utf8) + Data(bad) + Data("w r=\"1\"/></sheetData></worksheet>".utf8)
        #expect(refusal { _ = try RegisterFile.read(workbook(sheetXML: sheet), format: .xlsx, side: .remote) }.contains("not UTF-8"))
        let shared = Data("<sst><s".utf8) + Data(bad) + Data("/></sst>".utf8)
        let good = Data("<worksheet><sheetData/></worksheet>".utf8)
        #expect(refusal { _ = try RegisterFile.read(workbook(sheetXML: good, shared: shared), format: .xlsx, side: .remote) }.contains("not UTF-8"))
        // Valid text cut inside a character, in every place, passes; a cut-off one does not.
        let text = Data("Kundenr.;Ærø 𝄞 ø".utf8)
        for cut in 0...text.count {
            var check = UTF8Check()
            check.feed(text.prefix(cut))
            check.feed(text.dropFirst(cut))
            #expect(throws: Never.self) { try check.finish() }
        }
        var truncated = UTF8Check()
        truncated.feed(text.dropLast(1))
        #expect(throws: XLSXReader.Failure.self) { try truncated.finish() }
    }

    /// Found by fuzzing: a ZIP whose offsets point past its end killed the process inside
    /// ZIPFoundation's in-memory archive. Read from a file it is a damaged file, as XLSX or ODS.
    @Test func aZipThatPointsPastItsEndIsADamagedFileNotACrash() throws {
        let bytes = Array(try Data(contentsOf: Paths.packageRoot.appendingPathComponent("Tests/Fixtures/hostile/zip-offset-past-end.xlsx")))
        #expect(refusal { _ = try RegisterFile.read(bytes, format: .xlsx, side: .remote) } != "accepted")
        #expect(refusal { _ = try RegisterFile.read(bytes, format: nil, side: .remote) } != "accepted")
        #expect(throws: (any Error).self) { _ = try ODSReader.rows(of: Data(bytes)) }
    }

    /// Found by fuzzing: an entry whose compressed size runs past the end of the file made
    /// ZIPFoundation read for ever (a read at the end comes back empty and it asks again).
    @Test func anEntryLongerThanTheFileIsRefusedAtOnce() throws {
        let bytes = Array(try Data(contentsOf: Paths.packageRoot.appendingPathComponent("Tests/Fixtures/hostile/zip-entry-past-end.xlsx")))
        let started = ContinuousClock.now
        #expect(refusal { _ = try RegisterFile.read(bytes, format: .xlsx, side: .remote) }.contains("damaged"))
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    /// A control character in a column that is no field is refused as in a field, naming the
    /// column; in an exported XLSX one is escaped, never dropped ("\u{1}=1+1" had come out as
    /// "=1+1"), and the escape is read back, as Excel's `_x000D_` for a line break is.
    @Test func controlCharactersInExtrasAndWorkbooks() throws {
        let file = try csv("Kundenr.;Navn;Note\n1;A;\u{1}=1+1\n2;B;fine\n", .standard)
        #expect(file.errors.map(\.field) == ["Note"])
        #expect(file.errors.first?.message.contains("U+0001") == true)
        #expect(file.rows.map(\.number) == ["2"])
        #expect(RegisterWriter.xmlEscaped("\u{1}=1+1") == "_x0001_=1+1")
        for text in ["\u{1}=1+1", "a_x0041_b", "line\r\nbreak", "_x00", "plain"] {
            #expect(XLSXReader.unescaped(RegisterWriter.xmlEscaped(text).replacingOccurrences(of: "&#13;", with: "\r")) == text, "\(text)")
        }
        #expect(XLSXReader.unescaped("Vej 1_x000D_\n2. sal") == "Vej 1\r\n2. sal")
        let rows = try XLSXReader.rows(of: RegisterWriter.xlsx([ExportRow(number: "7", fields: CustomerFields(name: "A_x0042_"), extra: [:])]))
        #expect(rows.last?.cells.prefix(2) == ["7", "A_x0042_"])
    }

    /// An ODS row repeated a million times is refused by the row limit, not built.
    @Test func aRepeatedOdsRowCountsEveryRepeat() throws {
        let reader = TableReader(table: nil, limits: ImportLimits(rows: 10))
        let content = """
            <office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet><table:table table:name="K">\
            <table:table-row><table:table-cell><text:p>Kundenr.</text:p></table:table-cell></table:table-row>\
            <table:table-row table:number-rows-repeated="1000000"><table:table-cell><text:p>1</text:p></table:table-cell></table:table-row>\
            </table:table></office:spreadsheet></office:body></office:document-content>
            """
        #expect { try reader.parse(Data(content.utf8)) } throws: { "\($0)".contains("--max-rows") }
        #expect(reader.rows.count <= 11)
    }

    // MARK: - Paths

    func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aNulInAPathIsRefusedNotCut() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "Kundenr.;Navn\n1;A\n".write(toFile: dir + "/secret.csv", atomically: true, encoding: .utf8)
        #expect { _ = try RegisterFile.bytes(atPath: dir + "/secret.csv\u{0}.xlsx") } throws: { ($0 as? ParamsError)?.path == "path" }
        #expect { try FileAccess.unconfined.checkWritable(FileAccess.unconfined.path("out.csv\u{0}x", param: "path"), param: "path") } throws: { _ in true }
    }

    @Test func theRootConfinesEveryPath() throws {
        let outside = try folder()
        let root = try folder()
        defer {
            try? FileManager.default.removeItem(atPath: outside)
            try? FileManager.default.removeItem(atPath: root)
        }
        try "Kundenr.;Navn\n1;A\n".write(toFile: outside + "/secret.csv", atomically: true, encoding: .utf8)
        try "Kundenr.;Navn\n1;A\n".write(toFile: root + "/register.csv", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: root + "/link.csv", withDestinationPath: outside + "/secret.csv")
        try FileManager.default.createSymbolicLink(atPath: root + "/away", withDestinationPath: outside)
        let access = try FileAccess(root: root)
        // Inside: relative from the root, and absolute.
        #expect(try RegisterFile.bytes(atPath: "register.csv", access: access).count == 18)
        #expect(try RegisterFile.bytes(atPath: root + "/register.csv", access: access).count == 18)
        // Out by `..`, by an absolute path, by a link to a file and by a link to a folder.
        for escape in ["../\(URL(fileURLWithPath: outside).lastPathComponent)/secret.csv", outside + "/secret.csv", "link.csv", "away/secret.csv"] {
            #expect(throws: ParamsError.self, "\(escape)") { _ = try RegisterFile.bytes(atPath: escape, access: access) }
            #expect(throws: ParamsError.self, "\(escape)") { try access.checkWritable(access.path(escape, param: "path"), param: "path") }
        }
        // A new file inside is writable; a missing folder is not a way out.
        try access.checkWritable(access.path("new.csv", param: "path"), param: "path")
        #expect(throws: ParamsError.self) { try access.checkWritable(access.path("missing/new.csv", param: "path"), param: "path") }
        #expect(throws: SyncError.self) { _ = try FileAccess(root: outside + "/secret.csv") }
    }

    @Test func aFileLargerThanTheLimitIsNotRead() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A sparse file of 4 GiB costs nothing on disk and must cost nothing in memory.
        let path = dir + "/sparse.csv"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("Kundenr.;Navn\n".utf8)))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 4 << 30)
        try handle.close()
        #expect { _ = try RegisterFile.bytes(atPath: path) } throws: { error in
            guard let e = error as? SyncError, e.kind == .importRejected else { return false }
            return "\(e)".contains("--max-file-bytes") || "\(e.details)".contains("--max-file-bytes")
        }
    }
}
