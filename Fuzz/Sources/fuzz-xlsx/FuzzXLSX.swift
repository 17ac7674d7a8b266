import FuzzSupport
import Foundation
import SyncCore
import SyncImport
import ZIPFoundation

/// The entry SwiftPM gives this executable: libFuzzer's driver, with `fuzz` as the test.
@_cdecl("fuzz_xlsx_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var argc = argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzz(data, size) }
}

/// libFuzzer target for workbooks. Input starting with "PK" is taken as a whole file (the ZIP
/// container, the workbook, relationships, shared strings, styles, the sheet); any other input
/// is the XML of a sheet and of its shared strings (split at the first NUL), packed into an
/// XLSX around them, so that the fuzzer spends its time in the readers rather than on ZIP
/// checksums. Small limits, so that they are reached too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start = data ?? (count == 0 ? UnsafePointer(bitPattern: 1) : nil) else { return 0 }
    let input = Array(UnsafeBufferPointer(start: start, count: count))
    let limits = ImportLimits(fileBytes: 1 << 20, rows: 500, columns: 64, cellBytes: 4096, partBytes: 1 << 20)
    let bytes: [UInt8]
    if input.starts(with: [0x50, 0x4B]) {
        bytes = input
    } else {
        let split = input.firstIndex(of: 0) ?? input.endIndex
        guard let packed = try? pack(sheet: Data(input[..<split]), shared: split < input.endIndex ? Data(input[(split + 1)...]) : nil) else { return 0 }
        bytes = packed
    }
    _ = try? RegisterFile.read(bytes, format: .xlsx, side: .remote, limits: limits)
    return 0
}

func pack(sheet: Data, shared: Data?) throws -> [UInt8] {
    let archive = try Archive(accessMode: .create)
    func add(_ path: String, _ data: Data) throws {
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .none) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
    }
    try add("xl/workbook.xml", Data(#"<workbook xmlns:r="r"><sheets><sheet name="K" sheetId="1" r:id="rId1"/></sheets></workbook>"#.utf8))
    try add("xl/_rels/workbook.xml.rels", Data(#"<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="worksheet"/></Relationships>"#.utf8))
    try add("xl/worksheets/sheet1.xml", sheet)
    if let shared { try add("xl/sharedStrings.xml", shared) }
    return Array(archive.data ?? Data())
}
