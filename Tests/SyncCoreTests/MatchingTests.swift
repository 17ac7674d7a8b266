@testable import SyncCore
import Testing

@Suite("Matching keys")
struct MatchingKeyTests {
    @Test(arguments: [
        ("Æblegården Børnehave", "aeblegaarden boernehave"),
        ("ÆBLEGÅRDEN  børnehave!", "aeblegaarden boernehave"),
        ("Café Møllen & Co.", "cafe moellen co"),
        ("Søren Østergaard", "soeren oestergaard"),
        ("Müller-Lüdenscheidt", "muller ludenscheidt"),
        ("  ", ""),
    ])
    func folding(_ raw: String, _ folded: String) {
        #expect(Fold.text(raw) == folded)
    }

    static let legalFormCases: [(String, [String], String?)] = [
        ("Jensens Auto ApS", ["jensens", "auto"], "aps"),
        ("Jensens Auto Aps", ["jensens", "auto"], "aps"),
        ("Jensens Auto A.p.S.", ["jensens", "auto"], "aps"),
        ("A/S Jensens Auto", ["jensens", "auto"], "as"),
        ("Jensens Auto A/S", ["jensens", "auto"], "as"),
        ("Jensens Auto Aktieselskab", ["jensens", "auto"], "as"),
        ("Tandlægerne I/S", ["tandlaegerne"], "is"),
        ("Byg og Bo IVS", ["byg", "og", "bo"], "ivs"),
        ("Holm Advokater P/S", ["holm", "advokater"], "ps"),
        ("Invest K/S", ["invest"], "ks"),
        ("Ole Hansen", ["ole", "hansen"], nil),
        ("ApS", ["aps"], nil),
    ]

    @Test(arguments: MatchingKeyTests.legalFormCases)
    func legalFormsAreSplitOff(_ raw: String, _ words: [String], _ form: String?) {
        let key = NameKey(raw)
        #expect(key.words == words)
        #expect(key.legalForm == form)
    }

    @Test func addressesAreReadIntoStreetNumberFloorAndDoor() {
        let a = AddressKey("Store Kongensgade 40, 3. th.")
        #expect(a.street == "store kongensgade")
        #expect(a.number == "40")
        #expect(a.floor == "3")
        #expect(a.door == "th")
        let b = AddressKey("St. Kongensg. 40 3.th")
        #expect(b.street == "store kongensgade")
        #expect(b.number == "40")
        #expect(b.floor == "3" && b.door == "th")
        #expect(AddressKey("Skovv. 7").street == "skovvej")
        #expect(AddressKey("Åv. 27").street == "aavej")
        #expect(AddressKey("Åvej 27").street == "aavej")
        #expect(AddressKey("Nørregade 12B, st. tv").number == "12b")
        #expect(AddressKey("Nørregade 12 B, st. tv").number == "12b")
        #expect(AddressKey("Nørregade 12, st. tv").floor == "st")
        #expect(AddressKey("Nørregade 12, st. tv").door == "tv")
        #expect(AddressKey("Torvet 3, 1. sal").floor == "1")
        #expect(AddressKey("Ringvej").number == nil)
    }

    @Test func phoneAndIdentifiersByDigits() {
        let a = MatchRecord(id: 1, side: .local, fields: CustomerFields(name: "A", email: "Info@Firma.DK", phone: "+45 86 12 34 56", cvr: "DK-25043235"))
        #expect(a.phone == "86123456")
        #expect(a.email == "info@firma.dk")
        #expect(a.cvr == "25043235")
        // Too short to identify anybody.
        #expect(MatchRecord(id: 2, side: .local, fields: CustomerFields(name: "A", phone: "112")).phone == nil)
    }
}

@Suite("Similarity")
struct SimilarityTests {
    @Test func jaroWinklerKnownValues() {
        // Winkler's examples.
        #expect(abs(Similarity.jaroWinkler("martha", "marhta") - 0.961) < 0.001)
        #expect(abs(Similarity.jaroWinkler("dwayne", "duane") - 0.84) < 0.001)
        #expect(abs(Similarity.jaroWinkler("dixon", "dicksonx") - 0.813) < 0.001)
        #expect(Similarity.jaroWinkler("", "") == 1)
        #expect(Similarity.jaroWinkler("abc", "") == 0)
        #expect(Similarity.jaroWinkler("jensen", "jensen") == 1)
    }

