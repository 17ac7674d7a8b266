import Foundation
import SyncCore
@testable import SyncImport
import TestSupport
import Testing

@Suite("Register files")
struct RegisterFileTests {
    func read(_ text: String, side: Side = .remote) throws -> RegisterFile {
        try RegisterFile.read(Array(text.utf8), format: .csv, side: side)
    }

    @Test func danishAndEnglishHeadersAreRecognised() throws {
        let danish = try read("Kundenr.;Navn;Adresse;Postnr.;By;Land;CVR;EAN;E-mail;Telefon;Att.\n7;A/S Ø;Vej 1;8000;Aarhus;DK;25043235;5790001527525;a@b.dk;12345678;Bo\n")
        let english = try read("customer NO.,Customer Name,address,ZIP code,City,country,CI no.,EAN no.,E-mail,Phone,Contact\n7,A/S Ø,Vej 1,8000,Aarhus,DK,25043235,5790001527525,a@b.dk,12345678,Bo\n")
        #expect(danish.errors.isEmpty && english.errors.isEmpty)
        #expect(danish.rows == english.rows)
        let row = try #require(danish.rows.first)
        #expect(row.number == "7")
        #expect(row.fields == CustomerFields(name: "A/S Ø", address: "Vej 1", zip: "8000", city: "Aarhus", country: "DK", email: "a@b.dk",
                                             phone: "12345678", cvr: "25043235", ean: "5790001527525", contact: "Bo"))
        #expect(try read("Kundenr.;Navn;Kontakt\n1;X;Bo\n").rows.first?.fields.contact == "Bo")
    }

    @Test func countryNamesBecomeCodes() throws {
        let file = try read("Kundenr.;Navn;Land\n1;A;Danmark\n2;B;dk\n3;C;Sverige\n4;D;Germany\n5;E;Atlantis\n")
        #expect(file.rows.map { $0.fields.country } == ["DK", "DK", "SE", "DE"])
        #expect(file.errors.map(\.line) == [6])
    }

    @Test func economicExportHeaders() throws {
        let file = try read("Nr.;Navn;Adresse;Postnummer;By;Land;CVR-nr.;EAN;E-mail;Telefon og faxnummer\n17;Firma ApS;Vej 1;8000;Aarhus C;Danmark;25043235;;a@b.dk;86 12 34 56\n")
        #expect(file.errors.isEmpty)
        #expect(file.rows.first?.number == "17")
        #expect(file.rows.first?.fields.phone == "86 12 34 56")
        #expect(file.rows.first?.fields.country == "DK")
    }

    /// Uniconta's debtor list and the field names of Dinero's and e-conomic's APIs, as a user
    /// saves them to a spreadsheet.
    @Test(arguments: [
        "Konto;Navn;Adresse 1;Postnr;By;Landekode;Momsnummer;GLN-nr.;E-mail;Telefon;Kontaktperson",
        "ContactNo;Name;Street;ZipCode;City;CountryKey;VatNumber;EanNumber;Email;Phone;AttPerson",
        "customerNumber;name;address;zip;city;country;corporateIdentificationNumber;ean;email;telephoneAndFaxNumber;attention",
    ])
    func accountingSystemHeaders(_ header: String) throws {
        let file = try read(header + "\n17;Firma ApS;Vej 1;8000;Aarhus C;DK;25043235;5790001527525;a@b.dk;86123456;Bo\n")
        #expect(file.errors.isEmpty)
        #expect(file.rows.first?.number == "17")
        #expect(file.rows.first?.fields == CustomerFields(name: "Firma ApS", address: "Vej 1", zip: "8000", city: "Aarhus C", country: "DK",
                                                          email: "a@b.dk", phone: "86123456", cvr: "25043235", ean: "5790001527525", contact: "Bo"))
        #expect(file.rows.first?.extra == [:])
    }

    /// Two columns that mean the same field: the first is read, the second kept under its header.
    @Test func aSecondColumnForTheSameFieldIsKeptAsExtra() throws {
        let file = try read("Kundenr.;Konto;Navn;Adresse;Adresse 1\n1;5000;A;Vej 1;Bagvej 2\n")
        #expect(file.rows.first?.number == "1")
        #expect(file.rows.first?.fields.address == "Vej 1")
        #expect(file.rows.first?.extra == ["Konto": "5000", "Adresse 1": "Bagvej 2"])
    }

    /// Exports often start with a title, a date or a filter line: the header is the first of the
    /// first ten records that names both the number and the name column, and lines stay physical.
    @Test(arguments: [";", ","])
    func titleLinesAboveTheHeaderAreSkipped(_ d: String) throws {
        let file = try read("Kundeliste\nUdskrevet 29-11-2026\(d) side 1\n\n\(d)\(d)\nKundenr.\(d)Navn\(d)By\n1\(d)A\(d)Aarhus\n2\(d)\(d)Vejle\n")
        #expect(file.rows.map(\.number) == ["1"])
        #expect(file.rows.first?.fields.city == "Aarhus")
        #expect(file.errors == [RowError(line: 7, field: "name", message: "name is required (1–100 characters)")])
    }

    @Test func noHeaderInTheFirstTenRecordsIsAnErrorOnTheFirst() throws {
        let title = (1...10).map { "Titel \($0)" }.joined(separator: "\n")
        let late = try read(title + "\nKundenr.;Navn\n1;A\n")
        #expect(late.rows.isEmpty)
        #expect(late.errors.map(\.line) == [1, 1])
        #expect(late.errors.map(\.field) == ["number", "name"])
        let short = try read("Kundeliste\nKunde;Adresse\n")
        #expect(short.errors.map(\.line) == [1, 1])
        let nameOnly = try read("Navn;By\nA;Aarhus\n")
        #expect(nameOnly.errors == [RowError(line: 1, field: "number", message: "no customer number column: the header needs 'Kundenr.' or 'Customer no.'")])
    }

    @Test func unknownColumnsAreKept() throws {
        let file = try read("Kundenr.;Navn;Betalingsbetingelser;Noter\n1;X;Netto 8 dage;\n")
        #expect(file.rows.first?.extra == ["Betalingsbetingelser": "Netto 8 dage"])
    }

    @Test func emptyCellsAreNil() throws {
        let file = try read("Kundenr.;Navn;Adresse;E-mail\n1;X;  ;\n")
        #expect(file.rows.first?.fields.address == nil)
        #expect(file.rows.first?.fields.email == nil)
    }

    @Test func everyBadFieldIsReportedWithItsLine() throws {
        let file = try read("""
            Kundenr.;Navn;CVR;EAN;E-mail;Land;Postnr.
            1;Good;25043235;;a@b.dk;DK;8000
            2;"Two
            lines";25043236;;bad-mail;Atlantis;8000
            ;No number;;;;;
            4;;;5790001527526;;;12345678901
            1;Duplicate;;;;;
            0;Zero;;;;;
            """)
        #expect(file.rows.map(\.number) == ["1"])
        let byLine = Dictionary(grouping: file.errors, by: \.line).mapValues { $0.map(\.field).sorted() }
        #expect(byLine[3] == ["country", "cvr", "email"])
        #expect(byLine[5] == ["number"])
        #expect(byLine[6] == ["ean", "name", "zip"])
        #expect(byLine[7] == ["number"])
        #expect(file.errors.first { $0.line == 7 }?.message.contains("line 2") == true)
        #expect(byLine[8] == ["number"])
    }

    @Test func localNumbersFollowTheLocalRule() throws {
        let file = try read("Kundenr.;Navn\nK1001;A\nABCDEFGHIJK;B\n", side: .local)
        #expect(file.rows.map(\.number) == ["K1001"])
        #expect(file.errors.map(\.line) == [3])
        let remote = try read("Kundenr.;Navn\nK1001;A\n0042;B\n", side: .remote)
        #expect(remote.rows.map(\.number) == ["42"])
        #expect(remote.errors.map(\.line) == [2])
    }

    @Test func missingRequiredColumnsAreReportedOnTheHeader() throws {
        let file = try read("Navn;By\nA;B\n")
        #expect(file.errors.contains(RowError(line: 1, field: "number", message: "no customer number column: the header needs 'Kundenr.' or 'Customer no.'")))
    }

    @Test func emptyFileIsAnError() {
        #expect(throws: RowError.self) { try read("") }
        #expect(throws: RowError.self) { try read("\n\n") }
    }

    @Test func formulaGuardIsRemoved() throws {
        let file = try read("Kundenr.;Navn;Telefon\n1;'=SUM(A1);'+45 20 00 00 02\n")
        #expect(file.rows.first?.fields.name == "=SUM(A1)")
        #expect(file.rows.first?.fields.phone == "+45 20 00 00 02")
    }

    @Test func blankRowsAreIgnored() throws {
        let file = try read("Kundenr.;Navn\n1;A\n;\n;;;\n2;B\n")
        #expect(file.rows.map(\.number) == ["1", "2"])
        #expect(file.errors.isEmpty)
    }

    @Test func shippedExamplesReadCleanly() throws {
        let dir = Paths.protocolDirectory.appendingPathComponent("examples")
        let local = try RegisterFile.read(Array(try Data(contentsOf: dir.appendingPathComponent("local-customers.csv"))), format: nil, side: .local)
        #expect(local.errors.isEmpty)
        #expect(local.rows.count == 12)
        #expect(local.rows.last?.extra["Rengøringsfrekvens"] == "Månedlig,\r\nhelst om fredagen")
        #expect(local.rows[3].fields.address == "Store Kongensgade 40; 3. th")
        let csv = try RegisterFile.read(Array(try Data(contentsOf: dir.appendingPathComponent("remote-customers.csv"))), format: nil, side: .remote)
        #expect(csv.errors.isEmpty)
        #expect(csv.rows.first { $0.number == "3002" }?.fields.name == "Restaurant “Havblik”")
        #expect(csv.rows.first { $0.number == "3004" }?.fields.name == "Engros-Rengøring € ApS")
        let xlsx = try RegisterFile.read(Array(try Data(contentsOf: dir.appendingPathComponent("remote-customers.xlsx"))), format: nil, side: .remote)
        #expect(xlsx.format == .xlsx)
        #expect(xlsx.errors.isEmpty)
        #expect(xlsx.rows.map(\.number) == csv.rows.map(\.number))
        #expect(xlsx.rows.map(\.fields) == csv.rows.map(\.fields))
        let bad = try RegisterFile.read(Array(try Data(contentsOf: dir.appendingPathComponent("remote-customers-with-errors.csv"))), format: nil, side: .remote)
        #expect(bad.rows.map(\.number) == ["4007"])
        #expect(Set(bad.errors.map(\.line)) == [2, 3, 4, 5, 6, 7])
    }
}

