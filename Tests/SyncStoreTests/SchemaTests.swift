import Foundation
import GRDB
import SyncCore
@testable import SyncStore
import Testing

/// The invariants the schema itself enforces, whatever the code above it does.
@Suite("Schema invariants")
struct SchemaTests {
    let db: AppDatabase

    init() throws {
        db = try AppDatabase.inMemory()
    }

    @discardableResult
    func insertCustomer(_ side: String, _ number: String?, excluded: Bool = false) throws -> Int64 {
        try db.writerForTests.write { db in
            try db.execute(sql: "INSERT INTO customer (side, number, name, excluded) VALUES (?, ?, 'N', ?)",
                           arguments: [side, number, excluded])
            return db.lastInsertedRowID
        }
    }

    func link(_ local: Int64, _ remote: Int64) throws {
        try db.writerForTests.write { db in
            try db.execute(sql: "INSERT INTO link (localId, remoteId, state) VALUES (?, ?, 'synced')", arguments: [local, remote])
        }
    }

    @Test func migrationsAreApplied() throws {
        #expect(try db.appliedMigrations() == DatabaseFileTests.migrations)
    }

    @Test func numberIsUniquePerSide() throws {
        try insertCustomer("local", "1001")
        try insertCustomer("remote", "1001")
        #expect(throws: DatabaseError.self) { try insertCustomer("local", "1001") }
        // Remote customers may lack a number, several of them.
        try insertCustomer("remote", nil)
        try insertCustomer("remote", nil)
        #expect(throws: DatabaseError.self) { try insertCustomer("local", nil) }
    }

    @Test func sideIsLocalOrRemote() {
        #expect(throws: DatabaseError.self) { try insertCustomer("elsewhere", "1") }
    }

    @Test func atMostOnePartnerPerCustomer() throws {
        let l1 = try insertCustomer("local", "1")
        let l2 = try insertCustomer("local", "2")
        let r1 = try insertCustomer("remote", "1")
        let r2 = try insertCustomer("remote", "2")
        try link(l1, r1)
        #expect(throws: DatabaseError.self) { try link(l1, r2) }
        #expect(throws: DatabaseError.self) { try link(l2, r1) }
        try link(l2, r2)
    }

    @Test func linkJoinsLocalToRemote() throws {
        let l1 = try insertCustomer("local", "1")
        let l2 = try insertCustomer("local", "2")
        let r1 = try insertCustomer("remote", "1")
        #expect(throws: DatabaseError.self) { try link(l1, l2) }
        #expect(throws: DatabaseError.self) { try link(r1, l1) }
        #expect(throws: DatabaseError.self) { try link(l1, 999) }
    }

    @Test func excludedIsNeverLinked() throws {
        let l1 = try insertCustomer("local", "1", excluded: true)
        let l2 = try insertCustomer("local", "2")
        let r1 = try insertCustomer("remote", "1")
        #expect(throws: DatabaseError.self) { try link(l1, r1) }
        try link(l2, r1)
        #expect(throws: DatabaseError.self) {
            try db.writerForTests.write { try $0.execute(sql: "UPDATE customer SET excluded = 1 WHERE id = ?", arguments: [l2]) }
        }
    }

    @Test func aCustomerKeepsItsSide() throws {
        let l1 = try insertCustomer("local", "1")
        #expect(throws: DatabaseError.self) {
            try db.writerForTests.write { try $0.execute(sql: "UPDATE customer SET side = 'remote' WHERE id = ?", arguments: [l1]) }
        }
    }

    @Test func linkedCustomerCannotBeDeleted() throws {
        let l1 = try insertCustomer("local", "1")
        let r1 = try insertCustomer("remote", "1")
        try link(l1, r1)
        #expect(throws: DatabaseError.self) {
            try db.writerForTests.write { try $0.execute(sql: "DELETE FROM customer WHERE id = ?", arguments: [l1]) }
        }
    }
}

