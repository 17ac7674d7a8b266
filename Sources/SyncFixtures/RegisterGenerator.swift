import SyncCore

/// Writes two customer registers with a known true pairing and the corruptions real data has,
/// to measure partner suggestions: typos, transposed letters, abbreviations, missing fields,
/// aa/å and ae/æ spellings, changed phone formats, a moved company with the same CVR, two
/// different companies with near-identical names, private customers without a CVR.
///
/// Seeded and deterministic: the same seed gives the same files on every machine.
public struct RegisterGenerator {
    public struct Output: Sendable {
        /// CleanManager-format CSV (`;`, Danish headers).
        public var localCSV: String
        public var remoteCSV: String
        /// The true pairs, as (local number, remote number).
        public var truth: [(local: String, remote: String)]
    }

    var rng: SplitMix64
    let customers: Int
    let overlap: Double
    /// Multiplies the chance of every corruption (1: as real registers; 3: a stress test).
    let hardness: Double

    public init(seed: UInt64, customers: Int, overlap: Double = 0.6, hardness: Double = 1) {
        rng = SplitMix64(seed: seed)
        self.customers = customers
        self.overlap = overlap
        self.hardness = hardness
    }

    struct Entity {
        var name: String
        var street: String
        var number: Int
        var unit: String?
        var zip: String
        var city: String
        var cvr: String?
        var ean: String?
        var email: String?
        var phone: String?
        var contact: String?
    }

