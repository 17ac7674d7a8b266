@testable import SyncCore
import Testing

@Suite("Normalisation and comparison")
struct NormalizeTests {
    @Test(arguments: [
        (SyncField.name, "  Bageriet   Ørsted  ApS ", "Bageriet Ørsted ApS"),
        (.email, "Kontakt@Bageriet-Oersted.DK", "kontakt@bageriet-oersted.dk"),
        (.phone, "+45 86 12 34 56", "86123456"),
        (.phone, "0045 86 12 34 56", "86123456"),
        (.phone, "86-12-34-56", "86123456"),
        (.phone, "(+45) 8612 3456", "86123456"),
        (.cvr, "DK 25 04 32 35", "25043235"),
        (.ean, "5790 0015 27525", "5790001527525"),
        (.address, "Store\tKongensgade  40,\u{00A0}3. th", "Store Kongensgade 40, 3. th"),
    ])
    func comparableForm(field: SyncField, raw: String, expected: String) {
        #expect(Normalize.comparable(field, raw) == expected)
    }

    @Test func blankIsNil() {
        #expect(Normalize.comparable(.name, "   ") == nil)
        #expect(Normalize.comparable(.phone, "+45") == nil)
        #expect(Normalize.clean(" \t") == nil)
        #expect(Normalize.clean("  x ") == "x")
    }

    @Test func casingMattersOutsideEmail() {
        #expect(Normalize.comparable(.name, "Café Møllen") != Normalize.comparable(.name, "café møllen"))
    }

    @Test func phonePrefixOnlyAtTheStart() {
        // 45 inside a number is not a prefix; a number starting 45 without + is kept.
        #expect(Normalize.phoneDigits("45 12 34 56") == "45123456")
        #expect(Normalize.phoneDigits("+45 45 12 34 56") == "45123456")
        #expect(Normalize.phoneDigits("+46 8 123 456") == "468123456")
    }

    @Test func conflictsListDifferingFieldsWithRawValues() {
        let local = CustomerFields(name: "Jensens Auto", address: "Industrivej 44", email: "a@b.dk", phone: "66 15 22 33", cvr: "25052846")
        let remote = CustomerFields(name: "Jensens Auto ApS", address: " Industrivej  44", email: "A@B.DK", phone: "+4566152233", cvr: "DK25052846")
        #expect(CustomerFields.conflicts(local: local, remote: remote) == [FieldConflict(field: .name, local: "Jensens Auto", remote: "Jensens Auto ApS")])
    }

    @Test func emptyAgainstValueIsAConflict() {
        let conflicts = CustomerFields.conflicts(local: CustomerFields(name: "A", contact: nil), remote: CustomerFields(name: "A", contact: "Bo"))
        #expect(conflicts == [FieldConflict(field: .contact, local: nil, remote: "Bo")])
    }
}

