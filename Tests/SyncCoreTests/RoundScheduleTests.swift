import Foundation
import SyncCore
import Testing

/// When automatic rounds are due (`RoundSchedule`): the interval, the pause after failures,
/// the full pull.
@Suite("Round schedule")
struct RoundScheduleTests {
    @Test func failedRoundsWaitEverLongerUpToAQuarterOfAnHour() {
        let five = RoundSchedule(everySeconds: 5)
        #expect((0...10).map { five.pause(afterFailures: $0) } == [5, 5, 10, 20, 40, 80, 160, 320, 640, 900, 900])
        #expect(five.pause(afterFailures: 10_000) == 900)
        // A long interval is never shortened by failures, nor lengthened past itself.
        let hourly = RoundSchedule(everySeconds: 3600)
        #expect((0...3).map { hourly.pause(afterFailures: $0) } == [3600, 3600, 3600, 3600])
        let ten = RoundSchedule(everySeconds: 600)
        #expect((1...3).map { ten.pause(afterFailures: $0) } == [600, 900, 900])
    }

    @Test func theNextRoundCountsFromTheStartOfAGoodOneAndTheEndOfAFailedOne() {
        let s = RoundSchedule(everySeconds: 60)
        let start = Date(timeIntervalSince1970: 1_000_000)
        #expect(s.next(started: start, ended: start.addingTimeInterval(2), failures: 0) == start.addingTimeInterval(60))
        // A round longer than the interval: the next one right after it, never two at once.
        #expect(s.next(started: start, ended: start.addingTimeInterval(90), failures: 0) == start.addingTimeInterval(90))
        #expect(s.next(started: start, ended: start.addingTimeInterval(2), failures: 2) == start.addingTimeInterval(2 + 120))
    }

    @Test func aFullPullWhenNoneWasMadeOrTheLastIsOldEnough() {
        let s = RoundSchedule(everySeconds: 60, fullEverySeconds: 3600)
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(s.needsFullPull(lastFull: nil, now: now))
        #expect(!s.needsFullPull(lastFull: now.addingTimeInterval(-3000), now: now))
        #expect(s.needsFullPull(lastFull: now.addingTimeInterval(-3600), now: now))
        // Every round full when the two intervals are one.
        let always = RoundSchedule(everySeconds: 60, fullEverySeconds: 60)
        #expect(always.needsFullPull(lastFull: now.addingTimeInterval(-60), now: now))
    }
}
