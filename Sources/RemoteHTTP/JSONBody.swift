import Foundation
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

    /// A document as bytes (keys sorted), or `badResponse` naming what it was.
    public static func encode(_ json: [String: Any], what: String) throws(ConnectorError) -> Data {
        do {
            return try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        } catch {
            throw ConnectorError(.badResponse, "\(what) could not be written as JSON")
        }
    }
}
