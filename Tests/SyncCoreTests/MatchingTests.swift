import Foundation
import SyncFixtures
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
        // Pasted text: zero-width characters, a byte order mark and a soft hyphen break no word.
        ("Sy\u{200B}ca\u{FEFF}more Ave", "sycamore ave"),
        ("Jør\u{200D}gen Ol\u{00AD}sen", "joergen olsen"),
        // Decomposed accents (macOS writes them so) fold as composed ones.
        ("Ra\u{030A}dhuspladsen", "raadhuspladsen"),
        ("Jose\u{0301}", "jose"),
        // Letters outside Latin-1 lose accents and width.
        ("Łódź Ősz", "łodz osz"),
        ("ＡＢＣ", "abc"),
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
        ("Byg og Bo IVS", ["byg", "bo"], "ivs"),
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
        #expect(a.email == FNV1a.hash("info@firma.dk"))
        #expect(a.email != MatchRecord(id: 3, side: .local, fields: CustomerFields(name: "A", email: "info@firma2.dk")).email)
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
        #expect(sameZip == nil, "no evidence, as a missing city")
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

@Suite("Comparison levels")
struct ComparisonTests {
    func compare(_ a: CustomerFields, _ b: CustomerFields) -> Comparison {
        Comparison(MatchRecord(id: 1, side: .local, fields: a), MatchRecord(id: 2, side: .remote, fields: b))
    }

    @Test func namesWordByWord() {
        // Swapped, one replaced, an initial.
        #expect(compare(CustomerFields(name: "Madeleine Paterson"), CustomerFields(name: "Paterson Madeleine")).level(.name) == 1)
        #expect(compare(CustomerFields(name: "Jack Ryan"), CustomerFields(name: "Ryan")).level(.name) <= 3)
        #expect(compare(CustomerFields(name: "J. Ryan"), CustomerFields(name: "Jack Ryan")).level(.name) <= 2)
        #expect(compare(CustomerFields(name: "Mitchell Boxer"), CustomerFields(name: "Micthell Boxwbr")).level(.name) == 2)
        #expect(compare(CustomerFields(name: "Ole Hansen"), CustomerFields(name: "Kirsten Dahl")).level(.name) == Comparison.nameDifferent)
        // What is left of a badly spelt name is faintly similar, a stranger's is not.
        #expect(compare(CustomerFields(name: "Angel Clark"), CustomerFields(name: "pzAgvl xCarx")).level(.name) == 5)
    }

    /// The hard negatives of one address: a word shared and another that contradicts, and
    /// names that share nothing; a short form is neither.
    @Test func namesThatContradictAndShortForms() {
        func level(_ a: String, _ b: String) -> Int { compare(CustomerFields(name: a), CustomerFields(name: b)).level(.name) }
        #expect(level("Jack Ryan", "Annika Ryan") == Comparison.nameSharedOtherDiffers)
        #expect(level("First Solutions ApS", "First Partners A/S") == Comparison.nameSharedOtherDiffers)
        // A middle name, an initial or a word missing on one side contradicts nothing.
        #expect(level("Larry Jennings", "Larry Lori Jennings") <= 3)
        #expect(level("Anne Jensen", "A. M. Jensen") <= 3)
        // Initials and starts of the words are short forms, not other customers.
        for (name, short) in [("Atlantic Enterprises", "AE"), ("Pacific Logistics", "Pa"), ("National Consulting", "N. C.")] {
            #expect(level(name, short) <= Comparison.nameShortForm, "\(short) for \(name)")
        }
        #expect(level("Atlantic Services", "Summit Technologies") == Comparison.nameDifferent)
        #expect(level("Pacific Consulting", "Meridian Partners") == Comparison.nameDifferent)
        // Words of one or two letters say no more than their first letter.
        #expect(level("Pacific Consulting", "PE") == Comparison.nameShortForm)
        #expect(level("Pacific Consulting", "ME") == Comparison.nameDifferent)
        // "og", "&" and a legal form weigh nothing: these are one name.
        #expect(level("Jensen & Søn ApS", "Jensen og Søn") <= 2)
    }

