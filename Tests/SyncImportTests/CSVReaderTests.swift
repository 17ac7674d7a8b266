@testable import SyncImport
import Testing

@Suite("CSV reader")
struct CSVReaderTests {
    func records(_ text: String, delimiter: UInt8? = nil) -> [(Int, [String])] {
        var out: [(Int, [String])] = []
        try! CSVReader(utf8: Array(text.utf8), delimiter: delimiter).forEachRecord { out.append(($0, $1)) }
        return out
    }

    @Test func detectsTheDelimiterFromTheHeader() {
        #expect(CSVReader.detectDelimiter(Array("a;b;c\n1,5;2;3".utf8)) == UInt8(ascii: ";"))
        #expect(CSVReader.detectDelimiter(Array("a,b,c\n1;2".utf8)) == UInt8(ascii: ","))
        #expect(CSVReader.detectDelimiter(Array("a\tb\n".utf8)) == UInt8(ascii: "\t"))
        #expect(CSVReader.detectDelimiter(Array("\"a;b\",c,d\n".utf8)) == UInt8(ascii: ","))
        #expect(CSVReader.detectDelimiter(Array("single\n".utf8)) == UInt8(ascii: ";"))
        #expect(CSVReader.detectDelimiter(Array("Kundeliste; november\r\n\r\na,b,c\r\n1,2,3".utf8)) == UInt8(ascii: ","))
        #expect(CSVReader.detectDelimiter(Array("\"multi\nline, title\"\na\tb\tc\n".utf8)) == UInt8(ascii: "\t"))
    }

    @Test func quotedFieldsWithDelimitersQuotesAndLineBreaks() {
        let r = records("a;b;c\r\n\"x;y\";\"say \"\"hi\"\"\";\"two\r\nlines\"\r\n4;5;6\r\n")
        #expect(r.count == 3)
        #expect(r[1].0 == 2)
        #expect(r[1].1 == ["x;y", "say \"hi\"", "two\r\nlines"])
        #expect(r[2].0 == 4, "the line after a two-line record is physical line 4")
        #expect(r[2].1 == ["4", "5", "6"])
    }

    @Test func lineEndings() {
        for eol in ["\n", "\r\n", "\r"] {
            let r = records("a;b\(eol)1;2\(eol)3;4")
            #expect(r.map(\.1) == [["a", "b"], ["1", "2"], ["3", "4"]], "eol \(eol.debugDescription)")
            #expect(r.map(\.0) == [1, 2, 3])
        }
    }

    @Test func blankLinesAreSkippedButCounted() {
        let r = records("a;b\n\n1;2\n\n\n3;4\n")
        #expect(r.map(\.0) == [1, 3, 6])
    }

    @Test func emptyCellsAndTrailingDelimiter() {
        let r = records("a;b;c\n1;;\n")
        #expect(r[1].1 == ["1", "", ""])
    }

    /// Excel writes and honours a first line `sep=X`; it is no record, and line numbers stay
    /// those of the file.
    @Test(arguments: ["sep=,\r\n", "SEP=,\n", "\"sep=,\"\r", "sep=,\r\n\r\n"])
    func separatorHintLine(_ hint: String) {
        let r = records(hint + "a;b,c\n1;2,3\n")
        #expect(r.first?.1 == ["a;b", "c"])
        #expect(r.map(\.0) == (hint.hasSuffix("\r\n\r\n") ? [3, 4] : [2, 3]))
    }

    @Test func whatIsNoSeparatorHintIsARecord() {
        #expect(CSVReader.separatorHint(Array("sep=;x\n".utf8)) == nil)
        #expect(CSVReader.separatorHint(Array("sep=\n".utf8)) == nil)
        #expect(CSVReader.separatorHint(Array("sep;navn\n".utf8)) == nil)
        #expect(records("separator;navn\n1;x").map(\.1) == [["separator", "navn"], ["1", "x"]])
        #expect(CSVReader.separatorHint(Array("sep=\t".utf8))?.0 == UInt8(ascii: "\t"))
    }

