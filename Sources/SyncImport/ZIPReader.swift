import Foundation
import SystemZlib

/// Reads the parts of a workbook's ZIP archive (XLSX, ODS) from memory: its directory checked
/// against its bytes (every entry's header and data inside the file, a stored entry's sizes
/// agreeing, only the methods spreadsheets use), each part inflated by zlib in chunks.
///
/// Written by hand rather than read with ZIPFoundation (which still *writes* the exported
/// XLSX): fuzzing found three ways a crafted archive took the server down through it. An
/// offset past the end trapped its in-memory backing (`MemoryFile.readData`); a compressed size
/// past the end, and a deflate stream that never ends, made it read for ever (its reads at the
/// end come back empty and it asks again). Here every such archive is a damaged file. ZIP64
/// records and extra fields are read, so an archive written with them (as some .NET and Java
/// writers do) still passes.
struct ZIPReader {
    /// No ZIP archive at all: the caller says what it expected.
    struct NotAZip: Error {}

    struct Damaged: Error, CustomStringConvertible {
        var reason: String
        var description: String { "the file is damaged: \(reason)" }
    }

    struct Entry {
        var name: String
        /// 0 stored, 8 deflated.
        var method: Int
        var compressedSize: Int
        var uncompressedSize: UInt64
        /// Where its data starts in the archive.
        var dataStart: Int
    }

    /// The most entries a workbook's archive may list; a real one has a few dozen.
    static let maxEntries = 100_000

    let data: Data
    let entries: [String: Entry]

    subscript(_ name: String) -> Entry? { entries[name] }

    init(_ data: Data) throws {
        self.data = data
        entries = try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            try Self.directory(raw.bindMemory(to: UInt8.self))
        }
    }

    static func directory(_ b: UnsafeBufferPointer<UInt8>) throws -> [String: Entry] {
        let n = b.count
        let pastTheEnd = Damaged(reason: "its ZIP directory points past its end")
        func u16(_ at: Int) throws -> Int {
            guard at >= 0, at + 2 <= n else { throw pastTheEnd }
            return Int(b[at]) | Int(b[at + 1]) << 8
        }
        func u32(_ at: Int) throws -> UInt64 {
            guard at >= 0, at + 4 <= n else { throw pastTheEnd }
            return (0..<4).reduce(UInt64(0)) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) }
        }
        func u64(_ at: Int) throws -> UInt64 {
            try u32(at) | (try u32(at + 4)) << 32
        }
        func inside(_ value: UInt64) throws -> Int {
            guard value <= UInt64(n) else { throw pastTheEnd }
            return Int(value)
        }
        // The end-of-central-directory record: in the last 64 KiB and 22 bytes.
        var end = -1
        var i = n - 22
        while i >= max(0, n - 22 - 65_535) {
            if b[i] == 0x50, b[i + 1] == 0x4B, b[i + 2] == 0x05, b[i + 3] == 0x06 { end = i; break }
            i -= 1
        }
        guard end >= 0 else { throw NotAZip() }
        var count = UInt64(try u16(end + 10))
        var size = try u32(end + 12)
        var offset = try u32(end + 16)
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            // ZIP64: the locator just before, pointing at the ZIP64 end record.
            let locator = end - 20
            guard locator >= 0, try u32(locator) == 0x0706_4B50 else { throw Damaged(reason: "its ZIP64 directory is missing") }
            let record = try inside(try u64(locator + 8))
            guard try u32(record) == 0x0606_4B50 else { throw Damaged(reason: "its ZIP64 directory is missing") }
            count = try u64(record + 32)
            size = try u64(record + 40)
            offset = try u64(record + 48)
        }
        guard count <= UInt64(maxEntries) else { throw Damaged(reason: "it lists \(count) entries, more than a workbook has") }
        let start = try inside(offset)
        guard try inside(size) <= n - start else { throw pastTheEnd }
        var entries: [String: Entry] = [:]
        var at = start
        for _ in 0..<count {
            guard try u32(at) == 0x0201_4B50 else { throw Damaged(reason: "its ZIP directory is broken") }
            let method = try u16(at + 10)
            var compressed = try u32(at + 20)
            var uncompressed = try u32(at + 24)
            let nameLength = try u16(at + 28), extraLength = try u16(at + 30), commentLength = try u16(at + 32)
            var local = try u32(at + 42)
            guard at + 46 + nameLength <= n else { throw pastTheEnd }
            let name = String(decoding: UnsafeBufferPointer(rebasing: b[(at + 46)..<(at + 46 + nameLength)]), as: UTF8.self)
            // ZIP64 values, in this order, for each field that says 0xFFFFFFFF.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = try u16(extra), length = try u16(extra + 2)
                if id == 0x0001 {
                    var field = extra + 4
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try u64(field); field += 8 }
                    if compressed == 0xFFFF_FFFF { compressed = try u64(field); field += 8 }
                    if local == 0xFFFF_FFFF { local = try u64(field); field += 8 }
                    guard field <= extra + 4 + length else { throw Damaged(reason: "its ZIP directory is broken") }
                }
                extra += 4 + length
            }
            guard method == 0 || method == 8 else {
                throw Damaged(reason: "\(name) is compressed in a way spreadsheets do not use (method \(method))")
            }
            // The entry's local header, then its data: both inside the file.
            let header = try inside(local)
            guard try u32(header) == 0x0403_4B50 else { throw Damaged(reason: "its ZIP directory points at nothing for \(name)") }
            let dataStart = header + 30 + (try u16(header + 26)) + (try u16(header + 28))
            guard dataStart <= n, compressed <= UInt64(n - dataStart) else {
                throw Damaged(reason: "\(name) is longer than the file (it was cut short)")
            }
            if method == 0, compressed != uncompressed { throw Damaged(reason: "the sizes of \(name) disagree") }
            entries[name] = Entry(name: name, method: method, compressedSize: Int(compressed), uncompressedSize: uncompressed, dataStart: dataStart)
            at += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }

    /// Hands `entry`'s inflated bytes to `consumer` in chunks of at most 64 KiB. A deflate
    /// stream that is broken or ends before its end marker is `Damaged`.
    func extract(_ entry: Entry, _ consumer: (Data) throws -> Void) throws {
        let chunk = 1 << 16
        let range = entry.dataStart..<(entry.dataStart + entry.compressedSize)
        if entry.method == 0 {
            var at = range.lowerBound
            while at < range.upperBound {
                let next = min(range.upperBound, at + chunk)
                try consumer(data.subdata(in: (data.startIndex + at)..<(data.startIndex + next)))
                at = next
            }
            return
        }
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Damaged(reason: "\(entry.name) could not be unpacked")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: chunk)
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let input = raw.bindMemory(to: UInt8.self)
            // zlib takes the whole compressed range at once; it never writes to it.
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + range.lowerBound)
            stream.avail_in = 0
            var remaining = range.count
            while true {
                if stream.avail_in == 0, remaining > 0 {
                    let take = min(remaining, Int(UInt32.max >> 1))
                    stream.avail_in = UInt32(take)
                    remaining -= take
                }
                let status = output.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk - Int(stream.avail_out)
                if produced > 0 { try consumer(Data(output[0..<produced])) }
                if status == Z_STREAM_END { return }
                guard status == Z_OK || (status == Z_BUF_ERROR && produced > 0) else {
                    throw Damaged(reason: "\(entry.name) holds broken compressed data")
                }
                if stream.avail_in == 0, remaining == 0, produced == 0 {
                    throw Damaged(reason: "\(entry.name) ends before its compressed data does (it was cut short)")
                }
            }
        }
    }
}
