import SyncCore
import Testing

/// What a push may send and what the remote register is taken to hold after it.
@Suite("Push rules")
struct PushRulesTests {
    func fields(_ values: [SyncField: String]) -> CustomerFields {
        var f = CustomerFields()
        for (field, value) in values { f[field] = value }
        return f
    }

    @Test func aFieldTheSystemChangedMeanwhileKeepsWhatWeSawLast() {
        let ours = fields([.name: "Ny ApS", .city: "Vejle"])
        let seen = fields([.name: "Gammel ApS", .city: "Odense"])
        // The city was skipped: the system held something else than we had seen.
        #expect(PushRules.sent(ours, seen: seen, skipped: [.city]) == fields([.name: "Ny ApS", .city: "Odense"]))
        #expect(PushRules.sent(ours, seen: seen, skipped: []) == ours)
        // A customer created there: all of ours.
        #expect(PushRules.sent(ours, seen: nil, skipped: [.city]) == ours)
    }

    @Test func theSystemsCopyIsReadBackWhenItDiffersOrChangedMeanwhile() {
        let sent = fields([.name: "A", .country: nil ?? "DK"])
        #expect(!PushRules.needsReadBack(held: sent, sent: sent, metChange: false))
        #expect(PushRules.needsReadBack(held: sent, sent: sent, metChange: true))
        #expect(PushRules.needsReadBack(held: fields([.name: "A", .country: "DK", .ean: "5790000000000"]), sent: sent, metChange: false))
        #expect(!PushRules.needsReadBack(held: nil, sent: sent, metChange: true), "nothing answered: nothing to read")
    }

    @Test func aValueLongerThanTheSystemHoldsIsNamed() {
        #expect(PushRules.tooLong([.name: String(repeating: "x", count: 256)], limits: [.name: 255], system: "e-conomic")
                == "name is 256 characters long; e-conomic holds at most 255")
        #expect(PushRules.tooLong([.name: "kort"], limits: [.name: 255], system: "e-conomic") == nil)
        #expect(PushRules.tooLong([.name: nil], limits: [.name: 1], system: "e-conomic") == nil)
    }
}
