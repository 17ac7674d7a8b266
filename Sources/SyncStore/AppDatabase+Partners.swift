import GRDB
import SyncCore

extension AppDatabase {
    // MARK: Checks shared by the partner methods

    /// `StaleVersion` unless the link is at the version the client read.
    static func checkVersion(of link: Link, expected: Int?) throws {
        guard let expected, expected != link.version else { return }
        let lid = LinkID.format(link.id)
        throw SyncError(.staleVersion, "link \(lid) is at version \(link.version), not \(expected): it changed meanwhile",
                        details: ["expectedVersion": .int(expected), "actualVersion": .int(link.version)])
    }

    /// `StaleVersion` unless the customer is at the version the client read.
    static func checkVersion(of customer: Customer, expected: Int?) throws {
        guard let expected, expected != customer.version else { return }
        let cid = CustomerID.format(customer.id)
        throw SyncError(.staleVersion, "customer \(cid) is at version \(customer.version), not \(expected): it changed meanwhile",
                        details: ["expectedVersion": .int(expected), "actualVersion": .int(customer.version)])
    }

    /// The customer, if it may get a partner: not excluded, not linked.
    static func linkableCustomer(_ db: Database, id: Int64) throws -> Customer {
        let customer = try fetchCustomer(db, id: id)
        try checkLinkable(customer)
        return customer
    }

    /// `Excluded` or `AlreadyLinked` unless the customer may get a partner.
    static func checkLinkable(_ customer: Customer) throws {
        let cid = CustomerID.format(customer.id)
        if customer.state == .excluded {
            throw SyncError(.excluded, "customer \(cid) is excluded from sync", details: ["customerId": .string(cid)])
        }
        if let linkId = customer.linkId {
            throw SyncError(.alreadyLinked, "customer \(cid) is already linked (\(LinkID.format(linkId)))",
                            details: ["customerId": .string(cid), "linkId": .string(LinkID.format(linkId))])
        }
    }

    /// The lowest free valid number above the highest numeric number in use on `side`.
    static func nextFreeNumber(_ db: Database, side: Side) throws -> String? {
        let highest = try Int.fetchOne(db, sql: """
            SELECT max(CAST(number AS INTEGER)) FROM customer
            WHERE side = ? AND number <> '' AND number NOT GLOB '*[^0-9]*' AND length(number) <= 18
            """, arguments: [side.rawValue])
        return CustomerNumber.nextFree(highestInUse: highest, side: side)
    }

    static func numberError(_ db: Database, _ kind: SyncError.Kind, number: String?, side: Side, message: String) throws -> SyncError {
        var details: [String: SyncError.Detail] = ["number": number.map { .string($0) } ?? .null, "side": .string(side.rawValue)]
        if let next = try nextFreeNumber(db, side: side) { details["nextFree"] = .string(next) }
        return SyncError(kind, message, details: details)
    }