    @Test func houseNumbersOneSlipApartShareABlockingKey() {
        func variants(_ address: String) -> Set<String> { MatchRecord.numberVariants(AddressKey(address)) }
        // A digit dropped, a letter in the number, a number run into the street.
        #expect(!variants("4029 Cottonwood Dr").isDisjoint(with: variants("402 Cozgtonwoodtr")))
        #expect(!variants("9157 Mill Rd").isDisjoint(with: variants("9n1s57h ill Rd")))
        #expect(!variants("Bridge Ct 2687").isDisjoint(with: variants("z2687 bige ct")))
        #expect(!variants("Nørregade 4734").isDisjoint(with: variants("Nørregade 4d34")))
        // Short numbers only as they are: 12 and 13 are neighbours, not one number.
        #expect(variants("Nørregade 12") == ["12"])
        #expect(variants("Nørregade 12").isDisjoint(with: variants("Nørregade 13")))
        #expect(variants("Nørregade") == [])
    }

    @Test func addressesAsNumberStreetAndTheRest() {
        let first = AddressKey("16 Wade Street, Tarwyn Park")
        #expect(first.number == "16" && first.street == "wade street" && first.rest == ["tarwyn", "park"])
        #expect(AddressKey("Strandvejen 12, Villa Solbakken").rest == ["villa", "solbakken"])
        #expect(AddressKey("Strandvejen 12, Villa Solbakken").number == "12")
        // Lines in the other order still agree; a missing number is no disagreement.
        #expect(compare(CustomerFields(address: "219 Kambalda Crescent, Lorne Park"), CustomerFields(address: "219 Lorne Park, Kambalda Crescent")).level(.address) <= 2)
        #expect(compare(CustomerFields(address: "85 Aspinall Street, Forest Hills"), CustomerFields(address: "Aspinall Street, Forest Hills")).level(.address) == 4)
        #expect(compare(CustomerFields(address: "Vestergade 12"), CustomerFields(address: "Vestergade 14")).level(.address) == 5)
        #expect(compare(CustomerFields(address: "Vestergade 12"), CustomerFields(address: "Nørregade 40")).level(.address) == 6)
        // A slip in the number is not a neighbour's house; one digit for another is.
        #expect(compare(CustomerFields(address: "7832 Spruce Ln"), CustomerFields(address: "7832j Spruce Ln")).level(.address) == 3)
        #expect(compare(CustomerFields(address: "Spruce Ln 2392"), CustomerFields(address: "Spruce Ln 292")).level(.address) == 3)
        #expect(compare(CustomerFields(address: "Vestergade 1259"), CustomerFields(address: "Vestergade 1529")).level(.address) == 3)
        #expect(compare(CustomerFields(address: "Vestergade 12"), CustomerFields(address: "Vestergade 13")).level(.address) == 5)
        // A number run into the street is read apart.
        #expect(AddressKey("5333Lburcty Cir").number == "5333")
        #expect(AddressKey("1i24Madison Ct").number == "1i24" && AddressKey("1i24Madison Ct").street == "madison ct")
        #expect(AddressKey("7832j Spruce Ln").number == "7832j")
        // No number where one belongs, but a word with digits: that is the number.
        #expect(AddressKey("q89as Marle Ct").number == "q89as")
        #expect(AddressKey("Villa Solbakken").number == nil)
        // Letters typed in among the digits: the digits still agree.
        #expect(compare(CustomerFields(address: "4455 Brook Cir"), CustomerFields(address: "4k45u5f Brook Cir")).level(.address) == 3)
        #expect(compare(CustomerFields(address: "5309 Lake Rd"), CustomerFields(address: "53iq9 Lake Rd")).level(.address) == 3)
        #expect(compare(CustomerFields(address: "Vestergade 12"), CustomerFields(address: "Vestergade 1x3")).level(.address) == 5)
    }

    @Test func zipCodesOneDigitOff() {
        #expect(compare(CustomerFields(zip: "2615"), CustomerFields(zip: "2651")).level(.zip) == 2, "neighbours swapped")
        #expect(compare(CustomerFields(zip: "8000"), CustomerFields(zip: "8001")).level(.zip) == 2)
        #expect(compare(CustomerFields(zip: "8000"), CustomerFields(zip: "2100")).level(.zip) == 3)
        #expect(compare(CustomerFields(zip: "8000"), CustomerFields(zip: "8000")).level(.zip) == 1)
        #expect(compare(CustomerFields(name: "A"), CustomerFields(zip: "8000")).level(.zip) == 0)
    }
}

