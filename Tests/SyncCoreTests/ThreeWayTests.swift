import SyncCore
import Testing

/// Normalisation decides conflicts; an edit is still an edit.
@Suite("Three-way merge of respelled values")
struct ThreeWayTests {
    let base: Base = [.name: "A", .phone: "20000002"]
    let local = CustomerFields(name: "A", phone: "+45 20 00 00 02")
    let remote = CustomerFields(name: "A", phone: "20000002")

    @Test func aOneSidedRespellingIsCopied() {
        let merged = ThreeWay.merge(base: base, local: local, remote: remote, edited: ([.phone], []))
        #expect(merged.remote.phone == "+45 20 00 00 02")
        #expect(merged.copiedToRemote == [.phone])
        #expect(merged.conflicts.isEmpty)
    }

    @Test func withoutAnEditTwoSpellingsStayAsTheyAre() {
        let merged = ThreeWay.merge(base: base, local: local, remote: remote)
        #expect(merged.remote.phone == "20000002")
        #expect(merged.local.phone == "+45 20 00 00 02")
        #expect(merged.copiedToRemote.isEmpty && merged.copiedToLocal.isEmpty)
    }

    @Test func theOtherWayRound() {
        let merged = ThreeWay.merge(base: base, local: remote, remote: local, edited: ([], [.phone]))
        #expect(merged.local.phone == "+45 20 00 00 02")
        #expect(merged.copiedToLocal == [.phone])
    }
}
