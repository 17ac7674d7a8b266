import GRDB
import SyncCore

/// Ongoing sync: the three-way merge of a link after either of its customers changed.
extension AppDatabase {
    /// The link of a customer, if any.
    static func linkId(_ db: Database, customerId: Int64, side: Side) throws -> Int64? {
        let column = side == .local ? "localId" : "remoteId"
        return try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM link WHERE \(column) = ?"), arguments: [customerId])
    }

    /// Three-way reconciliation of one link after either side changed: one-sided changes are
    /// copied to the partner (source `sync`, the remote copy pending), the base advances, and
    /// the link is `conflict` while any field changed on both sides to different values.
    /// `contested` fields changed on both sides since the file last showed them (see
    /// `importCustomers`): their base is the value the file showed then, so both sides differ
    /// from it and the link shows base, local and remote values.
    /// `edited`: the fields just written on the changed customer's `side` (see `ThreeWay.merge`).
    static func reconcile(_ db: Database, linkId: Int64, history: inout HistoryWriter, contested: [SyncField: String?] = [:],
                          edited: Set<SyncField> = [], side: Side = .local) throws {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT localId, remoteId, state, base FROM link WHERE id = ?"), arguments: [linkId]),
              let localId = row["localId"] as Int64?, let remoteId = row["remoteId"] as Int64? else { return }
        let local = try fetchCustomer(db, id: localId)
        let remote = try fetchCustomer(db, id: remoteId)
        // Every change stores an implicit base first; one still implicit means nobody changed.
        var base = (row["base"] as String?).map(FieldMapCoding.decode) ?? ThreeWay.initialBase(local: local.fields, remote: remote.fields)
        for (field, value) in contested { base[field] = .some(value) }
        let merged = ThreeWay.merge(base: base, local: local.fields, remote: remote.fields,
                                    edited: side == .local ? (edited, []) : ([], edited))
        if merged.local != local.fields {
            try writeFields(db, customer: local, fields: merged.local)
            try history.changes(.sync, customer: localId, link: linkId, old: local.fields, new: merged.local)
        }
        if merged.remote != remote.fields {
            try writeFields(db, customer: remote, fields: merged.remote)
            try markPending(db, remoteId)
            try history.changes(.sync, customer: remoteId, link: linkId, old: remote.fields, new: merged.remote)
        }
        let state: LinkState = merged.conflicts.isEmpty ? .synced : .conflict
        // Agreed on everything: the base is the customers' own values again (implicit).
        let baseJSON: String? = merged.conflicts.isEmpty && merged.local == merged.remote ? nil : FieldMapCoding.encode(merged.base)
        try db.execute(sql: "UPDATE link SET state = ?, base = ?, version = version + 1 WHERE id = ?",
                       arguments: [state.rawValue, baseJSON, linkId])
        if state.rawValue != row["state"] as String {
            // A customer's state is its link's: it changed even where the values did not.
            try bumpVersion(db, customerIds: [localId, remoteId].filter { $0 == localId ? merged.local == local.fields : merged.remote == remote.fields })
        }
    }
}