@Suite("Estimated weights")
struct WeightEstimationTests {
    /// Patterns drawn from known m and u: EM recovers them closely enough that the signs and
    /// order of the weights are right and the share is near the truth.
    @Test func emRecoversTheWeightsOfAKnownMixture() {
        var rng = SplitMix64(seed: 3)
        let trueM: [MatchField: [Double]] = [.name: [0.8, 0.1, 0.05, 0.03, 0.02], .zip: [0.9, 0.05, 0.05], .city: [0.95, 0.05]]
        let trueU: [MatchField: [Double]] = [.name: [0.01, 0.02, 0.07, 0.1, 0.8], .zip: [0.05, 0.05, 0.9], .city: [0.1, 0.9]]
        func draw(_ p: [Double]) -> Int {
            var x = Double(rng.next() >> 11) / Double(1 << 53), level = 1
            for q in p { if x < q { return level }; x -= q; level += 1 }
            return p.count
        }
        var patterns: [UInt32: Int] = [:]
        for i in 0..<20_000 {
            let matched = i < 2_000
            var c = Comparison.empty
            for field in [MatchField.name, .zip, .city] { c.set(field, draw(matched ? trueM[field]! : trueU[field]!)) }
            patterns[c.pattern, default: 0] += 1
        }
        let w = MatchWeights.estimated(from: patterns, maxMatches: 5_000)
        #expect(abs(w.matchShare - 0.1) < 0.02, "share \(w.matchShare)")
        #expect(abs(w.weight(.name, 1) - log2(0.8 / 0.01)) < 1)
        #expect(abs(w.weight(.zip, 1) - log2(0.9 / 0.05)) < 1)
        #expect(w.weight(.name, 5) < -4)
        #expect(w.estimated)
    }

    /// A handful of pairs cannot move the weights far from the prior.
    @Test func fewPairsStayNearThePrior() {
        var c = Comparison.empty
        c.set(.name, 1)
        let w = MatchWeights.estimated(from: [c.pattern: 3], maxMatches: 3)
        #expect(abs(w.weight(.cvr, 1) - MatchWeights.prior.weight(.cvr, 1)) < 0.01, "a field never seen keeps its prior")
        #expect(w.weight(.name, 1) > 0)
    }

    /// More true pairs than customers on the smaller side are impossible: the share is capped.
    @Test func theMatchedShareKeepsTheOneToOneBound() {
        var c = Comparison.empty
        c.set(.name, 1)
        c.set(.zip, 1)
        let w = MatchWeights.estimated(from: [c.pattern: 10_000], maxMatches: 100)
        #expect(w.matchShare <= 100.0 / 10_000 + 1e-9)
    }

    /// A fit that lost the partners is named for what gave it away.
    @Test func aDegenerateFitIsCaught() {
        var agree = Comparison.empty
        agree.set(.name, 1)
        agree.set(.zip, 1)
        let fit = MatchWeights.Fit(items: [(agree.pattern, 100)], total: 1000, maxMatches: 500, iterations: 1,
                                   priorPairs: 30, priorSharePairs: 100, start: .prior)
        // A class of "different customers" that compares as partners do: it took them.
        let swallowed = MatchWeights(m: MatchWeights.prior.m, u: MatchWeights.prior.u, matchShare: 0.001, model: .estimated,
                                     nonMatchClasses: [(0.5, MatchWeights.prior.m), (0.499, MatchWeights.prior.u)])
        #expect(fit.degeneracy(of: swallowed)?.contains("scored") == true)
        // An equal ZIP code weighed against: the sign of the prior's evidence turned round.
        var m = MatchWeights.prior.m, u = MatchWeights.prior.u
        swap(&m[MatchField.zip.rawValue], &u[MatchField.zip.rawValue])
        let turned = MatchWeights(m: m, u: u, matchShare: 0.1, model: .estimated)
        #expect(fit.degeneracy(of: turned)?.contains("zip") == true)
        // Far fewer partners than simpler fits see in the same pairs.
        var yardstick = fit
        yardstick.referenceShare = 0.1
        let few = MatchWeights(m: MatchWeights.prior.m, u: MatchWeights.prior.u, matchShare: 0.001, model: .estimated)
        #expect(yardstick.degeneracy(of: few)?.contains("expects 1 partners where simpler fits see 100") == true)
        // The prior itself, with a share the pairs bear out, is sound.
        let sound = MatchWeights(m: MatchWeights.prior.m, u: MatchWeights.prior.u, matchShare: 0.1, model: .prior)
        #expect(yardstick.degeneracy(of: sound) == nil)
    }

