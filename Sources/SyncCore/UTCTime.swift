#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Instants as the service writes them: ISO 8601 in UTC, `2026-12-07T17:13:19.382Z`, with
/// milliseconds or without. Written by hand: `ISO8601DateFormatter` is a class made anew for
/// each use (sharing one between threads is not safe on Linux), and making it was 5 % of a
/// push's CPU (Benchmarks/README.md, `push.py`).
public enum UTCTime {
    public static func string(_ date: Date, milliseconds: Bool = true) -> String {
        let totalMilliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        var seconds = time_t((totalMilliseconds / 1000).rounded(.down))
        let fraction = Int(totalMilliseconds - Double(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var out = [UInt8]()
        out.reserveCapacity(24)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4); out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2); out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2); out.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2); out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2); out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2)
        if milliseconds {
            out.append(UInt8(ascii: "."))
            digits(fraction, 3)
        }
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    public static func now() -> String { string(Date()) }
}
