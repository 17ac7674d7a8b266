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

    // MARK: A file read again

    func importFile(_ database: AppDatabase, _ csv: String, mode: RegisterIntake.Mode = .merge) throws -> RegisterIntake.Outcome {
        try RegisterIntake(database: database, side: .remote, mode: mode)
            .run(RegisterIntake.file(Array(csv.utf8), format: .csv, side: .remote, database: database))
    }

    /// A row read again exactly as last read skips its checks; a changed cell, a changed
    /// column order or a duplicate number is read in full, and lands as before.
    @Test func rowsReadAgainUnchangedSkipTheirChecksAndChangeNothing() throws {
        let database = try AppDatabase.inMemory()
        #expect(try importFile(database, Self.csv).counts.added == 2)
        let before = try register(database)
        #expect(try importFile(database, Self.csv).counts == ImportOutcome(unchanged: 2))
        #expect(try register(database) == before)
        // The digests are of the rows as read: one changed cell is an update of that row only.
        let changed = Self.csv.replacingOccurrences(of: "Kolding", with: "Vejle")
        #expect(try importFile(database, changed).counts == ImportOutcome(updated: 1, unchanged: 1))
        #expect(try database.customer(id: 2).fields.city == "Vejle")
        // Columns in another order: every row read in full, found unchanged, its new digest kept.
        let reordered = "Navn;Kundenr.;Adresse;Postnr.;By;E-mail\nJensens Auto;1;Vestergade 3;5000;Odense C;info@jensens.dk\nCafé Møllen;2;Møllevej 2;6000;Vejle;\n"
        let digests = try database.lastReadDigests(side: .remote)
        #expect(try importFile(database, reordered).counts == ImportOutcome(unchanged: 2))
        #expect(try database.lastReadDigests(side: .remote) != digests)
        #expect(try importFile(database, reordered).counts == ImportOutcome(unchanged: 2))
    }

    /// Quoted cells (a delimiter, doubled quotes, a line break inside) are read from their
    /// bytes on a re-import too: the same file is unchanged, one character inside a quote
    /// is an update.
    @Test func quotedCellsReadAgainAreUnchangedUntilOneCharacterChanges() throws {
        let database = try AppDatabase.inMemory()
        let quoted = "Kundenr.;Navn;Adresse\n1;\"Jensen; \"\"Auto\"\"\";\"Vestergade 3\r\n1. sal\"\n2;Møllen;\"\"\n"
        #expect(try importFile(database, quoted).counts.added == 2)
        let before = try register(database)
        #expect(try importFile(database, quoted).counts == ImportOutcome(unchanged: 2))
        #expect(try register(database) == before)
        let changed = quoted.replacingOccurrences(of: "\"\"Auto\"\"", with: "\"\"Auto!\"\"")
        #expect(try importFile(database, changed).counts == ImportOutcome(updated: 1, unchanged: 1))
        #expect(try database.customer(id: 1).fields.name == "Jensen; \"Auto!\"")
    }

    /// A file read again unchanged commits nothing: the 'writes' generation (by which caches
    /// know nothing was written) stays, and a changed row moves it.
    @Test func aFileReadAgainUnchangedCommitsNothing() throws {
        let database = try AppDatabase.inMemory()
        _ = try importFile(database, Self.csv)
        let written = try database.writesGeneration()
        #expect(try importFile(database, Self.csv).counts == ImportOutcome(unchanged: 2))
        #expect(try database.writesGeneration() == written)
        _ = try importFile(database, Self.csv.replacingOccurrences(of: "Kolding", with: "Vejle"))
        #expect(try database.writesGeneration() > written)
    }

    @Test func aDuplicateOfAnUnchangedRowIsStillReportedWithItsFirstLine() throws {
        let database = try AppDatabase.inMemory()
        _ = try importFile(database, Self.csv)
        let twice = Self.csv + "1;Jensens Auto;Vestergade 3;5000;Odense C;info@jensens.dk\n"
        let error = #expect(throws: SyncError.self) { try importFile(database, twice) }
        #expect(error?.kind == .importRejected)
        let expected: SyncError.Detail = .list([["line": .int(4), "field": .string("number"), "message": .string("customer number 1 also appears on line 2")]])
        #expect(error?.details["errors"] == expected)
    }

    @Test func aReplaceKeepsTheUnchangedRowsAndDeletesTheMissing() throws {
        let database = try AppDatabase.inMemory()
        _ = try importFile(database, Self.csv + "3;Tredje;;;;\n")
        let outcome = try importFile(database, Self.csv, mode: .replace)
        var expected = ImportOutcome(unchanged: 2, deleted: 1)
        expected.deletedCustomers = [DeletedCustomer(id: "c3", number: "3", name: "Tredje")]
        #expect(outcome.counts == expected)
    }

    @Test func aColumnWithoutAHeaderIsCountedOnUnchangedRowsToo() throws {
        let database = try AppDatabase.inMemory()
        let indexed = ";Kundenr.;Navn\n0;1;A\n1;2;B\n"
        _ = try importFile(database, indexed)
        let again = try importFile(database, indexed)
        #expect(again.counts == ImportOutcome(unchanged: 2))
        #expect(again.warnings.contains { $0.contains("its 2 values were not imported") }, "\(again.warnings)")
    }

    /// Rows read as last read are taken as unchanged without a look-up only while nothing was
    /// written since their digests were read: a write in between (another import here) makes
    /// the import check each one, and a stale one is refused.
    @Test func lastReadRowsAreCheckedOnceAnythingWasWrittenSince() throws {
        let database = try AppDatabase.inMemory()
        _ = try importFile(database, Self.csv)
        let intake = RegisterIntake(database: database, side: .remote)
        let fresh = try RegisterIntake.file(Array(Self.csv.utf8), format: .csv, side: .remote, database: database)
        #expect(try intake.run(fresh).counts == ImportOutcome(unchanged: 2))
        let stale = try RegisterIntake.file(Array(Self.csv.utf8), format: .csv, side: .remote, database: database)
        _ = try importFile(database, Self.csv.replacingOccurrences(of: "Kolding", with: "Vejle"))
        let before = try register(database)
        let error = #expect(throws: SyncError.self) { try intake.run(stale) }
        #expect(error?.kind == .busy)
        #expect(try register(database) == before)
    }

    /// A row handed over as unchanged whose customer changed since the file was read (another
    /// process) is refused, and the import changes nothing.
    @Test func anUnchangedRowWhoseCustomerChangedMeanwhileIsRefused() throws {
        let database = try AppDatabase.inMemory()
        _ = try importFile(database, Self.csv)
        let before = try register(database)
        let digest = try database.lastReadDigests(side: .remote)["2"]!
        for record in [ImportRecord(lastReadNumber: "2", digest: digest &+ 1), ImportRecord(lastReadNumber: "9", digest: digest)] {
            let stale = [ImportRecord(number: "5", fields: CustomerFields(name: "Ny"), extra: [:]), record]
            let error = #expect(throws: SyncError.self) { try database.importCustomers(side: .remote, records: stale) }
            #expect(error?.kind == .busy)
            #expect(try register(database) == before)
        }
    }
}