    /// Partners hidden among many pairs that agree on little: the full fit (several classes
    /// of different customers, the share held firmly at the prior's one in 4,097) loses them;
    /// the estimate falls back, says why, and still suggests the pairs that agree on name,
    /// address and ZIP code.
    @Test func aCollapsingFitFallsBack() {
        var rng = SplitMix64(seed: 7)
        func draw(_ p: [Double]) -> Int {
            var x = Double(rng.next() >> 11) / Double(1 << 53), level = 1
            for q in p { if x < q { return level }; x -= q; level += 1 }
            return p.count
        }
        // Partners typed beyond recognition (names mostly faint or different, addresses
        // mostly different, the ZIP code mostly kept), among as many pairs again that share
        // a ZIP code and little else: what dupehell's `hell` sets look like.
        var patterns: [UInt32: Int] = [:]
        for i in 0..<300 {
            var c = Comparison.empty
            if i < 60 {
                c.set(.name, draw([0.15, 0.15, 0.05, 0.1, 0.15, 0.1, 0.05, 0.25]))
                c.set(.address, draw([0.15, 0.05, 0.15, 0.05, 0.2, 0.4]))
                c.set(.zip, draw([0.8, 0.1, 0.1]))
            } else {
                c.set(.name, draw([0.0, 0.01, 0.02, 0.02, 0.1, 0.1, 0.05, 0.7]))
                c.set(.address, draw([0.0, 0.0, 0.0, 0.01, 0.1, 0.89]))
                c.set(.zip, draw([0.5, 0.1, 0.4]))
            }
            patterns[c.pattern, default: 0] += 1
        }
        let w = MatchWeights.estimated(from: patterns, maxMatches: 150)
        #expect(w.model != .estimated, "the full fit was kept: share \(w.matchShare)")
        #expect(w.fallback?.hasPrefix("the full estimate failed") == true, "\(w.fallback ?? "nil")")
        var agree = Comparison.empty
        agree.set(.name, 2)
        agree.set(.address, 1)
        agree.set(.zip, 1)
        #expect(w.logOdds(agree.pattern) > 0)
    }
}

@Suite("Hard negatives at one address")
struct HardNegativeTests {
    func pattern(name: Int, address: Int, zip: Int, city: Int = 0) -> UInt32 {
        var c = Comparison.empty
        c.set(.name, name)
        c.set(.address, address)
        c.set(.zip, zip)
        if city > 0 { c.set(.city, city) }
        return c.pattern
    }

    /// Where addresses are shared, two names that differ take the place's evidence away;
    /// where none is (FEBRL), they do not.
    @Test func namesThatDifferOutweighAnEqualAddress() {
        let shared = MatchWeights(m: MatchWeights.prior.m, u: MatchWeights.prior.u, matchShare: 0.05, model: .prior)
        var alone = shared
        alone.placesAreShared = false
        let strangers = pattern(name: Comparison.nameDifferent, address: 1, zip: 1, city: 1)
        let household = pattern(name: Comparison.nameSharedOtherDiffers, address: 1, zip: 1, city: 1)
        #expect(shared.scored(strangers) == pattern(name: Comparison.nameDifferent, address: 0, zip: 0))
        #expect(shared.scored(household) == pattern(name: Comparison.nameSharedOtherDiffers, address: 0, zip: 0))
        #expect(Scorer.probability(logOdds: shared.logOdds(strangers)) < 0.01)
        #expect(alone.logOdds(strangers) > shared.logOdds(strangers) + 10, "the address, ZIP code and city: 10 bits")
        // Against the pair, the place still counts; the name's agreement is untouched.
        let moved = pattern(name: Comparison.nameDifferent, address: 6, zip: 3)
        #expect(shared.scored(moved) == moved)
        let typo = pattern(name: 2, address: 1, zip: 1)
        #expect(shared.scored(typo) == typo)
        // The same street and number in another town is another place.
        let elsewhere = pattern(name: 1, address: 1, zip: 3)
        #expect(shared.scored(elsewhere) == pattern(name: 1, address: 0, zip: 3))
        #expect(shared.scored(pattern(name: 1, address: 1, zip: 3, city: 1)) == pattern(name: 1, address: 1, zip: 3, city: 1))
    }