    /// `number` in the side's canonical form, if valid and free, else `InvalidNumber`/`NumberTaken` with `nextFree`.
    static func freeNumber(_ db: Database, _ raw: String?, side: Side) throws -> String {
        guard let raw, let number = CustomerNumber.canonical(raw, side: side) else {
            throw try numberError(db, .invalidNumber, number: raw, side: side,
                                  message: raw == nil ? "the customer has no number to keep; give one" : "'\(raw!)' is not a valid \(side.rawValue) customer number: \(CustomerNumber.rule(for: side))")
        }
        if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM customer WHERE side = ? AND number = ?)", arguments: [side.rawValue, number]) == true {
            throw try numberError(db, .numberTaken, number: number, side: side, message: "\(side.rawValue) customer number \(number) is taken")
        }
        return number
    }

    static func insertPartner(_ db: Database, side: Side, number: String, fields: CustomerFields) throws -> Int64 {
        var ids = try IdAllocator(db, table: "customer")
        let id = ids.take()
        var arguments: StatementArguments = [id, side.rawValue, number]
        arguments += StatementArguments(CustomerSQL.fieldArguments(fields))
        arguments += [side == .remote]
        // A customer we create on the remote side must reach the remote file: pending.
        try db.execute(sql: """
            INSERT INTO customer (id, side, number, \(CustomerSQL.fieldColumns), pending)
            VALUES (?, ?, ?, \(CustomerSQL.fieldPlaceholders), ?)
            """, arguments: arguments)
        try ids.save(db)
        return id
    }

    /// Values about to enter the local register (a partner created there, a value chosen for
    /// it) must keep its rules; a remote customer's value that does not (a long name, a
    /// foreign country spelt as text) is refused, naming the field under `path` for the
    /// client to give a value that fits, and never cut.
    static func checkEntersLocal(_ fields: CustomerFields, path: String) throws {
        guard let violation = FieldRules.violations(in: fields).first else { return }
        throw ParamsError(path: "\(path).\(violation.field)",
                          "the remote customer's \(violation.field) cannot enter the local register as it is: \(violation.message); give \(path).\(violation.field) a value that fits",
                          details: ["field": .string(violation.field)])
    }

    /// A base in which every field agrees on `fields`.
    static func fullBase(_ fields: CustomerFields) -> Base {
        Dictionary(uniqueKeysWithValues: SyncField.allCases.map { ($0, fields[$0]) })
    }

    // MARK: Methods

    /// Copies a customer to the opposite side and links the two (`synced`). `number` is the
    /// partner's number (default: the source's, if valid and free there). `fields` are applied
    /// to both first.
    public func createPartner(customerId: Int64, number: String?, fields overrides: [SyncField: String?]) throws -> Link {
        try write { db in
            var history = try HistoryWriter(db, operation: "createPartner")
            let source = try Self.linkableCustomer(db, id: customerId)
            let target = source.side.opposite
            let partnerNumber = try Self.freeNumber(db, number ?? source.number, side: target)
            var fields = source.fields
            for (field, value) in overrides { fields[field] = value }
            if target == .local { try Self.checkEntersLocal(fields, path: "fields") }
            if fields != source.fields {
                try Self.writeFields(db, customer: source, fields: fields)
                try history.changes(.user, customer: source.id, old: source.fields, new: fields)
            } else {
                try Self.bumpVersion(db, customerIds: [source.id])
            }
            let partnerId = try Self.insertPartner(db, side: target, number: partnerNumber, fields: fields)
            try history.event(.user, customer: partnerId, operation: "createPartner")
            try Tally.adjust(db, side: target, excluded: false, by: 1)
            try FieldsGeneration.bump(db)
            // The source's version moved with its fields above; the partner is new.
            var links = try LinkWriter(db)
            let (linkId, _) = try links.link(localId: source.side == .local ? source.id : partnerId,
                                             remoteId: source.side == .local ? partnerId : source.id,
                                             base: Self.fullBase(fields), history: &history, bumpVersions: false)
            try links.finish(db)
            return try Self.fetchLink(db, id: linkId)
        }
    }

    /// Links a local and a remote customer: `synced` when their fields agree after
    /// normalisation, else `conflict`. The two ids may come in either order (the wire's
    /// `localId`/`remoteId` have always been accepted swapped); two of one side are
    /// `WrongSide`, with the ids named as given.
    public func selectPartner(localId: Int64, remoteId: Int64) throws -> Link {
        try write { db in
            let first = try Self.fetchCustomer(db, id: localId)
            let second = try Self.fetchCustomer(db, id: remoteId)
            guard first.side != second.side else {
                throw SyncError(.wrongSide, "both customers are \(first.side.rawValue) customers; a partner must be on the opposite side",
                                details: ["localId": .string(CustomerID.format(localId)), "remoteId": .string(CustomerID.format(remoteId))])
            }
            let (local, remote) = first.side == .local ? (first, second) : (second, first)
            try Self.checkLinkable(local)
            try Self.checkLinkable(remote)
            var history = try HistoryWriter(db, operation: "selectPartner")
            var links = try LinkWriter(db)
            let (linkId, _) = try links.link(local, remote, history: &history)
            try links.finish(db)
            return try Self.fetchLink(db, id: linkId)
        }
    }

    /// A value chosen for a conflicting field.
    public enum Resolution: Sendable, Hashable {
        case local
        case remote
        case value(String?)
    }

    /// Settles a conflict: every conflicting field needs a resolution (else `ParamsError` at
    /// `choices`, with the fields `missing`); both customers get the chosen values; the
    /// link becomes `synced`.
    public func resolveConflict(linkId: Int64, resolutions: [SyncField: Resolution], expectedVersion: Int?) throws -> Link {
        try write { db in
            let link = try Self.fetchLink(db, id: linkId)
            let lid = LinkID.format(linkId)
            try Self.checkVersion(of: link, expected: expectedVersion)
            guard link.state == .conflict else {
                throw SyncError(.notInConflict, "link \(lid) is \(link.state.rawValue), not in conflict",
                                details: ["linkId": .string(lid), "state": .string(link.state.rawValue)])
            }
            guard let linkLocal = link.local, let linkRemote = link.remote else {
                throw SyncError(.notInConflict, "link \(lid) is \(link.state.rawValue), not in conflict",
                                details: ["linkId": .string(lid), "state": .string(link.state.rawValue)])
            }
            let unresolved = link.conflicts.map(\.field).filter { resolutions[$0] == nil }
            if !unresolved.isEmpty {
                let names = unresolved.map(\.rawValue)
                throw ParamsError(path: "choices", "no choice or value for the conflicting field(s) \(names.joined(separator: ", "))",
                                  details: ["missing": .strings(names)])
            }
            var fields = linkLocal.fields
            for (field, resolution) in resolutions {
                switch resolution {
                case .local: fields[field] = linkLocal.fields[field]
                case .remote: fields[field] = linkRemote.fields[field]
                case .value(let v): fields[field] = v
                }
            }
            // Fields nobody chose are equal after normalisation; keep each side's spelling.
            var localFields = linkLocal.fields
            var remoteFields = linkRemote.fields
            for field in resolutions.keys {
                localFields[field] = fields[field]
                remoteFields[field] = fields[field]
            }
            // A remote value chosen for the local register must keep its rules (a long name
            // from the accounting system, a country it spells as text): refused, never cut.
            let before = Set(FieldRules.violations(in: linkLocal.fields).map(\.field))
            if let violation = FieldRules.violations(in: localFields).first(where: { !before.contains($0.field) }) {
                let field = SyncField(rawValue: violation.field)
                let path: String
                switch field.flatMap({ resolutions[$0] }) {
                case .value: path = "values.\(violation.field)"
                case .some: path = "choices.\(violation.field)"
                case nil: path = "choices"
                }
                throw ParamsError(path: path, "the chosen \(violation.field) cannot enter the local register: \(violation.message); give values.\(violation.field) a value that fits",
                                  details: ["field": .string(violation.field)])
            }
            var history = try HistoryWriter(db, operation: "resolveConflict")
            try Self.writeFields(db, customer: linkLocal, fields: localFields)
            try history.changes(.user, customer: linkLocal.id, link: linkId, old: linkLocal.fields, new: localFields)
            try Self.writeFields(db, customer: linkRemote, fields: remoteFields)
            try history.changes(.user, customer: linkRemote.id, link: linkId, old: linkRemote.fields, new: remoteFields)
            if remoteFields != linkRemote.fields { try Self.markPending(db, linkRemote.id) }
            // Agreed on everything now: the base is implicit again.
            try db.execute(sql: "UPDATE link SET state = 'synced', base = NULL, version = version + 1 WHERE id = ?", arguments: [linkId])
            try FieldsGeneration.bump(db)
            return try Self.fetchLink(db, id: linkId)
        }
    }

    /// Stops sync for a link: the link is removed, its customers become unsynced (in a
    /// `deleted` link, the one that is left).
    public func unlink(linkId: Int64, expectedVersion: Int? = nil) throws -> (local: Customer?, remote: Customer?) {
        try write { db in
            try Self.checkVersion(of: try Self.fetchLink(db, id: linkId), expected: expectedVersion)
            var history = try HistoryWriter(db, operation: "unlink")
            let (local, remote) = try Self.removeLink(db, linkId: linkId, history: &history)
            return (try local.map { try Self.fetchCustomer(db, id: $0) }, try remote.map { try Self.fetchCustomer(db, id: $0) })
        }
    }

    /// Removes a link, records it, and returns the ids of its customers.
    static func removeLink(_ db: Database, linkId: Int64, history: inout HistoryWriter) throws -> (Int64?, Int64?) {
        let link = try fetchLink(db, id: linkId)
        let ids = [link.local?.id, link.remote?.id].compactMap { $0 }
        try db.execute(sql: "DELETE FROM link WHERE id = ?", arguments: [linkId])
        // Both unlinked now, their state changed: one statement each.
        for id in ids { try db.execute(sql: "UPDATE customer SET linked = 0, version = version + 1 WHERE id = ?", arguments: [id]) }
        for id in ids { try history.event(.user, customer: id, link: linkId) }
        return (link.local?.id, link.remote?.id)
    }

    /// Excludes an unlinked customer from sync ("No synchronisation"), or includes it again.
    /// Setting the state it already has changes nothing.
    public func setExcluded(customerId: Int64, _ excluded: Bool) throws -> Customer {
        try write { db in
            let customer = try Self.fetchCustomer(db, id: customerId)
            if let linkId = customer.linkId {
                let cid = CustomerID.format(customerId)
                throw SyncError(.alreadyLinked, "customer \(cid) is linked (\(LinkID.format(linkId))); unlink it first",
                                details: ["customerId": .string(cid), "linkId": .string(LinkID.format(linkId))])
            }
            if (customer.state == .excluded) != excluded {
                try db.execute(sql: "UPDATE customer SET excluded = ?, version = version + 1 WHERE id = ?", arguments: [excluded, customerId])
                try Tally.adjust(db, side: customer.side, excluded: !excluded, by: -1)
                try Tally.adjust(db, side: customer.side, excluded: excluded, by: 1)
                var history = try HistoryWriter(db, operation: excluded ? "disableSync" : "enableSync")
                try history.event(.user, customer: customerId)
            }
            return try Self.fetchCustomer(db, id: customerId)
        }
    }
}
