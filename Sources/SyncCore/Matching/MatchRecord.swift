/// What matching needs of one customer: its comparison keys, computed once. A class: the
/// index hands records to every comparison, and a reference costs one retain where a struct
/// of a dozen strings cost a dozen (measured: a tenth of the first `listSuggestions`).
public final class MatchRecord: Sendable, Hashable {
    public let id: Int64
    public let side: Side
    public let name: NameKey
    public let address: AddressKey?
    public let zip: String?
    public let city: String?
    /// The city without its spaces ("salisburyeast" and "salisbury east" agree): made when
    /// asked, by a comparison of cities spelt otherwise.
    public var cityJoined: String? {
        guard let city, city.utf8.contains(0x20) else { return city }
        return String(decoding: city.utf8.filter { $0 != 0x20 }, as: UTF8.self)
    }
    /// The e-mail address, folded, as its 64-bit digest (`FNV1a`): it is only
    /// ever compared for equality, and two million addresses as strings were 150 MB of the
    /// match index's memory at a million a side.
    public let email: UInt64?
    public let phone: String?
    public let cvr: String?
    public let ean: String?

    public init(id: Int64, side: Side, fields: CustomerFields) {
        self.id = id
        self.side = side
        name = NameKey(fields.name ?? "")
        address = fields.address.map(AddressKey.init)
        zip = fields.zip.map(Normalize.digits).flatMap { $0.isEmpty ? nil : $0 }
        city = fields.city.map(Self.cityKey).flatMap { $0.isEmpty ? nil : $0 }
        email = Normalize.comparable(.email, fields.email).map(FNV1a.hash)
        let phone = Normalize.comparable(.phone, fields.phone)
        self.phone = (phone?.count ?? 0) >= 6 ? phone : nil
        cvr = Normalize.comparable(.cvr, fields.cvr)
        ean = Normalize.comparable(.ean, fields.ean)
    }

    public static func == (a: MatchRecord, b: MatchRecord) -> Bool {
        a === b || (a.id == b.id && a.side == b.side && a.name == b.name && a.address == b.address && a.zip == b.zip && a.city == b.city
            && a.email == b.email && a.phone == b.phone && a.cvr == b.cvr && a.ean == b.ean)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(side)
    }

    /// A city folded, with the abbreviations Danes write on letters spelled out
    /// ("Kbh. K" → "koebenhavn k", "Frb." → "frederiksberg", "Kgs. Lyngby" → "kongens lyngby").
    static func cityKey(_ city: String) -> String {
        let folded = Fold.text(city)
        guard folded.contains("kbh") || folded.contains("frb") || folded.contains("kgs") else { return folded }
        return folded.split(separator: " ").map { word in
            switch word {
            case "kbh", "kbhvn", "kbhavn": "koebenhavn"
            case "frb", "frbg": "frederiksberg"
            case "kgs": "kongens"
            default: String(word)
            }
        }.joined(separator: " ")
    }

    /// Blocking keys: two customers that share one are compared in full. The families are
    /// chosen so that a true pair survives any one field corrupted or missing:
    /// - strong identifiers alone (CVR, EAN, e-mail, phone);
    /// - the ZIP code with the start of each name word (a replaced first or last name);
    /// - the ZIP code with the house number's digits and its one-digit-less variants
    ///   (`numberVariants`), and the ZIP code with the start of each street word (a street
    ///   spelt otherwise; a typo in the number);
    /// - each longer name word, its phonetic code, and each longer street word (a typo in
    ///   the ZIP code and the number).
    /// Common keys make large buckets, which `MatchIndex` walks by sorted neighbourhood.
    public var blockingKeys: [String] {
        var keys: [String] = []
        if let cvr { keys.append("c" + cvr) }
        if let ean { keys.append("e" + ean) }
        if let email { keys.append("m" + String(email, radix: 16)) }
        if let phone { keys.append("p" + phone) }
        let zipPart = zip ?? ""
        for word in Set(name.words) {
            keys.append("z" + zipPart + "|" + String(word.prefix(3)))
            if word.count >= 4 { keys.append("w" + word) }
            if word.count >= 3 { keys.append("f" + Phonetic.code(word)) }
        }
        if let address {
            let streetWords = address.street.split(separator: " ")
            if zip != nil {
                for variant in Self.numberVariants(address) { keys.append("n" + zipPart + "|" + variant) }
            }
            for word in Set(streetWords + address.rest.map { Substring($0) }) where word.count >= 5 && !AddressKey.streetTypes.contains(String(word)) {
                keys.append("s" + word)
            }
            // The ZIP code with the start of each street word: a typo in the number.
            if zip != nil {
                for word in Set(streetWords) where word.count >= 3 && !AddressKey.streetTypes.contains(String(word)) {
                    keys.append("t" + zipPart + "|" + String(word.prefix(3)))
                }
            }
        }
        return keys
    }

    /// The house number's digits (of the number, or of the first word with two digits when
    /// none was read: "z2687"), and for three digits or more each of them with one digit left
    /// out: two numbers one slip apart ("4029" and "402", "3763" and "363", "9n1s57h" and
    /// "9157") share a variant, as in a symmetric-deletion spelling index.
    static func numberVariants(_ address: AddressKey) -> Set<String> {
        let source = address.number ?? address.words.first { $0.utf8.count(where: Comparison.isDigit) >= 2 }
        guard let source else { return [] }
        let digits = Array(source.utf8.filter(Comparison.isDigit))
        guard !digits.isEmpty else { return [] }
        var variants: Set<String> = [String(decoding: digits, as: UTF8.self)]
        if digits.count >= 3 {
            for i in digits.indices {
                var shorter = digits
                shorter.remove(at: i)
                variants.insert(String(decoding: shorter, as: UTF8.self))
            }
        }
        return variants
    }

    /// Where this customer sorts in a large bucket: its name, then its street.
    public var neighbourhoodKey: String {
        name.words.joined(separator: " ") + "|" + (address?.street ?? "")
    }
}

/// A phonetic code of a folded word: its first letter, then the consonant classes of Soundex
/// (b f p v → 1, c g j k q s x z → 2, d t → 3, l → 4, m n → 5, r → 6), repeats merged, vowels
/// and h w y dropped, up to four characters in all: "madsen" and "matsen" are m325,
/// "christensen" and "kristensen" c623/k623 (the first letter is kept: a name's first sound
/// is the one spelt most reliably).
public enum Phonetic {
    public static func code(_ word: String) -> String {
        var out = ""
        var last: Character = " "
        for (i, c) in word.enumerated() {
            let digit: Character
            switch c {
            case "b", "f", "p", "v": digit = "1"
            case "c", "g", "j", "k", "q", "s", "x", "z": digit = "2"
            case "d", "t": digit = "3"
            case "l": digit = "4"
            case "m", "n": digit = "5"
            case "r": digit = "6"
            case "h", "w", "y": continue
            default: digit = "0"
            }
            if i == 0 {
                out.append(c)
            } else if digit != "0" && digit != last {
                out.append(digit)
            }
            last = digit
            if out.count == 4 { break }
        }
        return out
    }
}
