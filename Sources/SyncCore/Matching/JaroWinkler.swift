/// String similarity measures on folded text.
public enum Similarity {
    /// Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, prefix up to 4).
    public static func jaroWinkler(_ a: String, _ b: String) -> Double {
        if a == b { return 1 }
        var a = a, b = b
        // Native strings are contiguous UTF-8: compared in place, without copies.
        return a.withUTF8 { s in b.withUTF8 { t in jaroWinkler(s, t) } }
    }


    static func jaroWinkler(_ s: UnsafeBufferPointer<UInt8>, _ t: UnsafeBufferPointer<UInt8>) -> Double {
        if s.isEmpty && t.isEmpty { return 1 }
        if s.isEmpty || t.isEmpty { return 0 }
        let window = max(0, max(s.count, t.count) / 2 - 1)
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: s.count + t.count) { flags in
            flags.initialize(repeating: false)
            let sMatched = UnsafeMutableBufferPointer(rebasing: flags[0..<s.count])
            let tMatched = UnsafeMutableBufferPointer(rebasing: flags[s.count...])
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
    }

    /// Token similarity: each word of the shorter name matched to its most similar word of the
    /// other (Monge-Elkan with Jaro-Winkler), averaged; word order does not matter.
    public static func tokens(_ a: [String], _ b: [String]) -> Double {
        compareWords(a, b).similarity
    }

    /// The token measure of two lists of words, and whether they share a word of two letters
    /// or more (spelt alike, or with one typo: "Jack Ryan" and "Annika Ryan"), from one pass
    /// over the pairs of words.
    public static func compareWords(_ a: [String], _ b: [String]) -> (similarity: Double, sharesAWord: Bool) {
        if a.isEmpty || b.isEmpty { return (a.isEmpty && b.isEmpty ? 1 : 0, false) }
        let (short, long) = a.count <= b.count ? (a, b) : (b, a)
        var total = 0.0
        var shares = false
        for word in short {
            var best = 0.0
            let w = word.utf8.count
            for other in long {
                let o = other.utf8.count
                let s = w == 1 || o == 1 ? initial(word, other) : jaroWinkler(word, other)
                best = max(best, s)
                if !shares && w >= 2 && o >= 2 && (s == 1 || (w >= 4 && o >= 4 && s >= 0.92)) {
                    shares = true
                }
                if best == 1 && shares { break }
            }
            total += best
        }
        // Words of the longer name left unmatched count against it a little.
        let coverage = Double(short.count) / Double(long.count)
        return (total / Double(short.count) * (0.85 + 0.15 * coverage), shares)
    }

    /// An initial against a word: "j" and "jensen" agree as far as an initial can (0.9).
    static func initial(_ a: String, _ b: String) -> Double {
        if a == b { return 1 }
        return a.utf8.first == b.utf8.first ? 0.9 : 0
    }

    /// The name similarity used for matching: the better of whole-string Jaro-Winkler and the
    /// token measure, on names without their legal form.
    public static func names(_ a: NameKey, _ b: NameKey) -> Double { compareNames(a, b).similarity }

    /// The name similarity, and whether the two share a word.
    public static func compareNames(_ a: NameKey, _ b: NameKey) -> (similarity: Double, sharesAWord: Bool) {
        if a.text == b.text { return (1, true) }
        let whole = jaroWinkler(a.text, b.text)
        let words = compareWords(a.words, b.words)
        // Run together ("JensensAuto"): only where the words are counted otherwise.
        let joined = a.words.count != b.words.count ? jaroWinkler(a.joined, b.joined) : 0
        return (max(whole, joined, words.similarity), words.sharesAWord)
    }

    /// Whether one of two names that compare as different is a short form of the other: a
    /// word of one is a typo of (Jaro–Winkler 0.75 or more), the start of, or the initial of a
    /// word of the other ("Pa", "Pre" for "Pacific", "Premier"), or the letters of one are the
    /// initials of the other's words ("AE", "a e" for "Atlantic Enterprises"). When neither
    /// is, every word of each name says another customer: the hard negative of a register
    /// (two firms at one address, two people in one house).
    public static func shortForm(_ a: NameKey, _ b: NameKey) -> Bool {
        if a.words.isEmpty || b.words.isEmpty { return true }
        for x in a.words where b.words.contains(where: { wordsAgree(x, $0) }) { return true }
        return initials(of: a, in: b) || initials(of: b, in: a)
    }

    /// Two words that can be one written two ways: a typo (Jaro–Winkler 0.75 or more), one
    /// the start (or the initial) of the other, or a word of one or two letters and one that
    /// begins as it does ("Na" for "Noel": too short to say more).
    static func wordsAgree(_ x: String, _ y: String) -> Bool {
        if x.utf8.count <= 2 || y.utf8.count <= 2 { return x.utf8.first == y.utf8.first }
        return x.hasPrefix(y) || y.hasPrefix(x) || jaroWinkler(x, y) >= 0.85
    }

    /// Whether each of two names that share a word has a word the other cannot be
    /// (`wordsAgree` with none of the other's): "First Solutions" and "First Partners",
    /// "Peter Jensen" and "Anne Jensen", where "A. Jensen", "Jensen" and "Anne Marie Jensen"
    /// are all "Anne Jensen" as far as they go.
    public static func eachHasAnotherWord(_ a: NameKey, _ b: NameKey) -> Bool {
        func hasOther(_ x: NameKey, _ y: NameKey) -> Bool { x.words.contains { w in !y.words.contains { wordsAgree(w, $0) } } }
        return hasOther(a, b) && hasOther(b, a)
    }

    /// Whether `a`'s letters, run together, are the initials of `b`'s words from its first
    /// (all of them, or the first few: "ae", "nc", "pg").
    static func initials(of a: NameKey, in b: NameKey) -> Bool {
        let letters = Array(a.words.joined().utf8)
        guard letters.count >= 2, letters.count <= b.words.count else { return false }
        for (letter, word) in zip(letters, b.words) where word.utf8.first != letter { return false }
        return true
    }
}
