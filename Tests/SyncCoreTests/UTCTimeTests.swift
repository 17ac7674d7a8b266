import Foundation
import SyncCore
import Testing

/// `UTCTime` writes what `ISO8601DateFormatter` writes, for instants at whole milliseconds
/// (the formatter's own rounding of a finer fraction is not something to copy).
@Suite("UTC time")
struct UTCTimeTests {
    @Test func asTheFormatterWritesIt() {
        let withMilliseconds = ISO8601DateFormatter()
        withMilliseconds.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let whole = ISO8601DateFormatter()
        whole.formatOptions = [.withInternetDateTime]
        var generator = SystemRandomNumberGenerator()
        // The epoch, leap days, the ends of years, and random instants from 1970 to 2200.
        let fixed: [Int64] = [0, 951_782_400_000, 951_868_799_999, 1_798_761_599_999, 1_798_761_600_000, 4_102_444_800_001]
        let random = (0..<2000).map { _ in Int64.random(in: 0..<7_258_118_400_000, using: &generator) }
        for ms in fixed + random {
            let date = Date(timeIntervalSince1970: Double(ms) / 1000)
            #expect(UTCTime.string(date) == withMilliseconds.string(from: date), "\(ms)")
            #expect(UTCTime.string(date, milliseconds: false) == whole.string(from: date), "\(ms)")
        }
    }
}
