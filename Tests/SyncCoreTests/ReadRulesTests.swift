import SyncCore
import Testing

/// A row read again: which fields it changes, which are contested, what stays pending.
@Suite("Read rules")
struct ReadRulesTests {
    func fields(_ values: [SyncField: String]) -> CustomerFields {
        var f = CustomerFields()
        for (field, value) in values { f[field] = value }
        return f
    }

    @Test func nothingKnownTakesEveryValueRead() {
        let read = fields([.name: "A", .city: "Vejle"])
        let out = ReadRules.apply(read: read, current: fields([.name: "B"]), seen: nil, pending: true)
        #expect(out.values == read && out.contested.isEmpty)
        #expect(!out.pending && out.seen == nil, "the register shows all we hold: nothing to send")
    }

    @Test func aStaleRowNeverRevertsAValueSetSince() {
        // We changed the city to Nyborg (pending); the file still says Odense, as last seen.
        let out = ReadRules.apply(read: fields([.name: "A", .city: "Odense"]), current: fields([.name: "A", .city: "Nyborg"]),
                                  seen: [.name: "A", .city: "Odense"], pending: true)
        #expect(out.values[.city] == "Nyborg")
        #expect(out.pending, "Nyborg still has to reach the register")
        #expect(out.seen == fields([.name: "A", .city: "Odense"]))
        #expect(out.contested.isEmpty)
    }

    @Test func aThirdValueOverAPendingOneIsContested() {
        let out = ReadRules.apply(read: fields([.city: "Faaborg"]), current: fields([.city: "Nyborg"]), seen: [.city: "Odense"], pending: true)
        #expect(out.values[.city] == "Faaborg")
        #expect(out.contested == [.city: .some("Odense")], "the base for the link: what both sides had agreed on")
    }

    @Test func theRegisterCatchingUpClearsPending() {
        let out = ReadRules.apply(read: fields([.city: "Nyborg"]), current: fields([.city: "Nyborg"]), seen: [.city: "Odense"], pending: true)
        #expect(!out.pending && out.seen == nil && out.contested.isEmpty)
    }
}
