import GRDB
import SyncCore

/// Writes new links: the one place a link is made from two existing customers
/// (`selectPartner`, `acceptSuggestions`; `createAllPartners` writes its links set-based, every
/// one `synced` because each partner is a copy of its source).
///
/// Per link: an id from `IdAllocator`, the state from the base (`ThreeWay.initialState`), the
/// base stored only when it is not implicit, an event in both customers' histories, and both
/// customers' versions bumped (their state changed; `createPartner` bumps its own, since it
/// also writes the source's fields and the partner is new). Hand-bound statements, as in the other
/// bulk paths: `acceptSuggestions` links tens of thousands of pairs in one call.
struct LinkWriter {
    private var ids: IdAllocator
    private var insert: BulkStatement
    private var mark: BulkStatement

    init(_ db: Database) throws {
        ids = try IdAllocator(db, table: "link")
        insert = try BulkStatement(db, sql: "INSERT INTO link (id, localId, remoteId, state, base) VALUES (?, ?, ?, ?, ?)")
        // Both customers are linked now (`customer.linked`, what the unsynced lists read); their
        // versions grow unless the caller bumps them itself.
        mark = try BulkStatement(db, sql: "UPDATE customer SET linked = 1, version = version + ? WHERE id IN (?, ?)")
    }

    /// Links two unlinked customers with the base they agree on (`ThreeWay.initialBase`
    /// unless given). The sides are the caller's to have checked; the schema refuses a link
    /// to the wrong side or to an excluded customer all the same.
    mutating func link(localId: Int64, remoteId: Int64, base: Base, history: inout HistoryWriter,
                       bumpVersions: Bool = true) throws -> (id: Int64, state: LinkState) {
        let id = ids.take()
        let state = ThreeWay.initialState(base: base)
        insert.bind(id)
        insert.bind(localId)
        insert.bind(remoteId)
        insert.bind(state.rawValue)
        // Agreed on everything: the base is implicit (the customers' own values).
        insert.bind(state == .synced ? nil : FieldMapCoding.encode(base))
        try insert.run()
        try history.event(.user, customer: localId, link: id, operation: nil)
        try history.event(.user, customer: remoteId, link: id, operation: nil)
        mark.bind(bumpVersions ? 1 : 0)
        mark.bind(localId)
        mark.bind(remoteId)
        try mark.run()
        return (id, state)
    }

    mutating func link(_ local: Customer, _ remote: Customer, history: inout HistoryWriter) throws -> (id: Int64, state: LinkState) {
        try link(localId: local.id, remoteId: remote.id, base: ThreeWay.initialBase(local: local.fields, remote: remote.fields), history: &history)
    }

    /// Records the id high-water mark; call before the transaction commits.
    func finish(_ db: Database) throws {
        try ids.save(db)
    }
}
