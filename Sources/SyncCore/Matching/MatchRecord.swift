/// What matching needs of one customer: its comparison keys, computed once.
public struct MatchRecord: Sendable, Hashable {
    public let id: Int64
    public let side: Side
    public let name: NameKey
    public let address: AddressKey?
    public let zip: String?
    public let city: String?
    public let email: String?
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
        email = Normalize.comparable(.email, fields.email)
        let phone = Normalize.comparable(.phone, fields.phone)
        self.phone = (phone?.count ?? 0) >= 6 ? phone : nil
        cvr = Normalize.comparable(.cvr, fields.cvr)
        ean = Normalize.comparable(.ean, fields.ean)
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

    /// Blocking keys: two customers that share one are compared in full. Strong identifiers
    /// alone; the ZIP code with the start of the name; the ZIP code with the street and number;
    /// and each longer word of the name (rare words only: `MatchIndex` drops common ones).
    public var blockingKeys: [String] {
        var keys: [String] = []
        if let cvr { keys.append("c" + cvr) }
        if let ean { keys.append("e" + ean) }
        if let email { keys.append("m" + email) }
        if let phone { keys.append("p" + phone) }
        let zipPart = zip ?? ""
        if let first = name.words.first {
            keys.append("z" + zipPart + "|" + String(first.prefix(3)))
        }
        if let address, let number = address.number, let street = address.street.split(separator: " ").first {
            keys.append("a" + zipPart + "|" + String(street.prefix(4)) + "|" + number)
        }
        for word in Set(name.words) where word.count >= 4 {
            keys.append("w" + word)
        }
        return keys
    }
}