    /// A name alone is at best even odds: offered for one customer, never paired at 0.7.
    @Test func aNameAloneIsNotEnough() {
        let w = MatchWeights(m: MatchWeights.prior.m, u: MatchWeights.prior.u, matchShare: 0.05, model: .prior)
        #expect(w.logOdds(pattern(name: 1, address: 0, zip: 0)) == 0)
        #expect(w.logOdds(pattern(name: 1, address: 0, zip: 1)) > 0)
        #expect(w.logOdds(pattern(name: Comparison.nameDifferent, address: 0, zip: 0)) < 0)
    }

    /// A likeness of the whole names can hide a first name that differs in a household.
    @Test func aHouseholdIsNotATypo() {
        func level(_ a: String, _ b: String) -> Int {
            Comparison(MatchRecord(id: 1, side: .local, fields: CustomerFields(name: a)),
                       MatchRecord(id: 2, side: .remote, fields: CustomerFields(name: b))).level(.name)
        }
        #expect(level("Christian Funk", "Kristine Funk") == Comparison.nameSharedOtherDiffers)
        #expect(level("Maximilian Albers", "Maximilian Hammer") == Comparison.nameSharedOtherDiffers)
        #expect(level("Jonathan Smith", "Jonathon Smith") <= 2)
    }

    /// The reasons show what the score counted: a place set aside weighs 0.
    @Test func theReasonsShowAPlaceSetAside() {
        let a = MatchRecord(id: 1, side: .local, fields: CustomerFields(name: "Atlantic Services", address: "Havnegade 3", zip: "8000", city: "Aarhus C"))
        let b = MatchRecord(id: 2, side: .remote, fields: CustomerFields(name: "Summit Technologies", address: "Havnegade 3", zip: "8000", city: "Aarhus C"))
        let match = Scorer.compare(a, b)
        #expect(match.reasons.first { $0.field == .address }?.weight == 0)
        #expect(match.reasons.first { $0.field == .address }?.level == "equal")
        #expect(match.score < 0.01)
    }

    /// Customers of one register at one address under other names, counted per register.
    @Test func sharedAddressesAreCountedWithinARegister() {
        func record(_ id: Int64, _ side: Side, _ name: String, _ address: String, zip: String = "8000") -> MatchRecord {
            MatchRecord(id: id, side: side, fields: CustomerFields(name: name, address: address, zip: zip, city: "Aarhus"))
        }
        let locals = [record(1, .local, "Jensens Auto", "Havnegade 3"), record(2, .local, "Bageriet", "Havnegade 3"),
                      record(3, .local, "Jensens Auto", "Vestergade 1"), record(4, .local, "Jensens Auto", "Vestergade 1"),
                      record(5, .local, "Lise Kjær", "Havnegade 3", zip: "8600")]
        #expect(MatchIndex.customersSharingAnAddress(locals) == 2)
        // One customer a side at one address is no shared address.
        let index = MatchIndex(records: [record(1, .local, "A", "Havnegade 3"), record(2, .remote, "B", "Havnegade 3")])
        #expect(index.sharedAddresses == 0)
        #expect(index.weights.placesAreShared == false)
    }

