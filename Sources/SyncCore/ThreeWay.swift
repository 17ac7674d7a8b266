/// The values both partners last agreed on: a field missing here has no agreed value yet (the
/// two were linked while it differed, and nobody has chosen since).
public typealias Base = [SyncField: String?]

/// Three-way reconciliation, as the Unison file synchroniser does it: each side is compared
/// with the base, never with the other side. Per field:
/// - neither side changed: nothing to do;
/// - one side changed: its value is copied to the other, and the base advances;
/// - both changed to the same value (after normalisation): the base advances;
/// - both changed to different values, or there is no base: a conflict, both values kept.
public enum ThreeWay {
    public struct Outcome: Sendable, Equatable {
        public var local: CustomerFields
        public var remote: CustomerFields
        public var base: Base
        /// The fields in conflict, in field order.
        public var conflicts: [SyncField]
        /// The fields whose local (remote) value was replaced by the other side's.
        public var copiedToLocal: [SyncField]
        public var copiedToRemote: [SyncField]
    }

    static func same(_ field: SyncField, _ a: String?, _ b: String?) -> Bool {
        Normalize.comparable(field, a) == Normalize.comparable(field, b)
    }

    /// `edited` names the fields just written on each side (by a user or a file). Normalisation
    /// decides whether two values conflict; it does not make an edit no edit: a field written
    /// on one side only whose new text normalises to the other side's (`20000002` →
    /// `+45 20 00 00 02`) is still copied, so the two registers show the same text.
    public static func merge(base: Base, local: CustomerFields, remote: CustomerFields,
                             edited: (local: Set<SyncField>, remote: Set<SyncField>) = ([], [])) -> Outcome {
        var out = Outcome(local: local, remote: remote, base: base, conflicts: [], copiedToLocal: [], copiedToRemote: [])
        for field in SyncField.allCases {
            let l = local[field], r = remote[field]
            if same(field, l, r) {
                // Equal now, whatever happened: that is the new agreement; a one-sided edit of
                // the spelling still reaches the partner.
                if l != r && edited.local.contains(field) && !edited.remote.contains(field) {
                    out.remote[field] = l
                    out.copiedToRemote.append(field)
                } else if l != r && edited.remote.contains(field) && !edited.local.contains(field) {
                    out.local[field] = r
                    out.base[field] = .some(r)
                    out.copiedToLocal.append(field)
                    continue
                }
                out.base[field] = .some(l)
                continue
            }
            guard let agreed = base[field] else {
                out.conflicts.append(field)
                continue
            }
            let localChanged = !same(field, l, agreed)
            let remoteChanged = !same(field, r, agreed)
            switch (localChanged, remoteChanged) {
            case (true, false):
                out.remote[field] = l
                out.base[field] = .some(l)
                out.copiedToRemote.append(field)
            case (false, true):
                out.local[field] = r
                out.base[field] = .some(r)
                out.copiedToLocal.append(field)
            default:
                out.conflicts.append(field)
            }
        }
        keepLocalRules(&out, local: local, base: base)
        return out
    }

    /// A value enters the local register only where it keeps the local rules (`FieldRules`):
    /// a copy that would break one (a long name, a country the accounting system spells as
    /// text) is undone, and the field stays in conflict for a person to choose or give a value
    /// that fits, never cut. A copy that only respells an equal value is just not made.
    static func keepLocalRules(_ out: inout Outcome, local: CustomerFields, base: Base) {
        var undone = false
        while !out.copiedToLocal.isEmpty {
            let violations = FieldRules.violations(in: out.local).compactMap { SyncField(rawValue: $0.field) }
            // A copied field that breaks a rule; or the country, when its copy makes a CVR the
            // customer had a Danish one (and so subject to modulus 11).
            guard let field = violations.first(where: out.copiedToLocal.contains)
                ?? (violations.contains(.cvr) && out.copiedToLocal.contains(.country) ? .country : nil) else { break }
            out.copiedToLocal.removeAll { $0 == field }
            let respelt = same(field, local[field], out.local[field])
            out.local[field] = local[field]
            if respelt {
                out.base[field] = .some(local[field])
            } else {
                out.base[field] = base[field]
                out.conflicts.append(field)
                undone = true
            }
        }
        if undone { out.conflicts.sort { SyncField.allCases.firstIndex(of: $0)! < SyncField.allCases.firstIndex(of: $1)! } }
    }

    /// The base of two customers just linked: every field where they agree.
    public static func initialBase(local: CustomerFields, remote: CustomerFields) -> Base {
        var base: Base = [:]
        for field in SyncField.allCases where same(field, local[field], remote[field]) {
            base[field] = .some(local[field])
        }
        return base
    }

    /// The state of a link just made on `base`: `synced` when the two agree on every field,
    /// else `conflict` (the fields missing from the base are the ones to choose).
    public static func initialState(base: Base) -> LinkState {
        base.count == SyncField.allCases.count ? .synced : .conflict
    }
}
