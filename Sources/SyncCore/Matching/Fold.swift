import Foundation

/// Comparison text: lower-cased, Danish letters written out (æ → ae, ø → oe, å → aa),
/// accents dropped (é → e, ü → u), everything but letters and digits turned into single
/// spaces. "Æblegården  A/S" and "aeblegaarden a s" fold alike. A format character (a
/// zero-width space or joiner, a byte order mark, a soft hyphen: pasted text carries them
/// unseen) or an accent written as its own mark is dropped without breaking the word; a
/// letter outside Latin-1 loses its accents and its width ("Ő" → "o", "Ａ" → "a", "ﬁ" → "fi").
public enum Fold {
    public static func text(_ value: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count + 8)
        append(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The folded text of `value` appended to `out` (UTF-8), as `text` gives it; with
    /// `keepingSymbols`, a symbol (€, $, +, ©: a currency, math or other symbol, not
    /// punctuation) stays as itself, a word of its own, so that a search can find it.
    public static func append(_ value: String, to out: inout [UInt8], keepingSymbols: Bool = false) {
        // Most text is ASCII with a few Latin-1 letters: byte by byte, without decoding
        // scalars (every search key is folded, and a query's check folds every candidate's).
        let done = value.utf8.withContiguousStorageIfAvailable { appendLatin($0, to: &out, keepingSymbols: keepingSymbols) }
            ?? Array(value.utf8).withUnsafeBufferPointer { appendLatin($0, to: &out, keepingSymbols: keepingSymbols) }
        if !done { appendScalars(value, to: &out, keepingSymbols: keepingSymbols) }
    }

    /// The rules of `append`, scalar by scalar: any text.
    static func appendScalars(_ value: String, to out: inout [UInt8], keepingSymbols: Bool) {
        // Decomposed text composed first, so that "a" + U+030A is "å" (→ "aa"), as typed.
        if value.unicodeScalars.contains(where: { (0x300...0x36F).contains($0.value) }) {
            let composed = value.precomposedStringWithCanonicalMapping
            // (Compared scalar by scalar: String's == holds the two spellings equal.)
            if !composed.unicodeScalars.elementsEqual(value.unicodeScalars) { return appendScalars(composed, to: &out, keepingSymbols: keepingSymbols) }
        }
        let start = out.count
        var pendingSpace = false
        // One or two bytes, never an array: a variadic parameter allocated one a scalar.
        func emit(_ first: UInt8, _ second: UInt8 = 0) {
            if pendingSpace && out.count > start { out.append(0x20) }
            pendingSpace = false
            out.append(first)
            if second != 0 { out.append(second) }
        }
        for scalar in value.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x30...0x39, 0x61...0x7A: emit(UInt8(v))
            case 0x41...0x5A: emit(UInt8(v) | 0x20)
            case 0xC0...0xFF where latin(UInt8(v)) != 0:
                let folded = latin(UInt8(v))
                emit(UInt8(folded & 0xFF), UInt8(folded >> 8))
            default:
                switch scalar.properties.generalCategory {
                // A format character, or an accent written as its own mark (decomposed text,
                // as macOS writes it: "e" + U+0301): nothing, and the word goes on.
                case .format, .nonspacingMark, .spacingMark, .enclosingMark:
                    continue
                case .currencySymbol, .mathSymbol, .otherSymbol:
                    guard keepingSymbols else {
                        pendingSpace = true
                        continue
                    }
                    if out.count > start { out.append(0x20) }
                    out.append(contentsOf: Array(String(scalar).utf8))
                    pendingSpace = true
                default:
                    guard scalar.properties.isAlphabetic || scalar.properties.numericType != nil else {
                        pendingSpace = true
                        continue
                    }
                    if pendingSpace && out.count > start { out.append(0x20) }
                    pendingSpace = false
                    let one = String(scalar)
                    let folded = one.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: nil)
                    // What folding leaves may be a letter of the table above ("ǿ" → "ø").
                    let fits = folded != one && !folded.isEmpty && folded.unicodeScalars.allSatisfy { $0.value < 0x100 }
                    out.append(contentsOf: Array((fits ? Fold.text(folded) : one.lowercased()).utf8))
                }
            }
        }
    }

    /// As `append(_:to:keepingSymbols:)`, of UTF-8 bytes (as SQLite hands a function its
    /// text): ASCII and the Latin-1 letters are folded from the bytes, other text decoded
    /// first. Invalid UTF-8 is read as `String(decoding:as:)` reads it, with replacement
    /// characters.
    public static func append(utf8 bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8], keepingSymbols: Bool = false) {
        if !appendLatin(bytes, to: &out, keepingSymbols: keepingSymbols) {
            appendScalars(String(decoding: bytes, as: UTF8.self), to: &out, keepingSymbols: keepingSymbols)
        }
    }

    /// The rules of `append` for text of ASCII and the Latin-1 letters of its table (U+00C0 to
    /// U+00FF but Ð × Þ ð ÷ þ), from the bytes, written through a pointer: `true`. Anything
    /// else (a combining accent, a symbol, another script, invalid UTF-8): `false`, and `out`
    /// as it was, for the scalar path.
    static func appendLatin(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8], keepingSymbols: Bool) -> Bool {
        // At most two bytes out for each byte in: a space before a letter or a symbol, a
        // Latin-1 letter's two bytes (and a space) for its two. Folded on the stack, then
        // copied: growing `out` a byte at a time checked its storage for every byte.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, bytes.count * 2)) { temp in
            guard let n = foldLatin(bytes, into: temp.baseAddress!, keepingSymbols: keepingSymbols) else { return false }
            out.append(contentsOf: UnsafeBufferPointer(start: temp.baseAddress, count: n))
            return true
        }
    }

    /// `appendLatin`'s work: the folded bytes written from `o` on (room for twice the bytes
    /// in), and how many; nil for text outside its table.
    @inline(__always)
    private static func foldLatin(_ bytes: UnsafeBufferPointer<UInt8>, into o: UnsafeMutablePointer<UInt8>, keepingSymbols: Bool) -> Int? {
        var n = 0, i = 0
        var pendingSpace = false
        let count = bytes.count
        @inline(__always) func letter(_ first: UInt8, _ second: UInt8 = 0) {
            if pendingSpace && n > 0 {
                o[n] = 0x20
                n += 1
            }
            pendingSpace = false
            o[n] = first
            n += 1
            if second != 0 {
                o[n] = second
                n += 1
            }
        }
        while i < count {
            let b = bytes[i]
            if b < 0x80 {
                switch b {
                case 0x30...0x39, 0x61...0x7A: letter(b)
                case 0x41...0x5A: letter(b | 0x20)
                // $ + < = > | ~: currency and math symbols, kept for a search.
                case 0x24, 0x2B, 0x3C, 0x3D, 0x3E, 0x7C, 0x7E:
                    if keepingSymbols {
                        if n > 0 {
                            o[n] = 0x20
                            n += 1
                        }
                        o[n] = b
                        n += 1
                    }
                    pendingSpace = true
                default:
                    pendingSpace = true
                }
                i += 1
                continue
            }
            // U+00C0...U+00FF: 0xC3 and a continuation byte 0x80...0xBF.
            guard b == 0xC3, i + 1 < count, bytes[i + 1] & 0xC0 == 0x80 else { return nil }
            let folded = latin(bytes[i + 1] &+ 0x40)
            guard folded != 0 else { return nil }
            letter(UInt8(folded & 0xFF), UInt8(folded >> 8))
            i += 2
        }
        return n
    }

    /// The fold of a Latin-1 letter U+00C0...U+00FF (its code point's low byte): one or two
    /// ASCII bytes, the first in the low byte (the second 0 when there is one); 0 for the
    /// six that are not in the table (Ð × Þ ð ÷ þ: the scalar path decides for them).
    @inline(__always)
    static func latin(_ v: UInt8) -> UInt16 {
        switch v {
        case 0xC6, 0xE6, 0xC4, 0xE4: 0x6561  // Æ æ Ä ä → ae
        case 0xD8, 0xF8, 0xD6, 0xF6: 0x656F  // Ø ø Ö ö → oe
        case 0xC5, 0xE5: 0x6161  // Å å → aa
        case 0xDC, 0xFC: 0x75  // Ü ü → u
        case 0xDF: 0x7373  // ß → ss
        case 0xC0...0xC3, 0xE0...0xE3: 0x61
        case 0xC7, 0xE7: 0x63
        case 0xC8...0xCB, 0xE8...0xEB: 0x65
        case 0xCC...0xCF, 0xEC...0xEF: 0x69
        case 0xD1, 0xF1: 0x6E
        case 0xD2...0xD5, 0xF2...0xF5: 0x6F
        case 0xD9...0xDB, 0xF9...0xFB: 0x75
        case 0xDD, 0xFD, 0xFF: 0x79
        default: 0
        }
    }

    /// The folded words of a value.
    public static func words(_ value: String) -> [Substring] {
        text(value).split(separator: " ")
    }
}
