import SyncCore
import Testing

/// `createAllPartners`' numbering, decided before anything is written.
@Suite("Partner plans")
struct PartnerPlanTests {
    func plan(_ sources: [(Int64, String?)], _ numbering: Numbering, target: Side = .remote, taken: Set<String> = []) -> PartnerPlan {
        PartnerPlan(sources: sources.map { (id: $0.0, number: $0.1) }, target: target, numbering: numbering, taken: taken)
    }

    @Test func keepGivesEachItsOwnNumberInTheTargetsFormOrSkipsIt() {
        let p = plan([(1, "0042"), (2, "K7"), (3, "7"), (4, nil), (5, "42")], .keep, taken: ["7"])
        #expect(p.entries == [.init(source: 0, number: "42")])
        #expect(p.skipped.map(\.customerId) == [2, 3, 4, 5])
        #expect(p.skipped.map(\.reason) == [.invalidNumber, .numberTaken, .invalidNumber, .numberTaken])
    }

    @Test func sequencePassesOverTakenNumbersAndStopsAtTheEndOfTheRange() {
        let p = plan([(1, nil), (2, nil), (3, nil)], .sequence(start: 10), taken: ["11"])
        #expect(p.entries.map(\.number) == ["10", "12", "13"])
        #expect(p.entries.map(\.source) == [0, 1, 2])
        let end = plan([(1, nil), (2, nil), (3, nil)], .sequence(start: CustomerNumber.remoteMaximum))
        #expect(end.entries.map(\.number) == ["999999999"])
        #expect(end.skipped.map(\.reason) == [.invalidNumber, .invalidNumber])
    }

    @Test func localTargetsKeepLettersAndLeadingZeros() {
        let p = plan([(1, "0042"), (2, "K-7")], .keep, target: .local)
        #expect(p.entries == [.init(source: 0, number: "0042")])
        #expect(p.skipped == [.init(customerId: 2, reason: .invalidNumber)])
    }
}