@Suite("Database file")
struct DatabaseFileTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("customer-sync-\(UUID().uuidString).sqlite").path
    }

    @Test func fileDatabaseUsesWAL() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let db = try AppDatabase.open(path: path)
        #expect(try db.journalMode() == "wal")
        #expect(try AppDatabase.inMemory().journalMode() == "memory")
    }

    @Test func twoConnectionsShareOneFile() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let a = try AppDatabase.open(path: path)
        let b = try AppDatabase.open(path: path)
        // Concurrent writers: the busy timeout makes the second wait instead of failing.
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let db = i == 0 ? a : b
            for n in 0..<200 {
                try! db.writerForTests.write { db in
                    try db.execute(sql: "INSERT INTO customer (side, number, name) VALUES ('local', ?, 'N')",
                                   arguments: ["\(i)-\(n)"])
                }
            }
        }
        #expect(try a.reader.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM customer") } == 400)
        #expect(try b.reader.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM customer") } == 400)
    }

    static let migrations = ["v1", "v2: connection", "v3: search key folded, with address, ZIP code and city", "v4: linked", "v5: search index", "v6: writes generation", "v7: system key", "v8: automatic sync", "v9: register headers", "v10: link tally", "v11: history ranges", "v12: search key computed, links checked by triggers"]

    /// A database of before v3 keeps its customers, and its search keys are computed again:
    /// the address, ZIP code and city become searchable, folded.
    @Test func v3ComputesEverySearchKeyAgain() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let queue = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(queue, upTo: "v2: connection")
            try queue.write { db in
                try db.execute(sql: """
                    INSERT INTO customer (side, number, name, address, zip, city, searchKey)
                    VALUES ('local', '7', 'Søren Ås', 'Hovedgaden 3', '2970', 'Hørsholm', '7' || char(1) || 'søren ås')
                    """)
                try db.execute(sql: "UPDATE tally SET n = 1 WHERE side = 'local' AND excluded = 0")
            }
        }
        let db = try AppDatabase.open(path: path)
        #expect(try db.appliedMigrations() == DatabaseFileTests.migrations)
        #expect(try db.tallyDifferences() == [])
        for query in ["hørsholm", "HOERSHOLM", "hovedgaden 3", "2970", "soeren aas", "Søren"] {
            #expect(try db.listUnsynced(side: .local, query: query, limit: 10, after: nil).items.map(\.number) == ["7"], "\(query)")
        }
    }

    /// A database of before v4 with links: `linked` is set from them, and the lists and counts
    /// read the same.
    @Test func v4MarksTheLinkedCustomers() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let queue = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(queue, upTo: "v3: search key folded, with address, ZIP code and city")
            try queue.write { db in
                for (id, side, number) in [(1, "local", "1"), (2, "local", "2"), (3, "remote", "1"), (4, "remote", "2")] {
                    try db.execute(sql: "INSERT INTO customer (id, side, number, name, searchKey) VALUES (?, ?, ?, 'N', ?)",
                                   arguments: [id, side, number, CustomerSQL.searchKey(number: number, fields: CustomerFields(name: "N"))])
                }
                try db.execute(sql: "UPDATE tally SET n = 2 WHERE excluded = 0")
                try db.execute(sql: "INSERT INTO link (id, localId, remoteId, state) VALUES (1, 1, 3, 'synced')")
            }
        }
        let db = try AppDatabase.open(path: path)
        #expect(try db.tallyDifferences() == [])
        #expect(try db.listUnsynced(side: nil, query: nil, limit: 10, after: nil).items.map(\.id) == [2, 4])
        #expect(try db.status().linksSynced == 1)
    }

    /// A database of before v10 gets its link tally counted from the links it holds, and
    /// the triggers keep it from then on.
    @Test func v10CountsTheLinksItFinds() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let queue = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(queue, upTo: "v9: register headers")
            try queue.write { db in
                for id in 1...6 {
                    let side = id <= 3 ? "local" : "remote", number = "\(id)"
                    try db.execute(sql: "INSERT INTO customer (id, side, number, name, searchKey, linked) VALUES (?, ?, ?, 'N', ?, ?)",
                                   arguments: [id, side, number, CustomerSQL.searchKey(number: number, fields: CustomerFields(name: "N")), id != 3])
                }
                try db.execute(sql: "UPDATE tally SET n = 3 WHERE excluded = 0")
                try db.execute(sql: """
                    INSERT INTO link (id, localId, remoteId, state) VALUES (1, 1, 4, 'synced'), (2, 2, 5, 'conflict'), (3, NULL, 6, 'deleted')
                    """)
            }
        }
        let db = try AppDatabase.open(path: path)
        #expect(try db.tallyDifferences() == [])
        let status = try db.status()
        #expect(status.linksSynced == 1 && status.linksConflict == 1 && status.linksDeleted == 1)
        #expect(status.remote.deleted == 1 && status.local.deleted == 0)
        #expect(try db.listLinks(state: nil, limit: 1, after: nil).total == 3)
        _ = try db.unlink(linkId: 1)
        #expect(try db.tallyDifferences() == [])
        #expect(try db.listLinks(state: .synced, limit: 1, after: nil).total == 0)
    }

    /// A database of v11 (stored search keys, composite foreign keys) keeps every customer and
    /// link as it was, its search index when the stored keys are the computed ones (and builds
    /// it again when one is not), and its invariants, now kept by triggers.
    @Test(arguments: [false, true])
    func v12ComputesTheKeyAndKeepsEverything(staleKey: Bool) throws {
        let path = temporaryPath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let columns = "id, side, number, name, address, zip, city, country, email, phone, cvr, ean, contact, extra, seenDigest, seen, pending, excluded, version, linked, systemKey"
        var before: [Row] = []
        do {
            let queue = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(queue, upTo: "v11: history ranges")
            try queue.write { db in
                let customers: [(Int64, String, String?, String, String?, String?, String?)] = [
                    (1, "local", "1", "Søren Ås", "Hovedgaden 3", "+45 86 12 34 56", nil), (2, "local", "2", "Æble A/S", nil, nil, "DK-12345678"),
                    (3, "local", "3", "Ude", "Vej 1", nil, nil), (4, "remote", "1", "Søren Aas", "Hovedgaden 3", nil, nil),
                    (5, "remote", nil, "Uden nummer", nil, "70 10 20 30", nil), (6, "remote", "6", "Ny € kunde", "Torvet 2", nil, nil),
                ]
                for (id, side, number, name, address, phone, cvr) in customers {
                    let key = SearchKeyTests.reference([number, name, address, nil, nil, nil, phone, cvr])
                    try db.execute(sql: """
                        INSERT INTO customer (id, side, number, name, address, phone, cvr, searchKey, seenDigest, seen, excluded, linked, systemKey, extra, version)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [id, side, number, name, address, phone, cvr, staleKey && id == 2 ? "old" : key, id * 11, id == 4 ? #"{"name":"S"}"# : nil,
                                         id == 3, id == 1 || id == 4, id == 5 ? "guid-5" : nil, id == 6 ? #"{"Noter":"x"}"# : "{}", id])
                }
                try db.execute(sql: "UPDATE tally SET n = CASE WHEN side = 'local' AND excluded = 0 THEN 2 WHEN side = 'local' THEN 1 WHEN excluded = 0 THEN 3 ELSE 0 END")
                try db.execute(sql: "INSERT INTO link (id, localId, remoteId, state, base, version) VALUES (1, 1, 4, 'conflict', '{\"name\":\"S\"}', 3)")
                try db.execute(sql: "UPDATE linkTally SET n = 1 WHERE state = 'conflict' AND hasLocal = 1")
                try SearchIndex.indexNext(db, atMost: 100)
                before = try Row.fetchAll(db, sql: "SELECT \(columns) FROM customer ORDER BY id")
            }
        }
        let db = try AppDatabase.open(path: path)
        #expect(try db.appliedMigrations() == DatabaseFileTests.migrations)
        let (after, links, keyColumn, autoIndexes) = try db.reader.read { db in
            (try Row.fetchAll(db, sql: "SELECT \(columns) FROM customer ORDER BY id"),
             try Row.fetchAll(db, sql: "SELECT id, localId, remoteId, state, base, vanishedNumber, version FROM link"),
             try db.columns(in: "customer").map(\.name).contains("searchKey"),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'customer' AND name LIKE 'sqlite_autoindex%'"))
        }
        #expect(after == before)
        #expect(links.map { Array($0.databaseValues) } == [[1.databaseValue, 1.databaseValue, 4.databaseValue, "conflict".databaseValue,
                                                           #"{"name":"S"}"#.databaseValue, .null, 3.databaseValue]])
        #expect(!keyColumn && autoIndexes == 0)
        // The index is kept when every stored key was the computed one, else built again.
        #expect(try db.reader.read(SearchIndex.upTo) == (staleKey ? 0 : 6))
        while try db.indexSearchKeys(atMost: 100) > 0 {}
        #expect(try db.tallyDifferences() == [])
        for (query, ids) in [("soeren aas", [1, 4]), ("8612", [1]), ("12345678", [2]), ("€", [6]), ("uden", [5]), ("ude", [3, 5])] as [(String, [Int64])] {
            let found = try db.listUnsynced(side: nil, query: query, limit: 10, after: nil, tuning: SearchIndexTests.indexed).items.map(\.id)
            #expect(found == ids.filter { $0 != 3 && $0 != 1 && $0 != 4 }, "\(query)")
        }
        // The invariants the composite keys held, now triggers: a side, not excluded, kept while linked.
        try db.writerForTests.write { db in
            for sql in ["INSERT INTO link (localId, remoteId, state) VALUES (3, 5, 'synced')", "INSERT INTO link (localId, remoteId, state) VALUES (5, 6, 'synced')",
                        "INSERT INTO link (localId, remoteId, state) VALUES (2, 2, 'synced')", "UPDATE link SET remoteId = 2 WHERE id = 1",
                        "UPDATE link SET localId = 3 WHERE id = 1", "UPDATE link SET localId = 5 WHERE id = 1", "INSERT INTO link (localId, remoteId, state) VALUES (2, 99, 'synced')", "UPDATE customer SET excluded = 1 WHERE id = 1",
                        "UPDATE customer SET side = 'remote' WHERE id = 2", "DELETE FROM customer WHERE id = 4"] {
                do {
                    try db.execute(sql: sql)
                    Issue.record("\(sql) went through")
                } catch is DatabaseError {}
            }
            // Each refusal changed nothing.
            #expect(try Row.fetchAll(db, sql: "SELECT \(columns) FROM customer ORDER BY id") == before)
            #expect(try Row.fetchAll(db, sql: "SELECT id, localId, remoteId, state, base, vanishedNumber, version FROM link") == links)
            try db.execute(sql: "INSERT INTO link (localId, remoteId, state) VALUES (2, 6, 'synced')")
        }
    }

    /// An index built with keys the code no longer computes (another fold) is emptied when the
    /// database is opened, and built again; meanwhile queries read the keys.
    @Test func anIndexOfOtherKeysIsBuiltAgain() throws {
        let path = temporaryPath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        do {
            let db = try AppDatabase.open(path: path)
            _ = try db.importCustomers(side: .local, records: (1...50).map { ImportRecord(number: "\($0)", fields: CustomerFields(name: "Kunde \($0)"), extra: [:]) })
            #expect(try db.reader.read(SearchIndex.upTo) == 50)
            try db.writerForTests.write { try $0.execute(sql: "UPDATE search_index SET signature = 42") }
        }
        let db = try AppDatabase.open(path: path)
        #expect(try db.reader.read(SearchIndex.upTo) == 0)
        #expect(try db.reader.read { try Int64.fetchOne($0, sql: "SELECT signature FROM search_index") } == SearchIndex.signature)
        #expect(try db.listUnsynced(side: .local, query: "kunde 17", limit: 10, after: nil, tuning: SearchIndexTests.indexed).items.map(\.number) == ["17"])
        while try db.indexSearchKeys(atMost: 20) > 0 {}
        #expect(try db.tallyDifferences() == [])
        #expect(try db.listUnsynced(side: .local, query: "kunde 17", limit: 10, after: nil, tuning: SearchIndexTests.indexed).items.map(\.number) == ["17"])
    }

    @Test func reopeningKeepsDataAndDoesNotRemigrate() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let db = try AppDatabase.open(path: path)
            try db.writerForTests.write { try $0.execute(sql: "INSERT INTO customer (side, number, name) VALUES ('local', '1', 'N')") }
        }
        let again = try AppDatabase.open(path: path)
        #expect(try again.appliedMigrations() == DatabaseFileTests.migrations)
        #expect(try again.reader.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM customer") } == 1)
    }
}

@Suite("Busy database")
struct BusyTests {
    @Test func aLockHeldPastTheTimeoutIsBusyAndChangesNothing() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("busy-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let holder = try AppDatabase.open(path: path)
        let waiter = try AppDatabase.open(path: path, busyTimeout: 0.2)
        let locked = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            try! holder.writerForTests.write { db in
                try db.execute(sql: "INSERT INTO customer (side, number, name) VALUES ('local', 'held', 'N')")
                locked.signal()
                release.wait()
            }
            done.signal()
        }
        thread.start()
        locked.wait()
        do {
            _ = try waiter.importCustomers(side: .remote, records: [ImportRecord(number: "1", fields: CustomerFields(name: "A"), extra: [:])])
            Issue.record("expected Busy")
        } catch let error as SyncError {
            #expect(error.kind == .busy)
        }
        release.signal()
        done.wait()
        let counts = try waiter.reader.read { db in
            try Row.fetchAll(db, sql: "SELECT side, count(*) FROM customer GROUP BY side").map { "\($0[0] as String)=\($0[1] as Int)" }
        }
        #expect(counts == ["local=1"])
    }
}

@Suite("Stored field maps")
struct FieldMapCodingTests {
    @Test func whatIsWrittenReadsBack() {
        let extra = ["Noter": "Línje 1\nLinje \"2\"\t\\ ø €", "Betaling": "Netto 8 dage", "Tom": ""]
        #expect(CustomerSQL.decodeExtra(CustomerSQL.encodeExtra(extra)) == extra)
        var fields = CustomerFields(name: "Æble \"A/S\"", address: nil, city: "Århus\u{1}")
        fields.contact = "Bo\r\nBo"
        let map = FieldMapCoding.decode(FieldMapCoding.encode(fields))
        #expect(FieldMapCoding.fields(map) == fields)
        #expect(map[.address] != nil && map[.address]! == nil, "an empty field is kept as an explicit null")
    }

    @Test func unexpectedShapesFallBackToTheFullDecoder() {
        #expect(FlatJSON.decode(#"{"a":"\u00e6"}"#) == ["a": "æ"])
        #expect(FlatJSON.decode(#" { "a" : "b" } "#) == ["a": "b"])
        #expect(FlatJSON.decode("not json") == nil)
        #expect(FlatJSON.decode(#"{"a":1}"#) == nil)
    }
}
