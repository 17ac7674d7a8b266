/// String similarity measures on folded text.
public enum Similarity {
    /// Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, prefix up to 4).
    public static func jaroWinkler(_ a: String, _ b: String) -> Double {
        let s = Array(a.utf8), t = Array(b.utf8)
        if s.isEmpty && t.isEmpty { return 1 }
        if s.isEmpty || t.isEmpty { return 0 }
        if s == t { return 1 }
        let window = max(0, max(s.count, t.count) / 2 - 1)
        var sMatched = [Bool](repeating: false, count: s.count)
        var tMatched = [Bool](repeating: false, count: t.count)
        var matches = 0
        for i in 0..<s.count {
            let lo = max(0, i - window), hi = min(t.count - 1, i + window)
            if lo > hi { continue }
            for j in lo...hi where !tMatched[j] && s[i] == t[j] {
                sMatched[i] = true
                tMatched[j] = true
                matches += 1
                break
            }
        }
        if matches == 0 { return 0 }
        var transpositions = 0
        var j = 0
        for i in 0..<s.count where sMatched[i] {
            while !tMatched[j] { j += 1 }
            if s[i] != t[j] { transpositions += 1 }
            j += 1
        }
        let m = Double(matches)
        let jaro = (m / Double(s.count) + m / Double(t.count) + (m - Double(transpositions / 2)) / m) / 3
        var prefix = 0
        while prefix < min(4, s.count, t.count) && s[prefix] == t[prefix] { prefix += 1 }
        return jaro + Double(prefix) * 0.1 * (1 - jaro)
    }

    /// Token similarity: each word of the shorter name matched to its most similar word of the
    /// other (Monge-Elkan with Jaro-Winkler), averaged; word order does not matter.
    public static func tokens(_ a: [String], _ b: [String]) -> Double {
        if a.isEmpty || b.isEmpty { return a.isEmpty && b.isEmpty ? 1 : 0 }
        let (short, long) = a.count <= b.count ? (a, b) : (b, a)
        var total = 0.0
        for word in short {
            var best = 0.0
            for other in long {
                best = max(best, jaroWinkler(word, other))
                if best == 1 { break }
            }
            total += best
        }
        // Words of the longer name left unmatched count against it a little.
        let coverage = Double(short.count) / Double(long.count)
        return total / Double(short.count) * (0.85 + 0.15 * coverage)
    }

    /// The name similarity used for matching: the better of whole-string Jaro-Winkler and the
    /// token measure, on names without their legal form.
    public static func names(_ a: NameKey, _ b: NameKey) -> Double {
        let whole = jaroWinkler(a.text, b.text)
        let joined = jaroWinkler(a.words.joined(), b.words.joined())
        return max(whole, joined, tokens(a.words, b.words))
    }
}
