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

    /// Word endings and whole words that abbreviate street types.
    static let wordForms: [String: String] = [
        "v": "vej", "vj": "vej", "g": "gade", "gd": "gade", "alle": "alle", "all": "alle",
        "pl": "plads", "bv": "boulevard", "blvd": "boulevard", "st": "store", "gl": "gammel",
        "sdr": "sonder", "nr": "norre", "oe": "oe", "kongensg": "kongensgade",
    ]
    static let suffixForms: [(String, String)] = [("v", "vej"), ("g", "gade"), ("gd", "gade"), ("pl", "plads"), ("vnget", "vaenget")]
    static let floorWords: Set<String> = ["st", "kl", "sal", "mf"]
    static let doorWords: Set<String> = ["th", "tv", "mf"]

    public init(_ address: String) {
        // Fold, but keep the dots that mark abbreviations and ordinals by reading words first.
        // Fold, but note which words a dot ends: "Kongensg." and "Aav." are abbreviations.
        var tokens: [String] = []
        var abbreviated = Set<Int>()
        for piece in address.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }) {
            let endsWithDot = piece.hasSuffix(".")
            for word in Fold.words(String(piece)) {
                tokens.append(String(word))
            }
            if endsWithDot && !tokens.isEmpty { abbreviated.insert(tokens.count - 1) }
        }
        var streetWords: [String] = []
        var number: String?
        var floor: String?
        var door: String?
        var index = 0
        while index < tokens.count {
            let t = tokens[index]
            if number == nil, let first = t.first, first.isNumber, !streetWords.isEmpty {
                // House number, maybe with a letter ("12b" or "12 b").
                number = t
                if index + 1 < tokens.count, tokens[index + 1].count == 1, tokens[index + 1].first!.isLetter,
                   !(index + 2 < tokens.count && Self.doorWords.contains(tokens[index + 2])) {
                    number! += tokens[index + 1]
                    index += 1
                }
            } else if number != nil {
                if floor == nil, t.first?.isNumber == true || t == "st" || t == "kl" {
                    floor = t
                } else if Self.doorWords.contains(t) || (t.first?.isNumber == true) {
                    door = door ?? t
                } else if t == "sal" {
                    // "1. sal": the floor is already read
                }
            } else {
                streetWords.append(Self.wordForms[t] ?? Self.expandSuffix(t, abbreviated: abbreviated.contains(index)))
            }
            index += 1
        }
        street = streetWords.joined(separator: " ")
        self.number = number
        self.floor = floor
        self.door = door
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
