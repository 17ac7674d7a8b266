import Foundation
import GRDB
import PropertyBased
import SyncCore
import SyncImport
@testable import SyncStore
import Testing

/// Random sequences of edits on both sides, file imports, exports, links, unlinks and
/// resolutions, against the rules of ongoing sync.
@Suite("Reconciliation properties")
struct ReconciliationProperties {
    static let fields: [SyncField] = [.city, .contact, .email]
    /// Values that keep every rule of the field (a copy that would break one is held back as
    /// a conflict, which the generic rules below do not model), equal after normalisation in
    /// the first and third.
    static let values: [String?] = ["Aarhus", "Odense", "aarhus", nil, "Vejle"]
    static func value(_ index: Int, for field: SyncField) -> String? {
        guard field == .email, let text = values[index] else { return values[index] }
        return "\(text)@example.dk"
    }

    /// One step, decoded from a number so that shrinking works on plain integers.
    enum Step: CustomStringConvertible {
        case editLocal(Int, SyncField, String?)
        case editRemote(Int, SyncField, String?)
        case fileChange(Int, SyncField, String?)
        case export
        case resolve(Int)
        case relink(Int)

        init(_ n: Int) {
            let i = (n / 6) % 4
            let field = ReconciliationProperties.fields[(n / 24) % 3]
            let value = ReconciliationProperties.value((n / 72) % 5, for: field)
            switch n % 6 {
            case 0: self = .editLocal(i, field, value)
            case 1: self = .editRemote(i, field, value)
            case 2: self = .fileChange(i, field, value)
            case 3: self = .export
            case 4: self = .resolve(i)
            default: self = .relink(i)
            }
        }

        var description: String {
            switch self {
            case .editLocal(let i, let f, let v): "editLocal(\(i), \(f), \(v ?? "nil"))"
            case .editRemote(let i, let f, let v): "editRemote(\(i), \(f), \(v ?? "nil"))"
            case .fileChange(let i, let f, let v): "fileChange(\(i), \(f), \(v ?? "nil"))"
            case .export: "export"
            case .resolve(let i): "resolve(\(i))"
            case .relink(let i): "relink(\(i))"
            }
        }
    }

    /// The world: a store, and the remote file as it stands (what an import would read).
    final class World {
        let db: AppDatabase
        var file: [String: CustomerFields] = [:]
        /// Every value each customer's field ever held (customer id → field → values).
        var held: [Int64: [SyncField: Set<String>]] = [:]

        init() throws {
            db = try AppDatabase.inMemory()
            let start = CustomerFields(name: "Kunde", city: "Aarhus", email: "a@b.dk", contact: "Bo")
            _ = try db.importCustomers(side: .local, records: (1...4).map { ImportRecord(number: "\($0)", fields: start, extra: [:]) })
            _ = try db.importCustomers(side: .remote, records: (1...4).map { ImportRecord(number: "\($0)", fields: start, extra: [:]) })
            for n in 1...4 { file["\(n)"] = start }
            for i in 1...4 { _ = try db.selectPartner(localId: Int64(i), remoteId: Int64(i + 4)) }
            try note()
        }

        func local(_ i: Int) -> Int64 { Int64(i + 1) }
        func remote(_ i: Int) -> Int64 { Int64(i + 5) }
        func linkId(_ i: Int) throws -> Int64? { try db.customer(id: local(i)).linkId }

        func note() throws {
            for id in Int64(1)...8 {
                let c = try db.customer(id: id)
                for f in SyncField.allCases { held[id, default: [:]][f, default: []].insert(c.fields[f] ?? "∅") }
            }
        }

