/// Which number each new partner gets when `createAllPartners` copies a register: decided
/// here, before anything is written, so that the store applies a finished plan set-based.
public struct PartnerPlan: Sendable, Hashable {
    /// A partner to create: the source (its position in the sources given) and its number.
    public struct Entry: Sendable, Hashable {
        public var source: Int
        public var number: String

        public init(source: Int, number: String) {
            self.source = source
            self.number = number
        }
    }

    /// In the order of the sources.
    public var entries: [Entry] = []
    /// Sources that get no partner, with the reason (`InvalidNumber`, `NumberTaken`).
    public var skipped: [CreateAllOutcome.Skipped] = []

    /// Plans a partner on `target` for each source (id and number, in the order to create
    /// them). `taken` holds the numbers already in use on `target`.
    /// - `keep`: each partner gets its source's number in the target's canonical form;
    ///   a number invalid there, or taken (before or by an earlier source), is skipped.
    /// - `sequence`: numbers from `start` upward, passing over taken ones; once the
    ///   sequence leaves the target's range every further source is skipped.
    public init(sources: [(id: Int64, number: String?)], target: Side, numbering: Numbering, taken: Set<String>) {
        var taken = taken
        var next: Int?
        if case .sequence(let start) = numbering { next = start }
        for (index, source) in sources.enumerated() {
            let number: String
            switch numbering {
            case .keep:
                guard let raw = source.number, let canonical = CustomerNumber.canonical(raw, side: target) else {
                    skipped.append(.init(customerId: source.id, reason: .invalidNumber))
                    continue
                }
                guard !taken.contains(canonical) else {
                    skipped.append(.init(customerId: source.id, reason: .numberTaken))
                    continue
                }
                number = canonical
            case .sequence:
                while taken.contains(String(next!)) { next! += 1 }
                guard let valid = CustomerNumber.canonical(String(next!), side: target) else {
                    skipped.append(.init(customerId: source.id, reason: .invalidNumber))
                    continue
                }
                number = valid
                next! += 1
            }
            taken.insert(number)
            entries.append(Entry(source: index, number: number))
        }
    }
}