    /// A record's bytes give the digest its cells as text give: a re-import reads an unchanged
    /// row from the bytes and the first import from the text, and they must agree on every
    /// kind of cell (quoted, doubled quotes, a line break, a delimiter, a text after the
    /// closing quote, an empty last cell, non-ASCII).
    @Test func aRecordsBytesAndItsCellsGiveOneDigest() throws {
        let text = "a;b;c\n1;\"x;\"\"y\"\"\";z\n2;\"two\r\nlines\"tail;\n3;Café Møllen;\"\"\n;;\n4;æ;ø\r\n5\n"
        var fromBytes: [Int64] = [], fromText: [Int64] = []
        try CSVReader(utf8: Array(text.utf8)).forEachRawRecord { _, record in
            fromBytes.append(RegisterBuilder.rowDigest(layout: 7, record: record))
            fromText.append(RegisterBuilder.rowDigest(layout: 7, cells: record.strings()))
            #expect(record.strings() == (0..<record.count).map { String(decoding: record[$0], as: UTF8.self) })
        }
        #expect(fromBytes == fromText)
        #expect(Set(fromBytes).count == fromBytes.count)
        #expect(records(text).map(\.1) == [["a", "b", "c"], ["1", "x;\"y\"", "z"], ["2", "two\r\nlinestail", ""], ["3", "Café Møllen", ""],
                                           ["", "", ""], ["4", "æ", "ø"], ["5"]])
    }
}

@Suite("Text decoding")
struct TextDecodingTests {
    @Test func utf8BOMIsDropped() {
        let (bytes, encoding) = TextDecoding.utf8Bytes([0xEF, 0xBB, 0xBF] + Array("Navn".utf8))
        #expect(bytes == Array("Navn".utf8))
        #expect(encoding == .utf8BOM)
    }

    @Test func windows1252IsDecodedCompletely() {
        // "Ø € “x” – Æblegård ™ œ Ÿ" in Windows-1252
        let cp1252: [UInt8] = [0xD8, 0x20, 0x80, 0x20, 0x93, 0x78, 0x94, 0x20, 0x96, 0x20, 0xC6, 0x62, 0x6C, 0x65, 0x67, 0xE5, 0x72, 0x64, 0x20, 0x99, 0x20, 0x9C, 0x20, 0x9F]
        let (bytes, encoding) = TextDecoding.utf8Bytes(cp1252)
        #expect(encoding == .windows1252)
        #expect(String(decoding: bytes, as: UTF8.self) == "Ø € “x” – Æblegård ™ œ Ÿ")
    }

    @Test func everyWindows1252ByteDecodes() {
        let all = (0...255).map(UInt8.init)
        let text = String(decoding: TextDecoding.windows1252ToUTF8(all), as: UTF8.self)
        #expect(text.unicodeScalars.count == 256)
        #expect(!text.contains("\u{FFFD}"))
    }

