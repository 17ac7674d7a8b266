/// The fields matching compares, each with its levels of agreement, best first. Level 0 of
/// every field means a side lacks it: no evidence either way.
public enum MatchField: Int, CaseIterable, Sendable {
    case cvr, ean, email, phone, name, address, zip, city

    public var syncField: SyncField {
        switch self {
        case .cvr: .cvr
        case .ean: .ean
        case .email: .email
        case .phone: .phone
        case .name: .name
        case .address: .address
        case .zip: .zip
        case .city: .city
        }
    }

    /// The levels, best first (level 1 is `levels[0]`), as the reasons name them.
    public var levels: [String] {
        switch self {
        case .cvr, .ean, .email, .phone: ["equal", "different"]
        case .name: ["equal", "typo", "one name shared", "weakly similar", "faintly similar", "a short form", "one name shared, another differs", "different"]
        case .address: ["equal", "same number, similar street", "number spelt otherwise", "street similar, a number missing", "same street, other number", "different"]
        case .zip: ["equal", "one digit off", "different"]
        case .city: ["equal", "different"]
        }
    }

    public var levelCount: Int { levels.count }
}

/// How two customers compare: a level per field, and the similarities behind them.
public struct Comparison: Sendable, Hashable {
    /// Four bits a field, in `MatchField` order: the key the weights are estimated over.
    public private(set) var pattern: UInt32 = 0
    public var nameSimilarity: Double?
    public var streetSimilarity: Double?
    public var citySimilarity: Double?
    /// Evidence beyond the levels, in bits, on the name: how common an equal name is in the
    /// registers (`MatchIndex.nameFrequencyBits`; never above 0). Added to the score and to
    /// the name's reason.
    public var nameFrequencyBits = 0.0

    public func level(_ field: MatchField) -> Int { Int((pattern >> (4 * UInt32(field.rawValue))) & 0xF) }

    /// No field compared.
    static let empty = Comparison()
    private init() {}

    mutating func set(_ field: MatchField, _ level: Int) {
        let shift = 4 * UInt32(field.rawValue)
        pattern = pattern & ~(0xF << shift) | (UInt32(level) << shift)
    }

    public static func level(_ field: MatchField, of pattern: UInt32) -> Int { Int((pattern >> (4 * UInt32(field.rawValue))) & 0xF) }

    /// Compares two customers field by field.
    public init(_ a: MatchRecord, _ b: MatchRecord) {
        self.init(cheapFieldsOf: a, b)
        compareAddresses(a, b)
        compareNames(a, b)
    }

    /// Only the fields that cost a string comparison or two: identifiers, ZIP code, city. The
    /// address and the name are compared after, and only when the pair can still score
    /// (`MatchIndex.pairing`).
    init(cheapFieldsOf a: MatchRecord, _ b: MatchRecord) {
        func exact<T: Equatable>(_ field: MatchField, _ x: T?, _ y: T?) {
            guard let x, let y else { return }
            set(field, x == y ? 1 : 2)
        }
        exact(.cvr, a.cvr, b.cvr)
        exact(.ean, a.ean, b.ean)
        exact(.email, a.email, b.email)
        exact(.phone, a.phone, b.phone)
        if let x = a.zip, let y = b.zip {
            set(.zip, x == y ? 1 : Self.oneDigitOff(x, y) ? 2 : 3)
        }
        if let x = a.city, let y = b.city {
            let spelt = Similarity.jaroWinkler(x, y)
            let s = spelt >= 0.92 ? spelt : max(spelt, Similarity.jaroWinkler(a.cityJoined ?? x, b.cityJoined ?? y))
            citySimilarity = s
            // A Danish ZIP code names its town: with equal ZIP codes a city spelled otherwise
            // ("Aarhus" for "Aarhus C") is no evidence against.
            if s >= 0.92 { set(.city, 1) } else if a.zip == nil || a.zip != b.zip { set(.city, 2) }
        }
    }

    /// The name's levels that `MatchIndex` and `MatchWeights` read by number.
    static let nameShortForm = 6, nameSharedOtherDiffers = 7, nameDifferent = 8

    /// Whether both have a name: whether `compareNames` will set a level.
    static func bothHaveNames(_ a: MatchRecord, _ b: MatchRecord) -> Bool { !a.name.words.isEmpty && !b.name.words.isEmpty }

