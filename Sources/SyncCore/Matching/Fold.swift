/// Comparison text: lower-cased, Danish letters written out (æ → ae, ø → oe, å → aa),
/// accents dropped (é → e, ü → u), everything but letters and digits turned into single
/// spaces. "Æblegården  A/S" and "aeblegaarden a s" fold alike.
public enum Fold {
    public static func text(_ value: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count + 8)
        var pendingSpace = false
        func emit(_ bytes: UInt8...) {
            if pendingSpace && !out.isEmpty { out.append(0x20) }
            pendingSpace = false
            out.append(contentsOf: bytes)
        }
        for scalar in value.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x30...0x39, 0x61...0x7A: emit(UInt8(v))
            case 0x41...0x5A: emit(UInt8(v) | 0x20)
            case 0xC6, 0xE6: emit(0x61, 0x65)  // Æ æ → ae
            case 0xD8, 0xF8: emit(0x6F, 0x65)  // Ø ø → oe
            case 0xC5, 0xE5: emit(0x61, 0x61)  // Å å → aa
            case 0xC4, 0xE4: emit(0x61, 0x65)  // Ä ä → ae
            case 0xD6, 0xF6: emit(0x6F, 0x65)  // Ö ö → oe
            case 0xDC, 0xFC: emit(0x75)  // Ü ü → u
            case 0xDF: emit(0x73, 0x73)  // ß → ss
            case 0xC0...0xC3, 0xE0...0xE3: emit(0x61)
            case 0xC7, 0xE7: emit(0x63)
            case 0xC8...0xCB, 0xE8...0xEB: emit(0x65)
            case 0xCC...0xCF, 0xEC...0xEF: emit(0x69)
            case 0xD1, 0xF1: emit(0x6E)
            case 0xD2...0xD5, 0xF2...0xF5: emit(0x6F)
            case 0xD9...0xDB, 0xF9...0xFB: emit(0x75)
            case 0xDD, 0xFD, 0xFF: emit(0x79)
            default:
                if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                    if pendingSpace && !out.isEmpty { out.append(0x20) }
                    pendingSpace = false
                    out.append(contentsOf: Array(String(scalar).lowercased().utf8))
                } else {
                    pendingSpace = true
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The folded words of a value.
    public static func words(_ value: String) -> [Substring] {
        text(value).split(separator: " ")
    }
}