    @Test func utf16WithBOM() {
        let le: [UInt8] = [0xFF, 0xFE] + Array("Kundenr.;Navn\nø".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        #expect(String(decoding: TextDecoding.utf8Bytes(le).bytes, as: UTF8.self) == "Kundenr.;Navn\nø")
        let be: [UInt8] = [0xFE, 0xFF] + Array("æ".utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
        #expect(String(decoding: TextDecoding.utf8Bytes(be).bytes, as: UTF8.self) == "æ")
    }

    @Test func validUTF8IsKept() {
        #expect(TextDecoding.utf8Bytes(Array("Æblegården €".utf8)).encoding == .utf8)
    }
}

/// Files that are neither UTF-8 nor UTF-16: Windows-1252, Mac Roman, or something else.
@Suite("Eight-bit encodings")
struct EightBitEncodingTests {
    @Test func macRomanIsToldFromWindows1252() {
        // "Ørsted, Århus, Æblegården, Sønderborg, Møllen" as old Mac Excel saves them.
        let mac: [UInt8] = Array("Kundenr.;Navn;By\n1;Bageriet ".utf8) + [0xAF] + Array("rsted;".utf8) + [0x81] + Array("rhus\n2;".utf8)
            + [0xAE] + Array("bleg".utf8) + [0x8C] + Array("rden;S".utf8) + [0xBF] + Array("nderborg\n3;Caf".utf8) + [0x8E] + Array(" M".utf8) + [0xBF] + Array("llen;Kolding\n".utf8)
        let decoded = TextDecoding.decode(mac)
        #expect(decoded.encoding == .macRoman)
        #expect(decoded.warning == nil)
        #expect(String(decoding: decoded.bytes, as: UTF8.self).contains("Bageriet Ørsted;Århus\n2;Æblegården;Sønderborg\n3;Café Møllen"))
        let windows: [UInt8] = Array("1;Bageriet ".utf8) + [0xD8] + Array("rsted;".utf8) + [0xC5] + Array("rhus;Caf".utf8) + [0xE9] + Array("\n".utf8)
        #expect(TextDecoding.decode(windows).encoding == .windows1252)
        #expect(String(decoding: TextDecoding.decode(windows).bytes, as: UTF8.self) == "1;Bageriet Ørsted;Århus;Café\n")
    }

    @Test func anEncodingNobodyCanTellIsImportedWithAWarning() throws {
        let bytes: [UInt8] = Array("Kundenr.;Navn\n1;Kunde ".utf8) + [0xA4, 0xA6, 0xB1, 0xB2, 0xB3, 0xBC] + Array("\n".utf8)
        let file = try RegisterFile.read(bytes, format: .csv, side: .remote)
        #expect(file.rows.count == 1)
        #expect(file.warnings.count == 1)
        #expect(file.warnings.first?.contains("UTF-8") == true)
        #expect(try RegisterFile.read(Array("Kundenr.;Navn\n1;Æble\n".utf8), format: .csv, side: .remote).warnings.isEmpty)
    }
}

/// A quote never closed would swallow the rest of the file into one value: refused, naming
/// the line where it opened (pandas: "EOF inside string starting at row N").
@Suite("CSV: a quote never closed")
struct UnclosedQuoteTests {
    func failure(_ text: String, limits: ImportLimits = .standard) -> CSVReader.Failure? {
        do {
            try CSVReader(utf8: Array(text.utf8), limits: limits).forEachRecord { _, _ in }
            return nil
        } catch {
            return error as? CSVReader.Failure
        }
    }

    @Test func aShortTailIsRefusedNotImported() throws {
        let f = try #require(failure("Kundenr.;Navn\n1;\"Jensen\n2;Hansen\n3;Olsen\n"))
        #expect(f.line == 2)
        #expect(f.message.contains("line 2") && f.message.contains("never closed"))
    }

    @Test func aLongTailNamesTheQuoteNotTheLength() throws {
        var limits = ImportLimits.standard
        limits.cellBytes = 64
        let rows = (3...40).map { "\($0);Kunde \($0)" }.joined(separator: "\n")
        let f = try #require(failure("Kundenr.;Navn\n1;Ok\n2;\"Åben\n\(rows)\n", limits: limits))
        #expect(f.line == 3)
        #expect(f.message.contains("never closed"))
        // A long value whose quote is closed further on is still too long, as before.
        let closed = try #require(failure("Kundenr.;Navn\n1;\"\(String(repeating: "x", count: 100))\"\n", limits: limits))
        #expect(!closed.message.contains("never closed"))
    }

    @Test func aQuoteOpenedOnALaterLineOfARecordIsNamedByItsOwnLine() throws {
        let f = try #require(failure("a;b;c\n1;\"two\nlines\";\"open\n2;x;y\n"))
        #expect(f.line == 3)
    }

    @Test func throughTheRegisterReaderTheFileIsRejectedWhole() {
        #expect(throws: RowError.self) {
            _ = try RegisterFile.read(Array("Kundenr.;Navn\n1;\"Jensen\n2;Hansen\n".utf8), format: .csv, side: .local)
        }
    }
}