    static let firstNames = ["Anne", "Mette", "Lise", "Hanne", "Birgit", "Karen", "Susanne", "Camilla", "Louise", "Maria", "Ole", "Jens", "Peter",
                             "Lars", "Søren", "Henrik", "Niels", "Anders", "Morten", "Kasper", "Jørgen", "Bo", "Åse", "Ærenfried", "Thomas", "Rasmus"]
    static let lastNames = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen", "Jørgensen",
                            "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen",
                            "Kjær", "Dalgaard", "Østergaard", "Bøgh", "Skov", "Holm", "Lund", "Brandt", "Vestergaard", "Kjærsgaard"]
    static let trades = ["Bageriet", "Tømrerfirma", "Café", "Fysioterapi", "Tandlægerne", "Kontorhuset", "Advokatfirmaet", "Skolen", "Malerfirma",
                         "Vinduespudser", "Gartneriet", "Klinikken", "Restaurant", "Revisionsfirmaet", "Børnehaven", "Autoværksted", "Frisørsalon",
                         "Blomsterhandel", "Elektriker", "VVS", "Købmand", "Slagter", "Boligforeningen", "Ejendomsselskabet", "Rengøringsservice"]
    static let places = ["Nord", "Syd", "Øst", "Vest", "Centrum", "Havnen", "Søen", "Åen", "Bakken", "Skoven", "Torvet", "Møllen", "Engen", "Fjorden",
                         "Strandvejen", "Kirkebakken", "Ågården", "Æblehaven", "Lærkevej", "Egebjerg"]
    static let forms = ["ApS", "A/S", "I/S", "IVS", "ApS", "A/S"]
    static let streets = ["Østergade", "Nørregade", "Vestergade", "Søndergade", "Skovvej", "Møllevej", "Åvej", "Industrivej", "Strandvejen", "Kirkevej",
                          "Store Kongensgade", "Ågade", "Lærkevej", "Bøgevej", "Egevej", "Havnegade", "Stationsvej", "Skolegade", "Engvej", "Ringvej",
                          "Grønnegade", "Jernbanegade", "Algade", "Torvegade", "Fælledvej"]
    static let cities: [(String, String)] = [("8000", "Aarhus C"), ("5000", "Odense C"), ("9000", "Aalborg"), ("7100", "Vejle"), ("1264", "København K"),
                                             ("4000", "Roskilde"), ("6000", "Kolding"), ("8600", "Silkeborg"), ("3400", "Hillerød"), ("2800", "Kongens Lyngby"),
                                             ("7400", "Herning"), ("8700", "Horsens"), ("6700", "Esbjerg"), ("4700", "Næstved"), ("5700", "Svendborg"),
                                             ("2650", "Hvidovre"), ("9800", "Hjørring"), ("7500", "Holstebro"), ("8900", "Randers C"), ("3000", "Helsingør")]

    mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
    mutating func chance(_ p: Double) -> Bool { Double(rng.next() % 1_000_000) / 1_000_000 < p }
    mutating func below(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }

    /// A valid CVR (modulus 11), unique per call site by `serial`.
    static func cvr(serial: Int) -> String {
        var n = 10_000_000 + (serial &* 7919) % 89_000_000
        let weights = [2, 7, 6, 5, 4, 3, 2, 1]
        while true {
            let digits = String(n).compactMap(\.wholeNumberValue)
            if zip(digits, weights).reduce(0, { $0 + $1.0 * $1.1 }) % 11 == 0 { return String(n) }
            n += 1
        }
    }

    /// A valid EAN-13 (GS1 check digit) in the Danish 579 range.
    static func ean(serial: Int) -> String {
        let body = "5790" + String(100_000_000 + serial % 900_000_000).suffix(8)
        let digits = body.compactMap(\.wholeNumberValue)
        var sum = 0
        for (i, d) in digits.reversed().enumerated() { sum += d * (i % 2 == 0 ? 3 : 1) }
        return body + String((10 - sum % 10) % 10)
    }

    static func emailPart(_ text: String) -> String {
        Fold.text(text).replacingOccurrences(of: " ", with: "")
    }

    mutating func entity(serial: Int) -> Entity {
        let (zip, city) = pick(Self.cities)
        let street = pick(Self.streets)
        let unit: String? = chance(0.2) ? pick(["st. th", "st. tv", "1. th", "1. tv", "2. th", "2. tv", "3. mf", "1. sal"]) : nil
        if chance(0.3) {
            // A private customer: no CVR.
            let first = pick(Self.firstNames), last = pick(Self.lastNames)
            let name = chance(0.3) ? "\(first) \(pick(Self.lastNames)) \(last)" : "\(first) \(last)"
            return Entity(name: name, street: street, number: 1 + below(150), unit: unit, zip: zip, city: city, cvr: nil, ean: nil,
                          email: chance(0.7) ? "\(Self.emailPart(first)).\(Self.emailPart(last))\(below(100))@\(pick(["gmail.com", "mail.dk", "hotmail.com", "outlook.dk"]))" : nil,
                          phone: chance(0.9) ? String(20_000_000 + below(79_999_999)) : nil, contact: nil)
        }
        let trade = pick(Self.trades)
        let place = chance(0.5) ? pick(Self.places) : pick(Self.lastNames)
        let form = chance(0.85) ? " " + pick(Self.forms) : ""
        let name = "\(trade) \(place)\(chance(0.3) ? " \(below(90) + 10)" : "")\(form)"
        let domain = Self.emailPart(trade + place) + String(serial % 1000) + ".dk"
        return Entity(name: name, street: street, number: 1 + below(150), unit: unit, zip: zip, city: city, cvr: chance(0.92) ? Self.cvr(serial: serial) : nil,
                      ean: chance(0.06) ? Self.ean(serial: serial) : nil,
                      email: chance(0.85) ? "\(pick(["info", "kontakt", "post", "bogholderi"]))@\(domain)" : nil,
                      phone: chance(0.9) ? String(30_000_000 + below(69_999_999)) : nil,
                      contact: chance(0.6) ? "\(pick(Self.firstNames)) \(pick(Self.lastNames))" : nil)
    }

    // MARK: Corruptions

    mutating func typo(_ text: String) -> String {
        var chars = Array(text)
        let letters = chars.indices.filter { chars[$0].isLetter }
        guard letters.count > 4 else { return text }
        let i = letters[1 + below(letters.count - 2)]
        switch below(3) {
        case 0: chars[i] = pick(Array("aeioulnrstdk"))
        case 1: chars.remove(at: i)
        default: chars.insert(chars[i], at: i)
        }
        return String(chars)
    }

    mutating func transpose(_ text: String) -> String {
        var chars = Array(text)
        let candidates = chars.indices.dropLast().filter { chars[$0].isLetter && chars[$0 + 1].isLetter }
        guard candidates.count > 2 else { return text }
        let i = candidates[1 + below(candidates.count - 2)]
        chars.swapAt(i, i + 1)
        return String(chars)
    }

    static func danishSpelledOut(_ text: String) -> String {
        text.replacingOccurrences(of: "æ", with: "ae").replacingOccurrences(of: "ø", with: "oe").replacingOccurrences(of: "å", with: "aa")
            .replacingOccurrences(of: "Æ", with: "Ae").replacingOccurrences(of: "Ø", with: "Oe").replacingOccurrences(of: "Å", with: "Aa")
    }

    static func abbreviated(_ street: String) -> String {
        if street.hasSuffix("vej") { return String(street.dropLast(3)) + "v." }
        if street.hasSuffix("gade") { return String(street.dropLast(4)) + "g." }
        if street.hasPrefix("Store ") { return "St. " + street.dropFirst(6) }
        return street
    }

    mutating func phoneFormat(_ digits: String) -> String {
        let d = Array(digits)
        switch below(4) {
        case 0: return "+45 \(String(d[0..<2])) \(String(d[2..<4])) \(String(d[4..<6])) \(String(d[6..<8]))"
        case 1: return "0045\(digits)"
        case 2: return "\(String(d[0..<4])) \(String(d[4..<8]))"
        default: return digits
        }
    }

    mutating func often(_ p: Double) -> Bool { chance(min(0.9, p * hardness)) }

    /// The same customer as the other register holds it.
    mutating func corrupted(_ e: Entity) -> Entity {
        var c = e
        if often(0.15) { c.name = typo(c.name) }
        if often(0.08) { c.name = transpose(c.name) }
        if often(0.15) { c.name = Self.danishSpelledOut(c.name); c.street = Self.danishSpelledOut(c.street); c.city = Self.danishSpelledOut(c.city) }
        if often(0.10) {
            // The legal form written differently or left out.
            for (from, to) in [(" ApS", pick([" Aps", " APS", " A.p.S.", ""])), (" A/S", pick([" AS", " A.S.", " Aktieselskab", ""])), (" I/S", pick([" IS", ""]))] where c.name.hasSuffix(from) {
                c.name = String(c.name.dropLast(from.count)) + to
            }
        }
        if often(0.2) { c.street = Self.abbreviated(c.street) }
        if often(0.06) { c.street = typo(c.street) }
        if often(0.4), let phone = c.phone { c.phone = phoneFormat(phone) }
        if often(0.2), let email = c.email { c.email = chance(0.5) ? email.uppercased() : email.prefix(1).uppercased() + email.dropFirst() }
        if often(0.08) { c.email = nil }
        if often(0.08) { c.phone = nil }
        if often(0.05) { c.cvr = nil }
        if often(0.05) { c.unit = nil }
        if often(0.04), c.cvr != nil {
            // Moved: same company, new address.
            let (zip, city) = pick(Self.cities)
            c.street = pick(Self.streets)
            c.number = 1 + below(150)
            c.zip = zip
            c.city = city
        }
        return c
    }

    /// A different company with a near-identical name (and its own CVR and address).
    mutating func lookalike(of e: Entity, serial: Int) -> Entity {
        var other = entity(serial: serial)
        other.name = chance(0.5) ? typo(e.name) : e.name.replacingOccurrences(of: " ApS", with: " A/S")
        if e.cvr == nil { other.cvr = nil }
        other.contact = nil
        return other
    }

    // MARK: Files

    static func csv(_ rows: [(String, Entity)]) -> String {
        var out = "Kundenr.;Navn;Adresse;Postnr.;By;Land;CVR;EAN;E-mail;Telefon;Att.\n"
        func cell(_ s: String?) -> String {
            guard let s else { return "" }
            return s.contains(";") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        for (number, e) in rows {
            let address = "\(e.street) \(e.number)" + (e.unit.map { ", \($0)" } ?? "")
            out += [number, e.name, address, e.zip, e.city, "DK", e.cvr, e.ean, e.email, e.phone, e.contact].map(cell).joined(separator: ";") + "\n"
        }
        return out
    }

    public mutating func generate() -> Output {
        let shared = Int(Double(customers) * overlap)
        var local: [(String, Entity)] = []
        var remote: [(String, Entity)] = []
        var truth: [(String, String)] = []
        var serial = 1
        for i in 0..<customers {
            let e = entity(serial: serial)
            serial += 1
            local.append((String(1001 + i), e))
            if i < shared {
                remote.append(("", corrupted(e)))
                truth.append((String(1001 + i), ""))
            }
        }
        // The rest of the remote register: other customers, some with a lookalike name of a
        // local-only customer.
        for _ in shared..<customers {
            if chance(0.1) {
                let original = local[shared + below(max(1, customers - shared))].1
                remote.append(("", lookalike(of: original, serial: serial)))
            } else {
                remote.append(("", entity(serial: serial)))
            }
            serial += 1
        }
        // Remote numbers in another range, in a shuffled order.
        var order = Array(remote.indices)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, below(i + 1)) }
        var numbered: [(String, Entity)] = []
        for (position, index) in order.enumerated() {
            let number = String(100_001 + position)
            numbered.append((number, remote[index].1))
            if index < shared { truth[index].1 = number }
        }
        return Output(localCSV: Self.csv(local), remoteCSV: Self.csv(numbered), truth: truth.map { (local: $0.0, remote: $0.1) })
    }
}

/// SplitMix64: small, fast, and the same on every platform.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
