import Foundation
import GRDB
import JSONRPC
import SyncService
import SyncStore
import TestSupport
import Testing

/// `importCustomers {dryRun}`: what a file would do, which register it looks like, and who a
/// replace would delete, with nothing changed.
@Suite("Import preview")
struct ImportPreviewTests {
    let database: AppDatabase
    let rpc: InProcess<ServiceContext>

    init() throws {
        database = try AppDatabase.inMemory()
        rpc = InProcess(Registry.connection(database: database))
    }

    func snapshot() throws -> String {
        try database.reader.read { db in
            (try Row.fetchAll(db, sql: "SELECT * FROM customer ORDER BY id") + (try Row.fetchAll(db, sql: "SELECT * FROM history ORDER BY id")))
                .map(\.description).joined(separator: "\n")
        }
    }

    func example(_ name: String) throws -> String {
        try Data(contentsOf: Paths.protocolDirectory.appendingPathComponent("examples/\(name)")).base64EncodedString()
    }

    @Test func aDryRunSaysWhatTheFileWouldDoAndChangesNothing() throws {
        let local = try example("local-customers.csv"), remote = try example("remote-customers.csv")
        let first = try rpc.result("importCustomers", ["side": "local", "contentBase64": .string(local), "dryRun": true])
        #expect(first["dryRun"] == true && first["added"] == 12)
        // Nothing to compare with yet, but a column only a cleaning company's list has.
        #expect(first["looksLike"] == ["side": "local", "reason": "operationsColumns"])
        let plain = try rpc.result("importCustomers", ["side": "local", "dryRun": true, "content": "Kundenr.;Navn;By\n1;A;Vejle\n"])
        #expect(plain["looksLike"] == .null, "nothing tells")
        #expect(first["columns"]?[0] == ["header": "Kundenr.", "field": "number"])
        #expect(first["columns"]?[11] == ["header": "Rengøringsfrekvens", "field": .null], "kept as its own column")
        #expect(try snapshot() == "")
        _ = try rpc.result("importCustomers", ["side": "local", "contentBase64": .string(local)])
        _ = try rpc.result("importCustomers", ["side": "remote", "contentBase64": .string(remote)])
        let before = try snapshot()
        // The CleanManager file again, about to go into the accounting system's register: it
        // has the columns of the file last imported into the local side.
        let wrong = try rpc.result("importCustomers", ["side": "remote", "contentBase64": .string(local), "dryRun": true])
        #expect(wrong["looksLike"] == ["side": "local", "reason": "sameColumns"])
        #expect(try snapshot() == before)
        // A replace says whom it deletes, by name and number; still nothing changed.
        let shorter = "Customer no.;Customer name;Address;ZIP code;City;Country;CI no.;EAN no.;E-mail;Phone;Contact;Payment terms\n1001;Bageriet Ørsted ApS;Østergade 12;8000;Aarhus C;DK;25043235;;kontakt@bageriet-oersted.dk;86123456;Mette Ørsted;Netto 8 dage\n"
        let replace = try rpc.result("importCustomers", ["side": "remote", "content": .string(shorter), "mode": "replace", "dryRun": true,
                                                          "allowMassDelete": true])
        #expect(replace["deleted"] == 10)
        guard case .array(let gone)? = replace["wouldDelete"] else { Issue.record("no wouldDelete"); return }
        #expect(gone.count == 10)
        #expect(replace["wouldDelete"]?[0]?["name"]?.stringValue != nil && replace["wouldDelete"]?[0]?["number"]?.stringValue != nil)
        #expect(replace["looksLike"] == ["side": "remote", "reason": "sameColumns"])
        #expect(try snapshot() == before)
        // A real import reports no preview.
        let real = try rpc.result("importCustomers", ["side": "remote", "content": .string(shorter)])
        #expect(real["dryRun"] == nil && real["columns"] == nil && real["looksLike"] == nil)
    }

    @Test func anAccountingSystemsColumnsTellWithoutHistory() throws {
        let economic = try rpc.result("importCustomers", ["side": "local", "dryRun": true,
                                                           "content": "Kundenr.;Navn;Post/By;Betalingsbetingelser;Momszone\n1;A;8000 Aarhus C;Netto 8;Indland\n"])
        #expect(economic["looksLike"] == ["side": "remote", "reason": "accountingColumns"])
        let cleaning = try rpc.result("importCustomers", ["side": "remote", "dryRun": true,
                                                           "content": "Kundenr.;Navn;Rengøringsfrekvens\n1;A;Ugentlig\n"])
        #expect(cleaning["looksLike"] == ["side": "local", "reason": "operationsColumns"])
    }
}
