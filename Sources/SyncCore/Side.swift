/// One of the two registers: `local` is our system (CleanManager's role), `remote` the
/// opposite system (an accounting system, or the imported file).
public enum Side: String, Sendable, Codable, CaseIterable, Hashable, ClosedStringSet {
    case local
    case remote

    /// The other register.
    public var opposite: Side { self == .local ? .remote : .local }
}