    /// A shared rare word says more than a shared common one.
    @Test func aRareSharedWordWeighsMore() {
        // Forty surnames borne twice each, ten given names eight times each, and "Jensen" by
        // ten customers alone.
        var records: [MatchRecord] = []
        let given = ["anne", "bo", "carl", "dorte", "erik", "frida", "gustav", "hanne", "ib", "jette"]
        for i in 0..<80 {
            let surname = "S" + String(repeating: "x", count: i / 2 % 8) + given[i / 16 % 10]
            records.append(MatchRecord(id: Int64(i), side: i % 2 == 0 ? .local : .remote,
                                       fields: CustomerFields(name: "\(given[i % 10]) \(surname)", address: "Vej \(i)", zip: "8000")))
        }
        for i in 0..<10 {
            records.append(MatchRecord(id: Int64(200 + i), side: i % 2 == 0 ? .local : .remote,
                                       fields: CustomerFields(name: "Jensen", address: "Gade \(i)", zip: "8000")))
        }
        records.append(MatchRecord(id: 100, side: .local, fields: CustomerFields(name: "Anne Thorsø", zip: "8000")))
        records.append(MatchRecord(id: 101, side: .remote, fields: CustomerFields(name: "Thorsø", zip: "8000")))
        let index = MatchIndex(records: records, estimate: false)
        let common = index.sharedWordFrequencyBits(NameKey("Anne Jensen"), NameKey("Jensen"))
        let rare = index.sharedWordFrequencyBits(NameKey("Anne Thorsø"), NameKey("Thorsø"))
        #expect(common < rare - 0.5, "common \(common), rare \(rare)")
        #expect(rare <= 0)
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
        // With 1 taken, 2 is the next best (same name and ZIP code, no CVR; three of the four
        // bear the name, so it weighs little here).
        #expect(index.pairing(minScore: 0.01) { $0 != 1 }.map { [$0.localId, $0.remoteId] } == [[2, 3]])
        // With both eligible, 2 is 1's rival for 3: 1's CVR leaves it almost nothing.
        #expect(index.pairing(minScore: 0.01) { _ in true }.map { [$0.localId, $0.remoteId] } == [[1, 3]])
    }

    /// An equal name weighs less the more customers bear it; a rare one keeps its level's
    /// weight.
    @Test func aCommonNameWeighsLess() {
        var records: [MatchRecord] = []
        var id: Int64 = 0
        func add(_ side: Side, _ name: String, _ zip: String) {
            id += 1
            records.append(MatchRecord(id: id, side: side, fields: CustomerFields(name: name, zip: zip)))
        }
        for i in 0..<40 {
            add(.local, "Person Nummer\(i)", String(2000 + i))
            add(.remote, "Person Nummer\(i)", String(2000 + i))
        }
        for zip in ["8000", "8200", "8210", "8220"] { add(.local, "Anne Jensen", zip) }
        for zip in ["8000", "8200", "8230"] { add(.remote, "Anne Jensen", zip) }
        let index = MatchIndex(records: records)
        let rare = index.compare(records[0], records[1])
        let common = index.compare(records[80], records[84])  // Anne Jensen, 8000 on both sides
        let rareName = rare.reasons.first { $0.field == .name }!, commonName = common.reasons.first { $0.field == .name }!
        #expect(rareName.level == "equal" && commonName.level == "equal")
        #expect(index.nameFrequencyBits(2) == 0)
        #expect(index.nameFrequencyBits(7) < -1)
        #expect(commonName.weight < rareName.weight - 1)
        #expect(common.score <= rare.score)
    }

    /// Two customers of one side that look alike share one partner's likelihood: neither
    /// pair is suggested as likely when the other is as likely.
    @Test func rivalsShareTheirPartner() {
        let local = MatchRecord(id: 1, side: .local, fields: CustomerFields(name: "Scott Cooper", address: "9244 Copper Rd", zip: "85001", city: "Seattle"))
        let twin = MatchRecord(id: 2, side: .local, fields: CustomerFields(name: "Scott Cooper", address: "9244 Copper Rd", zip: "85001", city: "Seattle"))
        let remote = MatchRecord(id: 3, side: .remote, fields: CustomerFields(name: "Scott Cooper", address: "9244 Copper Rd", zip: "85001", city: "Seattle"))
        var filler: [MatchRecord] = []
        for i in 0..<30 {
            let fields = CustomerFields(name: "Kunde \(i) Hansen", address: "Vej \(i)", zip: String(3000 + i))
            filler.append(MatchRecord(id: Int64(10 + 2 * i), side: .local, fields: fields))
            filler.append(MatchRecord(id: Int64(11 + 2 * i), side: .remote, fields: fields))
        }
        let alone = MatchIndex(records: [local, remote] + filler)
        let both = MatchIndex(records: [local, twin, remote] + filler)
        let single = alone.suggestions(for: remote, eligible: { _ in true }, limit: 5)
        #expect(single.first?.0.id == 1 && single.first!.1.score > 0.9 && single.first!.1.rivals == 0)
        let shared = both.suggestions(for: remote, eligible: { _ in true }, limit: 5)
        #expect(shared.count == 2 && shared.allSatisfy { $0.1.score <= 0.5 && $0.1.rivals == 1 && $0.1.rivalWeight < -0.9 })
        // The pairing weighs them alike, and one taken leaves the other alone again.
        #expect(both.pairing(minScore: 0.7) { _ in true }.allSatisfy { $0.remoteId != 3 })
        let left = both.pairing(minScore: 0.7) { $0 != 1 }.first { $0.remoteId == 3 }
        #expect(left?.localId == 2 && left!.match.score > 0.9)
        // The score a pairing gives is the score suggestPartners gives.
        let pairScore = both.pairing(minScore: 0.01) { _ in true }.first { $0.remoteId == 3 }?.match.score
        #expect(pairScore == shared.first?.1.score)
    }

