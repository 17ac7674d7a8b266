import Foundation
import JSONText
import SyncCore

/// JSON as connectors read and write it with `JSONSerialization` (their systems' documents
/// are loose: properties that come and go, numbers where text is expected).
public enum JSONBody {
    /// A property as text: a string trimmed (blank is nil), a number as written.
    public static func text(_ value: Any?) -> String? {
        switch value {
        case let s as String: return Normalize.clean(s)
        case let n as NSNumber: return n.stringValue
        default: return nil
        }
    }

    /// A document as bytes (keys sorted), or `badResponse` naming what it was (a value JSON
    /// has no form for). Written here, with the wire's one escaping (`JSONText`):
    /// `JSONSerialization`'s writer was two thirds of the CPU a pushed customer's request cost
    /// (Benchmarks/README.md, `push.py`).
    public static func encode(_ json: [String: Any], what: String) throws(ConnectorError) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        guard write(json, to: &out) else { throw ConnectorError(.badResponse, "\(what) could not be written as JSON") }
        return Data(out)
    }

    /// Appends `value` as JSON; false when it holds something JSON cannot say (a number that
    /// is not finite, an object of another kind).
    static func write(_ value: Any, to out: inout [UInt8]) -> Bool {
        switch value {
        case let text as String:
            JSONText.appendString(text, to: &out)
        case let object as [String: Any]:
            out.append(UInt8(ascii: "{"))
            for (i, key) in JSONText.sortedKeys(object.keys).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                guard write(object[key]!, to: &out) else { return false }
            }
            out.append(UInt8(ascii: "}"))
        case let array as [Any]:
            out.append(UInt8(ascii: "["))
            for (i, item) in array.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                guard write(item, to: &out) else { return false }
            }
            out.append(UInt8(ascii: "]"))
        case is NSNull:
            out += "null".utf8
        case let number as NSNumber:
            // A boolean, as `JSONSerialization` reads one and as Swift's `Bool` bridges, is
            // a number of type char; nothing here makes another.
            switch String(cString: number.objCType) {
            case "c": out += (number.boolValue ? "true" : "false").utf8
            case "f", "d":
                let double = number.doubleValue
                guard double.isFinite else { return false }
                // Whole numbers as integers, as JSONSerialization writes them.
                if double == double.rounded(), abs(double) < 1e15 { out += String(Int64(double)).utf8 } else { out += "\(double)".utf8 }
            default: out += number.stringValue.utf8
            }
        default:
            return false
        }
        return true
    }
}