    mutating func compareNames(_ a: MatchRecord, _ b: MatchRecord) {
        guard Self.bothHaveNames(a, b) else { return }
        let (s, shares) = Similarity.compareNames(a.name, b.name)
        nameSimilarity = s
        var level: Int
        switch s {
        case 0.97...: level = 1
        // A whole-string likeness this high can still hide a word that contradicts: a long
        // first name shared ("Maximilian Albers", "Maximilian Hammer"), or a surname shared
        // beside a first name alike in its letters only ("Christian Funk", "Kristine Funk").
        case 0.90..<0.97: level = shares && Similarity.eachHasAnotherWord(a.name, b.name) ? Self.nameSharedOtherDiffers : 2
        // Below 0.80 a name is mostly another person's; what is left of a badly spelt one
        // ("pzAgvl xCarx" for "Angel Clark") still sits above 0.70, a stranger's mostly below.
        // Below 0.70 a short form ("AE", "Pa", "K. M." for the words written out) is still
        // one customer's name as far as it goes; two names of whole words that match in
        // none of them are two customers (`Similarity.shortForm`).
        default:
            if shares {
                // A word shared and another that contradicts ("First Solutions" and "First
                // Partners", "Peter Jensen" and "Anne Jensen"): the hard negative of one
                // address, ranked below the short forms.
                level = Similarity.eachHasAnotherWord(a.name, b.name) ? Self.nameSharedOtherDiffers : 3
            } else {
                level = s >= 0.80 ? 4 : s >= 0.70 ? 5 : Similarity.shortForm(a.name, b.name) ? Self.nameShortForm : Self.nameDifferent
            }
        }
        // Two legal forms that differ (ApS and A/S) tell two companies apart.
        if a.name.legalForm != nil && b.name.legalForm != nil && a.name.legalForm != b.name.legalForm { level = max(level, 3) }
        set(.name, level)
    }

    mutating func compareAddresses(_ a: MatchRecord, _ b: MatchRecord) {
        guard let x = a.address, let y = b.address, !x.isBlank, !y.isBlank else { return }
        let streets = x.street.isEmpty || y.street.isEmpty ? 0 : Similarity.jaroWinkler(x.street, y.street)
        // Lines in another order, or a street missing on one side: the words as a set.
        let s = streets >= 0.93 ? streets : max(streets, Similarity.tokens(x.words, y.words))
        streetSimilarity = s
        let unitsDiffer = (x.floor != nil && y.floor != nil && x.floor != y.floor) || (x.door != nil && y.door != nil && x.door != y.door)
        let level: Int
        switch (x.number, y.number) {
        case let (m?, n?) where m == n:
            level = s >= 0.93 && !unitsDiffer ? 1 : s >= 0.80 ? 2 : 6
        case let (m?, n?) where s >= 0.85 && Self.numberSlip(m, n):
            level = 3
        case (nil, _), (_, nil):
            level = s >= 0.85 ? 4 : 6
        default:
            level = s >= 0.93 ? 5 : 6
        }
        set(.address, level)
    }

    /// Two house numbers one slip apart: a character added or dropped ("7832j", "292" for
    /// "2392"), a letter for a digit ("483k"), or two neighbours swapped ("1259"). Not one
    /// digit for another: "12" and "13" are neighbours, not a typo.
    static func numberTypo(_ x: String, _ y: String) -> Bool {
        let a = Array(x.utf8), b = Array(y.utf8)
        if a.count == b.count {
            let differ = (0..<a.count).filter { a[$0] != b[$0] }
            if differ.count == 1 {
                let i = differ[0]
                return !(isDigit(a[i]) && isDigit(b[i]))
            }
            return differ.count == 2 && differ[1] == differ[0] + 1 && a[differ[0]] == b[differ[1]] && a[differ[1]] == b[differ[0]]
        }
        let (short, long) = a.count < b.count ? (a, b) : (b, a)
        guard long.count == short.count + 1, short.count >= 2 else { return false }
        var i = 0
        while i < short.count && short[i] == long[i] { i += 1 }
        return short[i...] == long[(i + 1)...]
    }

    /// A typo in a house number (`numberTypo`), or letters typed in among its digits: the
    /// digits of one, with letters in between, equal or one slip from the other's
    /// ("4k45u5f" and "4455", "53iq9" and "5309").
    static func numberSlip(_ x: String, _ y: String) -> Bool {
        if numberTypo(x, y) { return true }
        let a = String(decoding: x.utf8.filter(isDigit), as: UTF8.self), b = String(decoding: y.utf8.filter(isDigit), as: UTF8.self)
        guard a.utf8.count >= 3, b.utf8.count >= 3, a.utf8.count != x.utf8.count || b.utf8.count != y.utf8.count else { return false }
        return a == b || numberTypo(a, b)
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// Two codes of one length that differ in one digit or in two neighbours swapped.
    static func oneDigitOff(_ x: String, _ y: String) -> Bool {
        let a = Array(x.utf8), b = Array(y.utf8)
        guard a.count == b.count, a.count >= 3 else { return false }
        let differ = (0..<a.count).filter { a[$0] != b[$0] }
        if differ.count == 1 { return true }
        return differ.count == 2 && differ[1] == differ[0] + 1 && a[differ[0]] == b[differ[1]] && a[differ[1]] == b[differ[0]]
    }
}
