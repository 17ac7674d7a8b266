import Foundation
import GRDB
import JSONRPC
import SyncCore
import SyncImport
@testable import SyncService
import SyncStore
import TestSupport
import Testing

/// The register intake is one path for every source of rows: a source that is not a file
/// (pages of an accounting system's API, say) lands exactly as the same rows in a file do.
@Suite("Register intake")
struct IntakeTests {
    static let csv = "Kundenr.;Navn;Adresse;Postnr.;By;E-mail\n1;Jensens Auto;Vestergade 3;5000;Odense C;info@jensens.dk\n2;Café Møllen;Møllevej 2;6000;Kolding;\n"

    /// Every customer of a database, as the wire shows them.
    func register(_ database: AppDatabase) throws -> JSONValue {
        try InProcess(Registry.connection(database: database)).result("listUnsynced", ["limit": 1000])
    }

    /// The rows of `csv`, emitted one by one the way a connector would, with no file at all.
    static let pages: RegisterIntake.Source = { emit in
        emit(ImportRecord(number: "1", fields: CustomerFields(name: "Jensens Auto", address: "Vestergade 3", zip: "5000", city: "Odense C",
                                                              email: "info@jensens.dk"), extra: [:]))
        emit(ImportRecord(number: "2", fields: CustomerFields(name: "Café Møllen", address: "Møllevej 2", zip: "6000", city: "Kolding"), extra: [:]))
        return RegisterIntake.Report(numbers: ["1", "2"])
    }

    @Test func rowsFromAnotherSourceLandAsAFileDoes() throws {
        let fromFile = try AppDatabase.inMemory()
        let fromPages = try AppDatabase.inMemory()
        let a = try RegisterIntake(database: fromFile, side: .remote).run(RegisterIntake.file(Array(Self.csv.utf8), format: .csv, side: .remote))
        let b = try RegisterIntake(database: fromPages, side: .remote).run(Self.pages)
        #expect(a.counts == b.counts)
        #expect(a.counts.added == 2)
        #expect(try register(fromFile) == register(fromPages))
        // And again: the second time through, both are unchanged.
        #expect(try RegisterIntake(database: fromPages, side: .remote).run(Self.pages).counts == ImportOutcome(unchanged: 2))
    }

    @Test func aSourceThatFailsHalfWayChangesNothing() throws {
        let database = try AppDatabase.inMemory()
        _ = try RegisterIntake(database: database, side: .remote).run(Self.pages)
        let before = try register(database)
        let failing: RegisterIntake.Source = { emit in
            emit(ImportRecord(number: "3", fields: CustomerFields(name: "Ny kunde"), extra: [:]))
            throw SyncError(.busy, "the connection dropped")
        }
        #expect(throws: SyncError(.busy, "the connection dropped")) {
            try RegisterIntake(database: database, side: .remote, mode: .replace).run(failing)
        }
        #expect(try register(database) == before)
    }

    @Test func invalidRowsRejectTheWholeSourceUnlessSkipped() throws {
        let database = try AppDatabase.inMemory()
        let withBadRow: RegisterIntake.Source = { emit in
            emit(ImportRecord(number: "1", fields: CustomerFields(name: "A"), extra: [:]))
            return RegisterIntake.Report(rejected: [RowError(line: 3, field: "cvr", message: "bad")], numbers: ["1", "2"])
        }
        #expect(throws: SyncError.self) { try RegisterIntake(database: database, side: .remote).run(withBadRow) }
        #expect(try register(database)["total"] == 0)
        let skipped = try RegisterIntake(database: database, side: .remote, skipInvalid: true).run(withBadRow)
        #expect(skipped.counts.added == 1)
        #expect(skipped.rejected == [RowError(line: 3, field: "cvr", message: "bad")])
    }
}