        func apply(_ step: Step) throws {
            switch step {
            case .editLocal(let i, let f, let v):
                let before = try linkState(i)
                _ = try db.updateCustomer(id: local(i), fields: [f: v], expectedVersion: nil)
                // A one-sided change on a synced link reaches the partner.
                // (Compared as partners are: a change of spelling only is no change.)
                if before == .synced { #expect(Normalize.comparable(f, try db.customer(id: remote(i)).fields[f]) == Normalize.comparable(f, v), "\(step)") }
            case .editRemote(let i, let f, let v):
                let before = try linkState(i)
                _ = try db.updateCustomer(id: remote(i), fields: [f: v], expectedVersion: nil)
                if before == .synced { #expect(Normalize.comparable(f, try db.customer(id: local(i)).fields[f]) == Normalize.comparable(f, v), "\(step)") }
            case .fileChange(let i, let f, let v):
                let before = (try db.customer(id: local(i)).fields, try db.customer(id: remote(i)).fields)
                file["\(i + 1)", default: CustomerFields(name: "Kunde")][f] = v
                _ = try db.importCustomers(side: .remote, records: [ImportRecord(number: "\(i + 1)", fields: file["\(i + 1)"]!, extra: [:])])
                // The file changed one field: a stale row never reverts the others.
                let after = (try db.customer(id: local(i)).fields, try db.customer(id: remote(i)).fields)
                for other in SyncField.allCases where other != f {
                    #expect(after.0[other] == before.0[other] && after.1[other] == before.1[other], "\(step) changed \(other)")
                }
            case .export:
                var exported: [String: CustomerFields] = [:]
                _ = try db.export(side: .remote, onlyPending: false) { customers in
                    for c in customers { exported[c.number!] = c.fields }
                }
                file = exported
                // The exported file imported again changes nothing.
                let again = try db.importCustomers(side: .remote, records: file.map { ImportRecord(number: $0.key, fields: $0.value, extra: [:]) })
                #expect(again == ImportOutcome(unchanged: file.count), "re-import after export")
            case .resolve(let i):
                guard let id = try linkId(i), try db.link(id: id).state == .conflict else { return }
                let link = try db.link(id: id)
                var choices: [SyncField: AppDatabase.Resolution] = [:]
                for c in link.conflicts { choices[c.field] = .remote }
                let resolved = try db.resolveConflict(linkId: id, resolutions: choices, expectedVersion: nil)
                #expect(resolved.state == .synced)
                for c in link.conflicts {
                    #expect(resolved.local?.fields[c.field] == c.remote && resolved.remote?.fields[c.field] == c.remote, "chosen values on both sides")
                }
            case .relink(let i):
                if let id = try linkId(i) { _ = try db.unlink(linkId: id) }
                _ = try db.selectPartner(localId: local(i), remoteId: remote(i))
            }
            try note()
        }

        func linkState(_ i: Int) throws -> LinkState? {
            try linkId(i).map { try db.link(id: $0).state }
        }

        /// Nothing differs silently: partners that differ are in conflict.
        func checkNoSilentDivergence(after step: Step) throws {
            for link in try db.listLinks(state: nil, limit: 100, after: nil).items {
                guard let l = link.local, let r = link.remote else { continue }
                let differ = !CustomerFields.conflicts(local: l.fields, remote: r.fields).isEmpty
                #expect(!differ || link.state == .conflict, "after \(step): link \(link.id) differs but is \(link.state)")
            }
        }

        /// History accounts for every value a customer ever held.
        func checkHistory() throws {
            for (id, fields) in held {
                let entries = try db.history(customerId: id, linkId: nil, limit: 1000, before: nil).items
                let current = try db.customer(id: id).fields
                for (field, values) in fields {
                    var known: Set<String> = [current[field] ?? "∅"]
                    for e in entries where e.field == field.rawValue {
                        known.insert(e.old ?? "∅")
                        known.insert(e.new ?? "∅")
                    }
                    #expect(values.isSubset(of: known), "customer \(id) \(field): held \(values.sorted()), history knows \(known.sorted())")
                }
            }
        }
    }

    @Test func randomHistoriesKeepTheRules() async {
        await propertyCheck(count: 40, input: Gen.int(in: 0...359).array(of: 1...25)) { numbers in
            do {
                let world = try World()
                for n in numbers {
                    let step = Step(n)
                    try world.apply(step)
                    try world.checkNoSilentDivergence(after: step)
                }
                try world.checkHistory()
                #expect(try world.db.tallyDifferences() == [])
            } catch {
                Issue.record("\(numbers.map { Step($0).description }): \(error)")
            }
        }
    }
}