@Suite("Customer numbers")
struct CustomerNumberTests {
    @Test(arguments: ["1", "1001", "K1001", "ABCDEFGHIJ", "Ø12", "zZ09", "ÆØÅæøåÉü1"])
    func validLocal(_ n: String) { #expect(CustomerNumber.canonical(n, side: .local) == n) }

    @Test(arguments: ["", "ABCDEFGHIJK", "K-100", "10 01", "1.5", "K@1", "K[1", "ÆØÅÆØÅÆØÅÆØ", "１２"])
    func invalidLocal(_ n: String) { #expect(CustomerNumber.canonical(n, side: .local) == nil) }

    @Test func remoteNumbersAreWholeNumbers() {
        #expect(CustomerNumber.canonical("1", side: .remote) == "1")
        #expect(CustomerNumber.canonical("999999999", side: .remote) == "999999999")
        #expect(CustomerNumber.canonical("0042", side: .remote) == "42")
        #expect(CustomerNumber.canonical(" 42 ", side: .remote) == "42")
        for bad in ["0", "1000000000", "-1", "K1", "1.0", "", "99999999999999999999"] {
            #expect(CustomerNumber.canonical(bad, side: .remote) == nil, "\(bad)")
        }
    }

    @Test func nextFree() {
        #expect(CustomerNumber.nextFree(highestInUse: nil, side: .remote) == "1")
        #expect(CustomerNumber.nextFree(highestInUse: 1012, side: .local) == "1013")
        #expect(CustomerNumber.nextFree(highestInUse: 999_999_999, side: .remote) == nil)
        #expect(CustomerNumber.nextFree(highestInUse: 9_999_999_999, side: .local) == nil)
    }
}

@Suite("Field rules")
struct FieldRulesTests {
    @Test(arguments: ["25043235", "25051831", "25148630", "DK25043235", "25 04 32 35"])
    func validCVR(_ cvr: String) { #expect(FieldRules.violation(.cvr, cvr) == nil) }

    @Test(arguments: ["25043236", "2504323", "250432351", "DKABCDEF", "05043235", "DK 2504323"])
    func invalidCVR(_ cvr: String) { #expect(FieldRules.violation(.cvr, cvr) != nil) }

    @Test(arguments: ["5790001527525", "5790004392977", "5790000000005"])
    func validEAN(_ ean: String) { #expect(FieldRules.violation(.ean, ean) == nil) }

    @Test(arguments: ["5790001527526", "579000152752", "57900015275250", "579000152752X"])
    func invalidEAN(_ ean: String) { #expect(FieldRules.violation(.ean, ean) != nil) }

    @Test(arguments: ["a@b.dk", "kontakt@bageriet-oersted.dk", "first.last+tag@sub.example.com"])
    func validEmail(_ e: String) { #expect(FieldRules.violation(.email, e) == nil) }

    @Test(arguments: ["a@b", "@b.dk", "a b@c.dk", "a@@b.dk", "a@b..dk", "plain"])
    func invalidEmail(_ e: String) { #expect(FieldRules.violation(.email, e) != nil) }

    @Test func lengthsAndCountry() {
        #expect(FieldRules.violation(.name, String(repeating: "x", count: 100)) == nil)
        #expect(FieldRules.violation(.name, String(repeating: "x", count: 101)) != nil)
        #expect(FieldRules.violation(.address, String(repeating: "æ", count: 101)) != nil)
        #expect(FieldRules.violation(.zip, "12345678901") != nil)
        #expect(FieldRules.violation(.city, String(repeating: "c", count: 31)) != nil)
        #expect(FieldRules.violation(.country, "DK") == nil)
        #expect(FieldRules.violation(.country, "Danmark") != nil)
        #expect(FieldRules.violation(.country, "D1") != nil)
    }

    @Test func nameIsRequired() {
        #expect(FieldRules.violations(in: CustomerFields(name: nil)).map(\.field) == ["name"])
        #expect(FieldRules.violations(in: CustomerFields(name: "A")).isEmpty)
    }
}

@Suite("Identifiers")
struct IdentifierTests {
    @Test func roundTrip() {
        #expect(CustomerID.parse(CustomerID.format(17)) == 17)
        #expect(LinkID.parse(LinkID.format(5)) == 5)
        for bad in ["17", "c", "c0", "c-1", "c017", "C17", "L5", "c1x"] { #expect(CustomerID.parse(bad) == nil, "\(bad)") }
        #expect(LinkID.parse("c5") == nil)
    }
}

/// The rules' byte-level paths (ASCII digits and control characters read as bytes) against
/// values chosen at their edges.
@Suite("Field rules, byte by byte")
struct FieldRuleBytesTests {
    @Test func cvrModulus11() {
        #expect(FieldRules.violation(.cvr, "25052846") == nil)
        #expect(FieldRules.violation(.cvr, "DK 25 05 28 46") == nil)
        #expect(FieldRules.violation(.cvr, "25052847")?.contains("modulus-11") == true)
        #expect(FieldRules.violation(.cvr, "05052846") != nil, "a CVR never starts with 0")
        #expect(FieldRules.violation(.cvr, "2505284") != nil)
        #expect(FieldRules.violation(.cvr, "２５０５２８４６") != nil, "full-width digits are no CVR")
        #expect(!FieldRules.isValidCVR("2505284x"))
    }

    @Test func eanCheckDigit() {
        #expect(FieldRules.violation(.ean, "5790000000005") == nil)
        #expect(FieldRules.violation(.ean, "5790000000006")?.contains("check digit") == true)
        #expect(!FieldRules.isValidGTIN("579000000012٨"))
    }

    @Test func controlCharactersFoundAmongAnyText() {
        #expect(FieldRules.violation(.name, "Søren\u{1}Ærø")?.contains("U+0001") == true)
        #expect(FieldRules.violation(.name, "Ærø\u{7F}")?.contains("U+007F") == true)
        #expect(FieldRules.violation(.name, "Søren\tÆrø\r\n") == nil)
        #expect(FieldRules.violation(.name, "Søren \u{85} Ærø") == nil, "only C0 controls and DEL are refused, as before")
        #expect(FieldRules.controlCharacter(in: String(decoding: [0x41, 0x00, 0x42], as: UTF8.self), name: "x")?.contains("U+0000") == true)
    }
}
