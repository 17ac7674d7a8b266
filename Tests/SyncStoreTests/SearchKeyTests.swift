import Foundation
import GRDB
@testable import SyncCore
import SyncFixtures
@testable import SyncStore
import Testing

/// The search key is computed in SQL (`search_key`, `search_holds`) from the customer's
/// columns, byte by byte: it must be the key the String code computes, which is what the
/// index of a database from before v12 holds (`reference` below is that code as it stood).
@Suite("Search key in SQL")
struct SearchKeyTests {
    /// The key as v3 to v11 stored it, written with Strings (the code before v12, kept here as
    /// the oracle), each part folded scalar by scalar (`Fold.appendScalars`: no byte path).
    static func reference(_ p: [String?]) -> String {
        var out: [UInt8] = []
        for part in p + [p[6].map(Normalize.phoneDigits), p[7].map(Normalize.digits)] {
            if !out.isEmpty { out.append(0x01) }
            if let part { Fold.appendScalars(part, to: &out, keepingSymbols: true) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static let tricky: [String?] = [
        nil, "", " ", "1001", "Æblegården  A/S", "HOERSHOLM", "Hørsholm", "Straße", "e\u{301}cole", "a\u{30A}",
        "€5 $ + < = > | ~", "©", "Ｐ Р ο В", "Москва", "東京", "ﬁne", "Ő", "\u{200B}zero\u{200B}width", "\u{FEFF}bom",
        "+45 86 12 34 56", "(+45) 12", "0045 70 10 20 30", "45 45 45", "+4", "DK-12345678", "info@firma.dk",
        "O'Brien & Co", "\"Citat\" A/S", "tab\there", "line\nbreak", "\u{1}", "ends with space ", "ÆØÅæøå", "Ä Ö Ü ß",
    ]

    /// A string of pieces drawn from ASCII, Danish and German letters, marks, symbols and other
    /// scripts.
    static func random(_ rng: inout some RandomNumberGenerator) -> String? {
        let pieces = ["a", "Z", "9", " ", "-", ".", "@", "+", "^", "`", "_", "ø", "Å", "é", "\u{301}", "\u{30A}", "€", "$", "Р", "ο", "東", "ß", "ﬁ",
                      "\u{200B}", "45", "00", "Ü", "ñ", "Ð", "×", "÷", "þ", "ÿ", "Ç", "©", "°", "\u{A0}", "\u{AD}", "Ā",
                      "J", "j", "Ｊ", "ĵ", "ｅ", "ﬀ", "Ǿ", "h", "K"]
        if Int.random(in: 0..<10, using: &rng) == 0 { return nil }
        return (0..<Int.random(in: 0..<14, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    static func sqlKey(_ db: Database, _ p: [String?]) throws -> String {
        try String.fetchOne(db, sql: "SELECT search_key(?, ?, ?, ?, ?, ?, ?, ?)", arguments: StatementArguments(p))!
    }

    @Test func theKeyInSQLIsTheStoredKeyOfBefore() throws {
        let db = try AppDatabase.inMemory()
        var rng = SplitMix64(seed: 12)
        var cases: [[String?]] = Self.tricky.map { t in (0..<8).map { $0 == 1 ? (t ?? "N") : t } }
        cases += Self.tricky.map { [nil, "Name", nil, nil, nil, nil, $0, $0] }
        cases += (0..<2_000).map { _ in (0..<8).map { _ in Self.random(&rng) } }
        try db.reader.read { db in
            for p in cases {
                let expected = Self.reference(p)
                let got = try Self.sqlKey(db, p)
                #expect(got == expected, "\(p)")
                #expect(CustomerSQL.searchKey(number: p[0], fields: CustomerFields(name: p[1] ?? "", address: p[2], zip: p[3], city: p[4],
                                                                                 email: p[5], phone: p[6], cvr: p[7])) == Self.reference([p[0], p[1] ?? ""] + p[2...]))
            }
        }
    }

    /// ASCII columns and terms: where `search_holds` skips a column without folding it.
    static func randomASCII(_ rng: inout some RandomNumberGenerator) -> String? {
        let pieces = ["a", "Z", "9", " ", "-", "J", "j", "h", "K", "$", "+", "45", "00", "@", ".", "b", "B", "y", "Y", "~"]
        if Int.random(in: 0..<10, using: &rng) == 0 { return nil }
        return (0..<Int.random(in: 0..<10, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    @Test(arguments: [false, true])
    func holdsIsInstrOnTheKey(ascii: Bool) throws {
        let db = try AppDatabase.inMemory()
        var rng = SplitMix64(seed: ascii ? 6 : 5)
        try db.reader.read { db in
            for _ in 0..<1_500 {
                let p = (0..<8).map { _ in ascii ? Self.randomASCII(&rng) : Self.random(&rng) }
                let key = try Self.sqlKey(db, p)
                // Pieces of the key itself (across its separators too), and strings that are not.
                let scalars = Array(key.unicodeScalars)
                var terms: [String?] = [nil, "", "zzq", ascii ? Self.randomASCII(&rng).map(Fold.text) : Self.random(&rng)]
                if !scalars.isEmpty {
                    let a = Int.random(in: 0..<scalars.count, using: &rng), b = Int.random(in: a...scalars.count, using: &rng)
                    var piece = String.UnicodeScalarView()
                    piece.append(contentsOf: scalars[a..<b])
                    terms.append(String(piece))
                }
                let first = terms.compactMap { $0 }.randomElement(using: &rng)!, second = terms.randomElement(using: &rng)!
                let expected = try Bool.fetchOne(db, sql: "SELECT instr(?, ?) > 0 OR coalesce(instr(?, ?) > 0, 0)", arguments: [key, first, key, second])!
                let holds = try Bool.fetchOne(db, sql: "SELECT search_holds(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", arguments: StatementArguments([first, second] + p))!
                #expect(holds == expected, "\(p): \(first) / \(String(describing: second))")
            }
        }
    }

    /// Every connection has the functions: a reader's query and the writer's triggers.
    @Test func everyConnectionComputesIt() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let db = try AppDatabase.open(path: path)
        _ = try db.importCustomers(side: .local, records: [ImportRecord(number: "1", fields: CustomerFields(name: "Søren Ås"), extra: [:])])
        #expect(try db.reader.read { try String.fetchOne($0, sql: "SELECT search_key(number, name, address, zip, city, email, phone, cvr) FROM customer") }
                == "1\u{1}soeren aas\u{1}\u{1}\u{1}\u{1}\u{1}\u{1}\u{1}\u{1}")
        #expect(try db.listUnsynced(side: .local, query: "soeren", limit: 5, after: nil).items.count == 1)
    }
}
