/// What a register row read again (from a file, or a system's page) does to the customer it
/// names: the rules of `seen` (the values last read from or written to that register),
/// `pending` (values of ours the register has not seen yet) and contested fields. Pure; the
/// store applies the outcome (`AppDatabase.importCustomers`).
public enum ReadRules {
    public struct Outcome: Sendable, Hashable {
        /// The customer's values afterwards.
        public var values: CustomerFields
        /// Fields both sides changed: ours was pending and the register now says a third
        /// thing. The value we had last seen there, for the link's base.
        public var contested: [SyncField: String?]
        /// Whether values of ours remain for the register to receive.
        public var pending: Bool
        /// What the register is now known to hold: nil when it is `values` (stored implicit).
        public var seen: CustomerFields?
    }

    /// `read`: the row's values; `current`: the customer's; `seen`: what the register last
    /// showed, by field (nil, or a field missing: not known, the value read is taken);
    /// `pending`: whether values of ours were waiting for it.
    ///
    /// A field is a change in the register only where it differs from what was last seen
    /// there: a stale row never reverts a value set since. A field that changed there while a
    /// value of ours waited for it is contested. When the register shows every value we hold,
    /// nothing is left to send.
    public static func apply(read: CustomerFields, current: CustomerFields, seen: [SyncField: String?]?, pending: Bool) -> Outcome {
        var values = current
        var contested: [SyncField: String?] = [:]
        for field in SyncField.allCases {
            if let seen, let last = seen[field], last == read[field] { continue }
            if let seen, let last = seen[field], current[field] != last, read[field] != current[field] {
                contested[field] = .some(last)
            }
            values[field] = read[field]
        }
        let shown = values == read
        return Outcome(values: values, contested: contested, pending: shown ? false : pending, seen: shown ? nil : read)
    }
}
