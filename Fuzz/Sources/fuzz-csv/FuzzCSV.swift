import FuzzSupport
import SyncCore
import SyncImport

/// The entry SwiftPM gives this executable: libFuzzer's driver, with `fuzz` as the test.
@_cdecl("fuzz_csv_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var argc = argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzz(data, size) }
}

/// libFuzzer target: any bytes read as a CSV register (encoding detection, delimiter, quotes,
/// the header, every field rule), with small limits so that they are reached too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start = data ?? (count == 0 ? UnsafePointer(bitPattern: 1) : nil) else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    let limits = ImportLimits(fileBytes: 1 << 20, rows: 500, columns: 64, cellBytes: 4096, partBytes: 1 << 20)
    _ = try? RegisterFile.read(bytes, format: .csv, side: .local, limits: limits)
    return 0
}