    @Test func tokenOrderDoesNotMatter() {
        #expect(Similarity.tokens(["auto", "jensens"], ["jensens", "auto"]) == 1)
        #expect(Similarity.names(NameKey("Hansen Ole"), NameKey("Ole Hansen")) == 1)
    }

    @Test func danishSpellingsAreAlike() {
        #expect(Similarity.names(NameKey("Æblegården Børnehave"), NameKey("Aeblegaarden Boernehave")) == 1)
        #expect(Similarity.names(NameKey("Jensens Auto ApS"), NameKey("Jensens Auto")) == 1)
        #expect(Similarity.names(NameKey("Bageriet Ørsted"), NameKey("Bageriet Ørstedd")) > 0.95)
        #expect(Similarity.names(NameKey("Bageriet Ørsted"), NameKey("Vinduespudser Centralen")) < 0.7)
    }
}

@Suite("Scoring")
struct ScorerTests {
    func record(_ id: Int64, _ side: Side, _ fields: CustomerFields) -> MatchRecord { MatchRecord(id: id, side: side, fields: fields) }

    @Test func equalCVRIsStrongEvidence() {
        let a = record(1, .local, CustomerFields(name: "Jensens Auto", address: "Industrivej 44", zip: "5220", cvr: "25052846"))
        let b = record(2, .remote, CustomerFields(name: "Jensens Auto ApS", address: "Havnevej 2", zip: "8000", cvr: "25052846"))
        let m = Scorer.compare(a, b)
        #expect(m.reasons.first { $0.field == .cvr }?.verdict == .equal)
        #expect(m.score > 0.9, "a moved company with the same CVR is still the same customer")
    }

    @Test func differentCVRsTellLookalikesApart() {
        let a = record(1, .local, CustomerFields(name: "Jensens Auto ApS", address: "Industrivej 44", zip: "5220", city: "Odense SØ", cvr: "25052846"))
        let b = record(2, .remote, CustomerFields(name: "Jensens Auto A/S", address: "Industrivej 44", zip: "5220", city: "Odense SØ", cvr: "25043235"))
        #expect(Scorer.compare(a, b).score < 0.1)
    }

    @Test func aPrivateCustomerMatchesOnNameAndAddress() {
        let a = record(1, .local, CustomerFields(name: "Lise Kjær", address: "Åvej 5", zip: "8600", city: "Silkeborg", phone: "20 45 67 89"))
        let b = record(2, .remote, CustomerFields(name: "Lise Kjaer", address: "Aavej 5", zip: "8600", city: "Silkeborg", phone: "+4520456789"))
        let m = Scorer.compare(a, b)
        #expect(m.score > 0.99)
        #expect(m.reasons.map(\.field) == [.phone, .name, .address, .zip, .city])
        #expect(m.reasons.allSatisfy { $0.weight > 0 })
    }

    @Test func sameNameElsewhereIsNotEnough() {
        let a = record(1, .local, CustomerFields(name: "Ole Hansen", address: "Birkevej 9", zip: "2800", city: "Kongens Lyngby"))
        let b = record(2, .remote, CustomerFields(name: "Ole Hansen", address: "Strandvejen 150", zip: "2900", city: "Hellerup"))
        #expect(Scorer.compare(a, b).score < 0.1)
    }

    /// "Hansen Peter" at "Norregade 1, st." in "Kbh K" is Peter Hansen of Nørregade 1, 1165
    /// København K: order of names, ø written oe-less, the floor and the abbreviated city aside.
    @Test func aPersonWrittenTheOtherWayRoundIsAMatch() {
        let a = record(1, .local, CustomerFields(name: "Peter Hansen", address: "Nørregade 1", zip: "1165", city: "København K"))
        let b = record(2, .remote, CustomerFields(name: "Hansen Peter", address: "Norregade 1, st.", zip: "1165", city: "Kbh. K"))
        let m = Scorer.compare(a, b)
        #expect(m.reasons.first { $0.field == .city }?.verdict == .equal)
        #expect(m.score >= 0.7, "suggested at the default minScore")
    }