    @Test func blockingFindsTyposInTheFirstLetters() {
        let a = MatchRecord(id: 1, side: .local, fields: CustomerFields(name: "Kontorhuset Vest", address: "Vestergade 100", zip: "7400"))
        let b = MatchRecord(id: 2, side: .remote, fields: CustomerFields(name: "Kontrohuset Vest", address: "Vestergade 100", zip: "7400"))
        #expect(MatchIndex(records: [a, b]).candidates(for: a).map(\.id) == [2])
    }

    /// A word sixty customers a side share is no reason to compare all of them: each meets
    /// its neighbours in name order, `window` on either hand, per key it shares.
    @Test func aCommonWordMeetsOnlyItsNeighbours() {
        var records: [MatchRecord] = []
        for i in 0..<60 {
            records.append(MatchRecord(id: Int64(i * 2 + 1), side: .local, fields: CustomerFields(name: "Rengøring \(i)", zip: String(1000 + i))))
            records.append(MatchRecord(id: Int64(i * 2 + 2), side: .remote, fields: CustomerFields(name: "Rengøring X\(i)", zip: String(5000 + i))))
        }
        let index = MatchIndex(records: records, maxBucket: 40)
        let met = index.candidates(for: records[0])
        #expect(!met.isEmpty && met.count <= 2 * index.window * records[0].blockingKeys.count)
        #expect(met.count < 60)
    }

    /// A customer the index does not hold as it is (changed since it was built) finds its
    /// place in a large bucket by its key; a held one by its rank. Both places are the same:
    /// with an e-mail added (a key that pairs nobody), every customer meets the same others.
    @Test func aChangedCustomerMeetsTheNeighboursItsRankWouldGive() {
        var records: [MatchRecord] = []
        var fields: [Int64: CustomerFields] = [:]
        let streets = ["Vestergade", "Østergade", "Møllevej", "Skovvej"]
        for i in 0..<80 {
            for side in [Side.local, .remote] {
                let id = Int64(records.count + 1)
                let f = CustomerFields(name: "Rengøring \(["Anne", "Bo", "Åse", "Ib"][i % 4]) \(i % 7 == 0 ? "Jensen" : "Hansen \(i)")",
                                       address: "\(streets[(i + (side == .local ? 0 : 1)) % 4]) \(i % 9 + 1)", zip: "8000")
                fields[id] = f
                records.append(MatchRecord(id: id, side: side, fields: f))
            }
        }
        let index = MatchIndex(records: records, maxBucket: 4, window: 2)
        for record in records {
            var changed = fields[record.id]!
            changed.email = "ny\(record.id)@example.dk"
            let held = index.candidates(for: record).map(\.id)
            #expect(!held.isEmpty)
            #expect(Set(index.candidates(for: MatchRecord(id: record.id, side: record.side, fields: changed)).map(\.id)) == Set(held), "\(record.id)")
        }
    }

