/// A string enum read from outside: an unknown value is refused with a message that lists
/// the accepted ones ("must be one of 'local', 'remote' (got 'LOCAL')").
public protocol ClosedStringSet: RawRepresentable, CaseIterable, Decodable where RawValue == String {}

extension ClosedStringSet {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let value = Self(rawValue: raw) else {
            let allowed = Self.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be one of \(allowed) (got '\(raw)')")
        }
        self = value
    }
}

/// The order a paged list runs in, by id: `descending` starts from the last page (a window's
/// "last page" button), and its cursors lead towards the first.
public enum ListOrder: String, Sendable, CaseIterable, ClosedStringSet {
    case ascending, descending
}
