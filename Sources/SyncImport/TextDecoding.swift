/// Turns a file's bytes into UTF-8: a UTF-8 BOM is dropped, UTF-16 (with BOM) is converted,
/// valid UTF-8 is kept, and anything else is read as Windows-1252 (Excel's default for CSV
/// in Denmark), completely: `€`, curly quotes and the rest of 0x80–0x9F included — unless the
/// bytes make far more sense as Mac Roman (old Mac Excel, where æ is 0xBE and ø 0xBF), which
/// is then used. When neither makes sense the text is read as Windows-1252 with a warning.
public enum TextDecoding {
    public enum Encoding: String, Sendable { case utf8, utf8BOM = "utf8-bom", utf16LE = "utf16le", utf16BE = "utf16be", windows1252, macRoman = "mac-roman" }

    public static func utf8Bytes(_ bytes: [UInt8]) -> (bytes: [UInt8], encoding: Encoding) {
        let (out, encoding, _) = decode(bytes)
        return (out, encoding)
    }

    /// As `utf8Bytes`, with a warning when the encoding could only be guessed badly.
    public static func decode(_ bytes: [UInt8]) -> (bytes: [UInt8], encoding: Encoding, warning: String?) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return (Array(bytes.dropFirst(3)), .utf8BOM, nil) }
        if bytes.starts(with: [0xFF, 0xFE]) { return (utf16(bytes.dropFirst(2), littleEndian: true), .utf16LE, nil) }
        if bytes.starts(with: [0xFE, 0xFF]) { return (utf16(bytes.dropFirst(2), littleEndian: false), .utf16BE, nil) }
        if isValidUTF8(bytes) { return (bytes, .utf8, nil) }
        // The letters Danish (and its neighbours) write beyond ASCII, where each table has them.
        var windowsLetters = 0, macLetters = 0
        for b in bytes where b >= 0x80 {
            if danish1252.contains(b) { windowsLetters += 1 }
            if danishMacRoman.contains(b) { macLetters += 1 }
        }
        if macLetters > windowsLetters {
            return (convert(bytes, table: highMacRoman), .macRoman, nil)
        }
        let warning = windowsLetters == 0 && letterShare(bytes, table: high1252).share < 0.5
            ? "the file is neither UTF-8 nor plausibly Windows-1252 or Mac Roman: it was read as Windows-1252, and letters beyond A–Z may be wrong. Save it as CSV UTF-8 and import it again."
            : nil
        return (windowsOut(bytes), .windows1252, warning)
    }

    /// The share of bytes from 0x80 up that are letters in this 8-bit table (Danish text is
    /// mostly æ, ø, å and accented letters; a wrong table turns them into symbols).
    static func letterShare(_ bytes: [UInt8], table: [UInt32]) -> (share: Double, high: Int) {
        var high = 0, letters = 0
        for b in bytes where b >= 0x80 {
            high += 1
            if let scalar = Unicode.Scalar(table[Int(b) - 0x80]), scalar.properties.isAlphabetic { letters += 1 }
        }
        return (high == 0 ? 1 : Double(letters) / Double(high), high)
    }

    /// æ ø å Æ Ø Å é É ü ö ä Ü Ö Ä in Windows-1252 and in Mac Roman.
    static let danish1252: Set<UInt8> = [0xE6, 0xF8, 0xE5, 0xC6, 0xD8, 0xC5, 0xE9, 0xC9, 0xFC, 0xF6, 0xE4, 0xDC, 0xD6, 0xC4]
    static let danishMacRoman: Set<UInt8> = [0xBE, 0xBF, 0x8C, 0xAE, 0xAF, 0x81, 0x8E, 0x83, 0x9F, 0x9A, 0x8A, 0x86, 0x85, 0x80]

    /// Windows-1252 from 0x80 to 0xFF.
    static let high1252: [UInt32] = high + (0xA0...0xFF).map { UInt32($0) }

    /// Mac OS Roman from 0x80 to 0xFF (Apple's table, as Python's `mac_roman` codec has it).
    static let highMacRoman: [UInt32] = [
        0x00C4, 0x00C5, 0x00C7, 0x00C9, 0x00D1, 0x00D6, 0x00DC, 0x00E1, 0x00E0, 0x00E2, 0x00E4, 0x00E3, 0x00E5, 0x00E7, 0x00E9, 0x00E8,
        0x00EA, 0x00EB, 0x00ED, 0x00EC, 0x00EE, 0x00EF, 0x00F1, 0x00F3, 0x00F2, 0x00F4, 0x00F6, 0x00F5, 0x00FA, 0x00F9, 0x00FB, 0x00FC,
        0x2020, 0x00B0, 0x00A2, 0x00A3, 0x00A7, 0x2022, 0x00B6, 0x00DF, 0x00AE, 0x00A9, 0x2122, 0x00B4, 0x00A8, 0x2260, 0x00C6, 0x00D8,
        0x221E, 0x00B1, 0x2264, 0x2265, 0x00A5, 0x00B5, 0x2202, 0x2211, 0x220F, 0x03C0, 0x222B, 0x00AA, 0x00BA, 0x03A9, 0x00E6, 0x00F8,
        0x00BF, 0x00A1, 0x00AC, 0x221A, 0x0192, 0x2248, 0x2206, 0x00AB, 0x00BB, 0x2026, 0x00A0, 0x00C0, 0x00C3, 0x00D5, 0x0152, 0x0153,
        0x2013, 0x2014, 0x201C, 0x201D, 0x2018, 0x2019, 0x00F7, 0x25CA, 0x00FF, 0x0178, 0x2044, 0x20AC, 0x2039, 0x203A, 0xFB01, 0xFB02,
        0x2021, 0x00B7, 0x201A, 0x201E, 0x2030, 0x00C2, 0x00CA, 0x00C1, 0x00CB, 0x00C8, 0x00CD, 0x00CE, 0x00CF, 0x00CC, 0x00D3, 0x00D4,
        0xF8FF, 0x00D2, 0x00DA, 0x00DB, 0x00D9, 0x0131, 0x02C6, 0x02DC, 0x00AF, 0x02D8, 0x02D9, 0x02DA, 0x00B8, 0x02DD, 0x02DB, 0x02C7,
    ]

    static func convert(_ bytes: [UInt8], table: [UInt32]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8)
        for b in bytes {
            if b < 0x80 {
                out.append(b)
            } else {
                out.append(contentsOf: UTF8.encode(Unicode.Scalar(table[Int(b) - 0x80])!)!)
            }
        }
        return out
    }

    static func windowsOut(_ bytes: [UInt8]) -> [UInt8] { windows1252ToUTF8(bytes) }

    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        // Pure ASCII is the common case; check it quickly.
        if !bytes.contains(where: { $0 >= 0x80 }) { return true }
        return bytes.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) != nil }
    }

    static func utf16(_ bytes: ArraySlice<UInt8>, littleEndian: Bool) -> [UInt8] {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var i = bytes.startIndex
        while i + 1 < bytes.endIndex {
            let a = UInt16(bytes[i]), b = UInt16(bytes[i + 1])
            units.append(littleEndian ? a | b << 8 : a << 8 | b)
            i += 2
        }
        return Array(String(decoding: units, as: UTF16.self).utf8)
    }

    /// Windows-1252's 0x80–0x9F (WHATWG's table; the five unassigned bytes map to the C1 controls).
    static let high: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    public static func windows1252ToUTF8(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8)
        for b in bytes {
            if b < 0x80 {
                out.append(b)
                continue
            }
            let scalar = b < 0xA0 ? high[Int(b) - 0x80] : UInt32(b)
            var encoded = UTF8.EncodedScalar()
            encoded = UTF8.encode(Unicode.Scalar(scalar)!)!
            out.append(contentsOf: encoded)
        }
        return out
    }
}
