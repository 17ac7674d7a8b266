import SyncCore
import Testing

/// Rules that fit the world: countries read from CLDR's names, a CVR that is Danish only when
/// it is, several e-mail addresses, and no copy into the local register that breaks its rules.
@Suite("Rules that fit the world")
struct WorldRulesTests {
    @Test(arguments: [("Danmark", "DK"), ("Denmark", "DK"), ("DK", "DK"), ("dk", "DK"), ("Sverige", "SE"), ("Sweden", "SE"),
                      ("Tyskland", "DE"), ("Deutschland", "DE"), ("Norge", "NO"), ("Færøerne", "FO"), ("Faroe Islands", "FO"),
                      ("grønland", "GL"), ("Storbritannien", "GB"), ("UK", "GB"), ("United Kingdom", "GB"), ("Holland", "NL"),
                      ("Nederlandene", "NL"), ("U.S.A.", "US"), ("USA", "US"), ("  united   states ", "US"), ("Tjekkiet", "CZ"),
                      ("Czechia", "CZ"), ("Åland", "AX"), ("Island", "IS")])
    func countriesAreReadByTheirNamesAndCodes(_ text: String, _ code: String) {
        #expect(Country.code(text) == code)
        #expect(Country.normalize(text) == code)
    }

    @Test func anUnknownCountryIsKeptAsTextAndBreaksTheRule() {
        for text in ["Atlantis", "XX", "EU", "Scandinavia"] {
            #expect(Country.code(text) == nil, "\(text)")
            #expect(Country.normalize(text) == text)
            #expect(FieldRules.violation(.country, text) != nil)
        }
        #expect(FieldRules.violation(.country, "SE") == nil)
        #expect(Country.codes.count > 240)
    }

    @Test func namesAreWrittenInTheSystemsLanguage() {
        #expect(Country.danishName("SE") == "Sverige")
        #expect(Country.danishName("DE") == "Tyskland")
        #expect(Country.name("SE", language: "en") == "Sweden")
        #expect(Country.danishName("Atlantis") == "Atlantis")
        for code in Country.codes { #expect(Country.code(Country.danishName(code)) == code, "\(code) round trip") }
    }

    @Test func theEuropeanUnionIsCLDRs() {
        #expect(Country.europeanUnion.count == 27)
        #expect(Country.europeanUnion.isSuperset(of: ["DK", "SE", "DE", "GR", "IE"]))
        #expect(Country.europeanUnion.isDisjoint(with: ["NO", "GB", "GL", "FO", "CH", "US"]))
    }

    @Test func aForeignVATNumberIsText() {
        // Another prefix, or a customer in another country: no modulus 11.
        #expect(FieldRules.violations(in: CustomerFields(name: "A", country: "SE", cvr: "SE556677889901")).isEmpty)
        #expect(FieldRules.violations(in: CustomerFields(name: "A", cvr: "DE123456789")).isEmpty)
        #expect(FieldRules.violations(in: CustomerFields(name: "A", country: "NO", cvr: "923609016")).isEmpty)
        // A Danish one still gets it: in Denmark, of no country, or with DK before it.
        #expect(FieldRules.violations(in: CustomerFields(name: "A", country: "DK", cvr: "12345678")).map(\.field) == ["cvr"])
        #expect(FieldRules.violations(in: CustomerFields(name: "A", cvr: "12345678")).map(\.field) == ["cvr"])
        #expect(FieldRules.violations(in: CustomerFields(name: "A", country: "SE", cvr: "DK12345678")).map(\.field) == ["cvr"])
        #expect(FieldRules.violations(in: CustomerFields(name: "A", country: "DK", cvr: "DK 25 04 32 35")).isEmpty)
        // Text has a bound: e-conomic's 40.
        #expect(FieldRules.violation(.cvr, "SE" + String(repeating: "1", count: 39), country: "SE") != nil)
    }

    @Test func anEmailFieldMayHoldSeveralAddresses() {
        for value in ["a@b.dk c@d.dk", "a@b.dk, c@d.dk", "a@b.dk;c@d.dk", "a@b.dk ; c@d.dk"] {
            #expect(FieldRules.violation(.email, value) == nil, "\(value)")
        }
        #expect(FieldRules.violation(.email, "a@b.dk nope")?.contains("'nope'") == true)
        #expect(FieldRules.violation(.email, "not an address") == "'not an address' is not an e-mail address")
        #expect(Normalize.comparable(.email, "A@B.dk;c@d.DK") == Normalize.comparable(.email, "a@b.dk c@d.dk"))
    }

    @Test func aRemoteValueThatBreaksALocalRuleIsNotCopiedButLeftInConflict() {
        let long = String(repeating: "n", count: 180)
        let base: Base = [.name: "Kunde", .city: "Aarhus", .country: "DK"]
        let local = CustomerFields(name: "Kunde", city: "Aarhus", country: "DK")
        let remote = CustomerFields(name: .some(long), city: "Odense", country: "Atlantis")
        let merged = ThreeWay.merge(base: base, local: local, remote: remote, edited: ([], [.name, .city, .country]))
        #expect(merged.local.city == "Odense", "a value that fits is copied")
        #expect(merged.copiedToLocal == [.city])
        #expect(merged.local.name == "Kunde" && merged.local.country == "DK", "never cut, never copied broken")
        #expect(merged.conflicts == [.name, .country])
        #expect(merged.base[.name] == .some("Kunde"))
        // A country copy that would put a Swedish VAT number under Danish rules is held back too.
        let vat = ThreeWay.merge(base: [.name: "A", .country: "SE", .cvr: "12345678"],
                                 local: CustomerFields(name: "A", country: "SE", cvr: "12345678"),
                                 remote: CustomerFields(name: "A", country: "DK", cvr: "12345678"), edited: ([], [.country]))
        #expect(vat.local.country == "SE")
        #expect(vat.conflicts == [.country])
    }

    @Test func aRemoteCustomerCarriesWarningsALocalOneNone() {
        let fields = CustomerFields(name: .some(String(repeating: "n", count: 101)), country: "Atlantis")
        let remote = Customer(id: 1, side: .remote, number: "1", fields: fields, state: .unsynced, linkId: nil, version: 1)
        #expect(remote.warnings.map(\.field) == ["name", "country"])
        var local = remote
        local.side = .local
        #expect(local.warnings.isEmpty)
    }
}
