/// A Danish street address as compared: the street name folded with its common abbreviations
/// written out, the house number (with letter), and floor and door.
///
/// "Store Kongensgade 40, 3. th." and "St. Kongensg. 40 3.th" give the same street, number
/// "40", floor "3", door "th".
public struct AddressKey: Sendable, Hashable {
    public var street: String
    public var number: String?
    public var floor: String?
    public var door: String?
    /// The other words of the address: a second line ("Villa Solbakken", "tarwyn park"), a
    /// building, words after the number that are no floor or door. Compared as words, so two
    /// lines in the other order still agree.
    public var rest: [String]
    /// Every word of the address but the number, floor and door: the street's, then the rest.
    /// Made when asked (by a comparison whose streets differ, rarely): a million addresses
    /// held their words twice (Benchmarks/README.md, issue 29).
    public var words: [String] { street.split(separator: " ").map(String.init) + rest }

    /// No word and no number: nothing to compare.
    public var isBlank: Bool { street.isEmpty && rest.isEmpty && number == nil }

    /// Word endings and whole words that abbreviate street types.
    static let wordForms: [String: String] = [
        "v": "vej", "vj": "vej", "g": "gade", "gd": "gade", "alle": "alle", "all": "alle",
        "pl": "plads", "bv": "boulevard", "blvd": "boulevard", "st": "store", "gl": "gammel",
        "sdr": "sonder", "nr": "norre", "oe": "oe", "kongensg": "kongensgade",
    ]
    static let suffixForms: [(String, String)] = [("v", "vej"), ("g", "gade"), ("gd", "gade"), ("pl", "plads"), ("vnget", "vaenget")]
    /// Street-type words, too common to block on.
    public static let streetTypes: Set<String> = ["street", "place", "crescent", "circuit", "avenue", "drive", "close", "court", "road",
                                                  "parkway", "boulevard", "plads", "gade", "alle", "vaenget", "stien"]
    static let doorWords: Set<String> = ["th", "tv", "mf"]

    /// Reads a Danish address line ("Store Kongensgade 40, 3. th.": street, number, floor,
    /// door) or one with the number first, as English-speaking countries write it ("16 Wade
    /// Street, Tarwyn Park": number, street, and the second line as `rest`).
    public init(_ address: String) {
        // Fold, but note which words a dot ends ("Kongensg." and "Aav." are abbreviations) and
        // which comma-separated part each word is in.
        var tokens: [(word: String, part: Int)] = []
        var abbreviated = Set<Int>()
        for (part, line) in address.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            for piece in line.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                let endsWithDot = piece.hasSuffix(".")
                for word in Fold.words(String(piece)) {
                    // A number run into the street ("5333lburcty", "1i24madison"): the number,
                    // then the word.
                    if let cut = Self.streetAfterNumber(word) {
                        tokens.append((String(word[..<cut]), part))
                        tokens.append((String(word[cut...]), part))
                    } else {
                        tokens.append((String(word), part))
                    }
                }
                if endsWithDot && !tokens.isEmpty { abbreviated.insert(tokens.count - 1) }
            }
        }
        var streetWords: [String] = []
        var rest: [String] = []
        var number: String?
        var floor: String?
        var door: String?
        func isNumber(_ t: String) -> Bool { t.first?.isNumber == true }
        // Number first: a leading number followed by a word in the same part.
        let numberFirst = tokens.count > 1 && isNumber(tokens[0].word) && tokens[0].part == tokens[1].part && !isNumber(tokens[1].word)
        var index = 0
        if numberFirst {
            number = tokens[0].word
            index = 1
            let part = tokens[0].part
            while index < tokens.count, tokens[index].part == part {
                let t = tokens[index].word
                streetWords.append(Self.wordForms[t] ?? Self.expandSuffix(t, abbreviated: abbreviated.contains(index)))
                index += 1
            }
            rest = tokens[index...].map(\.word)
            index = tokens.count
        }
        while index < tokens.count {
            let t = tokens[index].word
            if number == nil, isNumber(t), !streetWords.isEmpty {
                // House number, maybe with a letter ("12b" or "12 b").
                number = t
                if index + 1 < tokens.count, tokens[index + 1].word.count == 1, tokens[index + 1].word.first!.isLetter,
                   !(index + 2 < tokens.count && Self.doorWords.contains(tokens[index + 2].word)) {
                    number! += tokens[index + 1].word
                    index += 1
                }
            } else if number != nil {
                if floor == nil, isNumber(t) || t == "st" || t == "kl" {
                    floor = t
                } else if Self.doorWords.contains(t) || isNumber(t) {
                    door = door ?? t
                } else if t != "sal" {  // "1. sal": the floor is already read
                    rest.append(t)
                }
            } else if tokens[index].part > 0 && !streetWords.isEmpty {
                // A second line before any number: not the street.
                rest.append(t)
            } else {
                streetWords.append(Self.wordForms[t] ?? Self.expandSuffix(t, abbreviated: abbreviated.contains(index)))
            }
            index += 1
        }
        // No number where one belongs, but a word with two digits or more ("q89as Marle Ct",
        // "v7729 Bluff Ct"): that is the number, spelt wrong.
        if number == nil, let i = streetWords.firstIndex(where: { $0.utf8.count(where: { $0 >= 0x30 && $0 <= 0x39 }) >= 2 && !$0.contains(" ") }) {
            number = streetWords.remove(at: i)
        }
        street = streetWords.joined(separator: " ")
        self.number = number
        self.floor = floor
        self.door = door
        self.rest = rest
    }


    /// Where the street begins in a word that begins with a number: after the last digit,
    /// when letters alone follow, two or more after a plain number ("5333lburcty"), three or
    /// more after one with a letter in it ("1i24madison"); nil when the word is a number
    /// ("12b", "7832j").
    static func streetAfterNumber(_ word: Substring) -> Substring.Index? {
        guard let first = word.first, first.isNumber, let last = word.lastIndex(where: \.isNumber) else { return nil }
        let cut = word.index(after: last)
        let tail = word[cut...]
        guard tail.allSatisfy(\.isLetter) else { return nil }
        let plain = word[..<cut].allSatisfy(\.isNumber)
        return tail.count >= (plain ? 2 : 3) ? cut : nil
    }

    /// "kongensg" → "kongensgade", "skovv" → "skovvej"; a word written with a dot ("Aav.")
    /// is expanded whatever its length.
    static func expandSuffix(_ word: String, abbreviated: Bool = false) -> String {
        for (short, long) in suffixForms where word.hasSuffix(short) && word.count > short.count
            && (abbreviated || word.count > short.count + 3) {
            return String(word.dropLast(short.count)) + long
        }
        return word
    }
}
