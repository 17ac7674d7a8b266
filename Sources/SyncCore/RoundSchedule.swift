import Foundation

/// When automatic sync runs its next round with the accounting system, and whether that round
/// reads everything (`setAutoSync`; the server's `AutoSync` keeps the clock, this is the rule).
public struct RoundSchedule: Sendable, Hashable {
    /// The least and most `everySeconds` and `fullEverySeconds` may be: a round at most every
    /// 5 s (each is at least one request to the system), and at least once a month.
    public static let shortest = 5
    public static let longest = 31 * 24 * 3600
    /// A full pull, which finds deletions, at least this often unless told otherwise.
    public static let defaultFullEvery = 3600
    /// The longest pause after failed rounds, unless the interval itself is longer.
    public static let longestPause = 900

    public var everySeconds: Int
    public var fullEverySeconds: Int

    public init(everySeconds: Int, fullEverySeconds: Int = RoundSchedule.defaultFullEvery) {
        self.everySeconds = everySeconds
        self.fullEverySeconds = fullEverySeconds
    }

    /// The pause before the next round after `failures` failed rounds in a row: the interval
    /// after a good round; after failures it doubles with each one, from the interval up to
    /// `longestPause` (or the interval, if that is longer). A system that is down, answers 429
    /// or refuses the grant is asked again ever less often, never in a tight loop, and at
    /// least every quarter of an hour, so a repair is noticed.
    public func pause(afterFailures failures: Int) -> Int {
        guard failures > 0 else { return everySeconds }
        let cap = max(everySeconds, Self.longestPause)
        var pause = everySeconds
        for _ in 1..<failures where pause < cap { pause *= 2 }
        return min(pause, cap)
    }

    /// Whether the round starting at `now` must be a full pull: none was ever made, or the
    /// last one (by any means: automatic, `pullRemote {full}`, `customer-sync sync --full`)
    /// is `fullEverySeconds` old.
    public func needsFullPull(lastFull: Date?, now: Date) -> Bool {
        guard let lastFull else { return true }
        return now.timeIntervalSince(lastFull) >= Double(fullEverySeconds) - 0.5
    }

    /// When the round after one that started at `started` and ended at `ended` is due: an
    /// interval after the start (a slow round does not push the clock back), yet never before
    /// it ended; after failures, the growing pause counts from the end.
    public func next(started: Date, ended: Date, failures: Int) -> Date {
        if failures > 0 { return ended.addingTimeInterval(Double(pause(afterFailures: failures))) }
        return max(started.addingTimeInterval(Double(everySeconds)), ended)
    }
}