/// The accounting systems' own headers (protocol/headers.md), as their lists and APIs name them.
@Suite("Accounting systems' headers")
struct AccountingHeaderTests {
    func read(_ text: String) throws -> RegisterFile {
        try RegisterFile.read(Array(text.utf8), format: .csv, side: .remote)
    }

    @Test(arguments: [
        // Uniconta, Danish and English
        "Konto;Kontonavn;Adresse 1;Adresse 2;Postnr.;By;Land\n1001;Bageriet Ørsted ApS;Østergade 12;Baghuset;8000;Aarhus C;DK\n",
        "Account;Account name;Address1;Address2;ZipCode;City name;Country\n1001;Bageriet Ørsted ApS;Østergade 12;Baghuset;8000;Aarhus C;DK\n",
        // Dinero (its API's contact fields)
        "ExternalReference;Name;Street;ZipCode;City;CountryKey\n1001;Bageriet Ørsted ApS;Østergade 12, Baghuset;8000;Aarhus C;DK\n",
        // Billy (its API's contact fields)
        "contactNo;name;street;zipcodeText;cityText;countryId\n1001;Bageriet Ørsted ApS;Østergade 12, Baghuset;8000;Aarhus C;DK\n",
        // e-conomic's Danish list, ZIP and city in one column
        "Kundenr.;Navn;Adresse;Post/By;Land\n1001;Bageriet Ørsted ApS;Østergade 12, Baghuset;8000 Aarhus C;Danmark\n",
    ])
    func everySystemsHeaderReadsTheSameCustomer(_ text: String) throws {
        let file = try read(text)
        #expect(file.errors.isEmpty, "\(file.errors)")
        let row = try #require(file.rows.first)
        #expect(row.number == "1001")
        #expect(row.fields.name == "Bageriet Ørsted ApS")
        #expect(row.fields.address == "Østergade 12, Baghuset")
        #expect(row.fields.zip == "8000")
        #expect(row.fields.city == "Aarhus C")
        #expect(row.fields.country == "DK")
        #expect(row.extra.isEmpty)
    }

    @Test func zipAndCityInOneColumnSplit() {
        #expect(RegisterBuilder.splitZipCity("8000 Aarhus C") == ("8000", "Aarhus C"))
        #expect(RegisterBuilder.splitZipCity("DK-1264 København K") == ("1264", "København K"))
        #expect(RegisterBuilder.splitZipCity("2800, Kongens Lyngby") == ("2800", "Kongens Lyngby"))
        #expect(RegisterBuilder.splitZipCity("Aarhus C") == (nil, "Aarhus C"))
        #expect(RegisterBuilder.splitZipCity("8000") == ("8000", nil))
        // Separate columns win over the combined one.
        let file = try? RegisterFile.read(Array("Kundenr.;Navn;Post/By;By\n1;A;8000 Aarhus C;Aarhus\n".utf8), format: .csv, side: .remote)
        #expect(file?.rows.first?.fields.city == "Aarhus")
        #expect(file?.rows.first?.fields.zip == "8000")
    }
}