    /// With equal ZIP codes a city spelled otherwise weighs nothing; with different ones it
    /// still counts against.
    @Test func aCitySpelledOtherwiseInTheSameZipIsNoEvidenceAgainst() {
        let a = record(1, .local, CustomerFields(name: "Fjord Rengøring", zip: "2800", city: "Kongens Lyngby"))
        let b = record(2, .remote, CustomerFields(name: "Fjord Rengøring", zip: "2800", city: "Lyngby"))
        let c = record(3, .remote, CustomerFields(name: "Fjord Rengøring", zip: "2900", city: "Hellerup"))
        let sameZip = Scorer.compare(a, b).reasons.first { $0.field == .city }
        #expect(sameZip?.verdict == .different)
        #expect(sameZip?.weight == 0)
        #expect((Scorer.compare(a, c).reasons.first { $0.field == .city }?.weight ?? 0) < 0)
        #expect(MatchRecord.cityKey("Kgs. Lyngby") == MatchRecord.cityKey("Kongens Lyngby"))
        #expect(MatchRecord.cityKey("Frb.") == "frederiksberg")
        #expect(MatchRecord.cityKey("Kbhvn. Ø") == MatchRecord.cityKey("København Ø"))
        #expect(MatchRecord.cityKey("Skibby") == "skibby")
    }

    @Test func missingFieldsAreNeitherForNorAgainst() {
        let a = record(1, .local, CustomerFields(name: "Café Møllen"))
        let b = record(2, .remote, CustomerFields(name: "Cafe Moellen", cvr: "25169883"))
        let m = Scorer.compare(a, b)
        #expect(m.reasons.map(\.field) == [.name])
        // An equal name alone is weak evidence: many customers share a name.
        #expect(m.score > 0 && m.score < 0.1)
    }

    @Test func scoresStayInTheUnitInterval() {
        let a = record(1, .local, CustomerFields(name: "A", address: "B 1", zip: "1", city: "C", email: "a@b.dk", phone: "12345678", cvr: "25043235", ean: "5790001527525"))
        let b = record(2, .remote, CustomerFields(name: "Z", address: "Y 2", zip: "2", city: "X", email: "z@y.dk", phone: "87654321", cvr: "25051831", ean: "5790004392977"))
        #expect(Scorer.compare(a, a).score <= 1)
        #expect(Scorer.compare(a, b).score >= 0)
    }
}

@Suite("Blocking and pairing")
struct PairingTests {
    @Test func pairingIsOneToOneAndBestFirst() {
        let records = [
            MatchRecord(id: 1, side: .local, fields: CustomerFields(name: "Bageriet Ørsted", zip: "8000", cvr: "25043235")),
            MatchRecord(id: 2, side: .local, fields: CustomerFields(name: "Bageriet Ørsted", zip: "8000")),
            MatchRecord(id: 3, side: .remote, fields: CustomerFields(name: "Bageriet Oersted ApS", zip: "8000", cvr: "25043235")),
            MatchRecord(id: 4, side: .remote, fields: CustomerFields(name: "Vinduespudseren", zip: "5000")),
        ]
        let index = MatchIndex(records: records)
        let pairs = index.pairing(minScore: 0.1) { _ in true }
        #expect(pairs.map { [$0.localId, $0.remoteId] } == [[1, 3]])
        #expect(index.pairing(minScore: 0.1) { $0 != 1 }.map { [$0.localId, $0.remoteId] } == [[2, 3]])
    }

    @Test func blockingFindsTyposInTheFirstLetters() {
        let a = MatchRecord(id: 1, side: .local, fields: CustomerFields(name: "Kontorhuset Vest", address: "Vestergade 100", zip: "7400"))
        let b = MatchRecord(id: 2, side: .remote, fields: CustomerFields(name: "Kontrohuset Vest", address: "Vestergade 100", zip: "7400"))
        #expect(MatchIndex(records: [a, b]).candidates(for: a).map(\.id) == [2])
    }

    @Test func commonWordsBlockNothing() {
        var records: [MatchRecord] = []
        for i in 0..<60 {
            records.append(MatchRecord(id: Int64(i * 2 + 1), side: .local, fields: CustomerFields(name: "Rengøring \(i)", zip: String(1000 + i))))
            records.append(MatchRecord(id: Int64(i * 2 + 2), side: .remote, fields: CustomerFields(name: "Rengøring X\(i)", zip: String(5000 + i))))
        }
        let index = MatchIndex(records: records, maxBucket: 40)
        #expect(index.candidates(for: records[0]).isEmpty)
    }
}
