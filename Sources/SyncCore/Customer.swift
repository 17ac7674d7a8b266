/// Where a customer stands in the sync workflow. A linked customer has its link's state.
public enum CustomerState: String, Sendable, Codable, CaseIterable {
    case unsynced, synced, conflict, excluded, deleted
}

/// The state of a link between a local and a remote customer.
public enum LinkState: String, Sendable, Codable, CaseIterable, ClosedStringSet {
    case synced, conflict, deleted
}

/// A customer of one register, as read from the store.
public struct Customer: Sendable, Hashable {
    public var id: Int64
    public var side: Side
    /// That side's customer number; nil only on the remote side before it has one.
    public var number: String?
    public var fields: CustomerFields
    /// Columns of an imported file that we do not know, by header.
    public var extra: [String: String]
    public var state: CustomerState
    public var linkId: Int64?
    /// Increases on every change.
    public var version: Int

    /// The local register's rules this customer's values break: none on the local side, which
    /// never takes such a value; on the remote side, what an accounting system holds that our
    /// rules would refuse (a long name, an unknown country), kept as it is there. Such a value
    /// is not copied to the local register until it fits.
    public var warnings: [FieldRules.Violation] {
        side == .remote ? FieldRules.violations(in: fields) : []
    }

    public init(id: Int64, side: Side, number: String?, fields: CustomerFields, extra: [String: String] = [:],
                state: CustomerState, linkId: Int64?, version: Int) {
        self.id = id
        self.side = side
        self.number = number
        self.fields = fields
        self.extra = extra
        self.state = state
        self.linkId = linkId
        self.version = version
    }
}

/// Two partners: a local and a remote customer kept in step. In a `deleted` link the side
/// where the customer vanished is nil.
public struct Link: Sendable, Hashable {
    public var id: Int64
    public var state: LinkState
    public var local: Customer?
    public var remote: Customer?
    /// The fields whose values differ (empty when synced).
    public var conflicts: [FieldConflict]
    public var version: Int

    public init(id: Int64, state: LinkState, local: Customer?, remote: Customer?, conflicts: [FieldConflict], version: Int) {
        self.id = id
        self.state = state
        self.local = local
        self.remote = remote
        self.conflicts = conflicts
        self.version = version
    }
}

/// A page of a list: keyset-paged by id, so pages stay stable while rows are added.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// The id after which the next page starts; nil on the last page.
    public var nextAfter: Int64?
    /// How many items match the filter over all pages.
    public var total: Int
    /// Whether `total` is an estimate: a search whose candidates are too many to count at
    /// once (`listUnsynced`'s `query`) extrapolates from the first of them.
    public var totalEstimated: Bool

    public init(items: [Item], nextAfter: Int64?, total: Int, totalEstimated: Bool = false) {
        self.items = items
        self.nextAfter = nextAfter
        self.total = total
        self.totalEstimated = totalEstimated
    }
}

/// Counts per side and state, and of links per state.
public struct StatusCounts: Sendable, Hashable {
    public struct SideCounts: Sendable, Hashable {
        /// `deleted`: customers whose partner vanished (their link is `deleted`).
        public var unsynced = 0, synced = 0, conflict = 0, excluded = 0, deleted = 0, total = 0
        public init() {}
    }
    public var local = SideCounts()
    public var remote = SideCounts()
    public var linksSynced = 0
    public var linksConflict = 0
    public var linksDeleted = 0
    public init() {}
}

/// How `createAllPartners` numbers the new partners.
public enum Numbering: Sendable, Hashable {
    /// Each partner gets its source's number; customers whose number is invalid or taken on
    /// the target side are skipped.
    case keep
    /// Numbers from `start` upward, skipping taken ones.
    case sequence(start: Int)
}

/// What `createAllPartners` did, or would do.
public struct CreateAllOutcome: Sendable, Hashable {
    /// Why a customer gets no partner.
    public enum Reason: String, Sendable, Hashable {
        case invalidNumber = "InvalidNumber"
        case numberTaken = "NumberTaken"
        case excluded = "Excluded"
        case alreadyLinked = "AlreadyLinked"
        /// A remote customer's value breaks a rule of the local register (`violation` says
        /// which): it is not copied there broken.
        case invalidValue = "InvalidValue"
    }

    public struct Skipped: Sendable, Hashable {
        public var customerId: Int64
        public var reason: Reason
        /// With `invalidValue`: the rule the value breaks.
        public var violation: FieldRules.Violation?
        public init(customerId: Int64, reason: Reason, violation: FieldRules.Violation? = nil) {
            self.customerId = customerId
            self.reason = reason
            self.violation = violation
        }
    }
    /// A partner a dry run would create: its source, and the number it would get.
    public struct Planned: Sendable, Hashable {
        public var customerId: Int64
        public var sourceNumber: String?
        public var name: String?
        public var number: String
        public init(customerId: Int64, sourceNumber: String?, name: String?, number: String) {
            self.customerId = customerId
            self.sourceNumber = sourceNumber
            self.name = name
            self.number = number
        }
    }
    public var created = 0
    public var skipped: [Skipped] = []
    public var dryRun = false
    /// With `dryRun`: every partner it would create, in order.
    public var planned: [Planned] = []
    public init() {}
}

/// What an import did.
/// A customer an import deletes (or would delete, in a dry run), as a preview names it.
public struct DeletedCustomer: Sendable, Hashable, Encodable {
    public var id: String
    public var number: String?
    public var name: String?

    public init(id: String, number: String?, name: String?) {
        self.id = id
        self.number = number
        self.name = name
    }

    enum CodingKeys: String, CodingKey { case id, number, name }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(number, forKey: .number)
        try c.encode(name, forKey: .name)
    }
}

public struct ImportOutcome: Sendable, Hashable {
    public var added = 0
    public var updated = 0
    public var unchanged = 0
    /// With mode `replace`: customers the file no longer has.
    public var deleted = 0
    /// The first of them (`keptDeletions` at most), for a preview to name.
    public var deletedCustomers: [DeletedCustomer] = []
    public static let keptDeletions = 200
    public init(added: Int = 0, updated: Int = 0, unchanged: Int = 0, deleted: Int = 0) {
        self.added = added
        self.updated = updated
        self.unchanged = unchanged
        self.deleted = deleted
    }
}