    /// A suggestion makes its reasons when asked (`match`): they give the score it was
    /// ordered and cut by, with rivals and without.
    @Test func aSuggestionsReasonsGiveTheScoreItWasOrderedBy() {
        var records: [MatchRecord] = []
        for i in 0..<60 {
            let fields = CustomerFields(name: "Kunde \(["Anne", "Bo", "Åse"][i % 3]) Nr\(i)", address: "Vestergade \(i + 1)", zip: "8000", city: "Aarhus C")
            records.append(MatchRecord(id: Int64(4 * i + 1), side: .local, fields: fields))
            if i % 2 == 0 { records.append(MatchRecord(id: Int64(4 * i + 2), side: .remote, fields: fields)) }
            if i % 3 == 0 {
                var rival = fields
                rival.address = "Vestergade \(i + 2)"
                records.append(MatchRecord(id: Int64(4 * i + 3), side: .remote, fields: rival))
            }
        }
        let alone = CustomerFields(name: "Glarmester Ødum", address: "Torvet 1", zip: "9990", city: "Skagen", cvr: "25043235")
        records += [MatchRecord(id: 1000, side: .local, fields: alone), MatchRecord(id: 1001, side: .remote, fields: alone)]
        let pairs = MatchIndex(records: records, estimate: false).pairing(minScore: 0.01) { _ in true }
        #expect(pairs.count > 20)
        #expect(pairs.allSatisfy { $0.match.score == $0.score && !$0.match.reasons.isEmpty })
        #expect(pairs.contains { $0.match.rivals > 0 } && pairs.contains { $0.match.rivals == 0 })
        #expect(zip(pairs, pairs.dropFirst()).allSatisfy { $0.score >= $1.score })
    }

    /// Every key family survives one corrupted field: a changed ZIP code, a replaced first
    /// name, a street typo with a missing number each still meet.
    @Test func blockingSurvivesOneCorruptedField() {
        let a = MatchRecord(id: 1, side: .local, fields: CustomerFields(name: "Holly Leong", address: "219 Kambalda Crescent", zip: "5076", city: "Norton Summit"))
        for (id, fields) in [
            (2, CustomerFields(name: "Holly Leong", address: "219 Kambalda Crescent", zip: "5067", city: "Norton Summit")),
            (3, CustomerFields(name: "Annika Leong", address: "219 Kambalda Crescent", zip: "5076", city: "Norton Summit")),
            (4, CustomerFields(name: "Holly Leong", address: "Kambalda Cresent", zip: "5706", city: "Nortn Summit")),
        ] {
            let b = MatchRecord(id: Int64(id), side: .remote, fields: fields)
            #expect(MatchIndex(records: [a, b]).candidates(for: a).map(\.id) == [Int64(id)], "\(fields)")
        }
        #expect(Phonetic.code("madsen") == Phonetic.code("matsen"))
        #expect(Phonetic.code("kristensen") == "k623")
    }
}

@Suite("Folding for search")
struct SearchFoldingTests {
    func folded(_ value: String, symbols: Bool) -> String {
        var out: [UInt8] = []
        Fold.append(value, to: &out, keepingSymbols: symbols)
        return String(decoding: out, as: UTF8.self)
    }

    func scalarByScalar(_ value: String, symbols: Bool) -> String {
        var out: [UInt8] = []
        Fold.appendScalars(value, to: &out, keepingSymbols: symbols)
        return String(decoding: out, as: UTF8.self)
    }

    /// The byte path (ASCII and Latin-1 letters) and the scalar path fold alike, with symbols
    /// kept or not, from a String or from its bytes, in front of text already folded.
    @Test(arguments: ["Store Kongensgade 40, 3. th.", "kontakt@oersted.dk", "+45 86 12 34 56", "A=B|C~D$E<F>G", "  -- ", "Æble € 5 + 6", "Ærø $ ÅÅ",
                      "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞß", "àáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ", "Ca\u{30A}fe\u{301}", "^`_[]{}\\", "a\u{0}b", "Ｐ Р ο"])
    func bothPathsAgree(_ value: String) {
        for symbols in [false, true] {
            let expected = scalarByScalar(value, symbols: symbols)
            #expect(folded(value, symbols: symbols) == expected, "\(value)")
            var out = Array("x y".utf8)
            Array(value.utf8).withUnsafeBufferPointer { Fold.append(utf8: $0, to: &out, keepingSymbols: symbols) }
            #expect(out == Array("x y".utf8) + Array(expected.utf8), "\(value)")
        }
        #expect(folded("A=B+C", symbols: false) == "a b c")
        #expect(folded("A=B+C", symbols: true) == "a = b + c")
        #expect(folded("Pris: 100 €", symbols: true) == "pris 100 €")
        #expect(folded("Pris: 100 €", symbols: false) == "pris 100")
    }
}
