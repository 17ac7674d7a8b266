import GRDB
import SyncCore

/// The trigram index of the search keys that `listUnsynced`'s `query` reads: one FTS5 table a
/// side (`trigram` tokenizer, contentless, `detail=none`), holding every customer whose id is at
/// most `search_index.upTo`.
///
/// Building the index costs as much as the import itself, so the bulk writes leave
/// their new customers past `upTo` and the index catches up afterwards, a chunk per transaction
/// (`indexNext`), while a query reads the customers past `upTo` by `instr` as before. Small
/// writes catch up in their own transaction (`catchUp`), so a register of a few thousand is
/// always fully indexed.
///
/// What keeps it true: customer ids are never reused (`IdAllocator`), so a new customer is
/// always past `upTo`; the triggers below change the index when an indexed customer's key
/// changes or the customer is deleted, whatever write does it. A side's index holds
/// candidates only: a query's trigrams all present, maybe not in a row. Every candidate is
/// checked against its key with `instr`, so the answer is the same as reading every key.
enum SearchIndex {
    static func table(_ side: Side) -> String {
        side == .local ? "customer_search_local" : "customer_search_remote"
    }

    /// The index as migration v5 made it, with triggers on the stored key (v12 replaces them:
    /// `triggers`). Shipped: never edited.
    static var schema: String {
        var sql = """
            -- every customer with an id at most upTo is in its side's trigram index
            CREATE TABLE search_index (upTo INTEGER NOT NULL);
            INSERT INTO search_index (upTo) VALUES (0);

            """
        for side in Side.allCases {
            let t = table(side)
            sql += """
                CREATE VIRTUAL TABLE \(t) USING fts5(searchKey, content='', columnsize=0, detail='none', tokenize='trigram case_sensitive 1');
                CREATE VIRTUAL TABLE \(t)_terms USING fts5vocab(\(t), 'row');
                CREATE TRIGGER \(t)_key AFTER UPDATE OF searchKey ON customer
                    WHEN old.side = '\(side.rawValue)' AND new.searchKey IS NOT old.searchKey AND old.id <= (SELECT upTo FROM search_index)
                BEGIN
                    INSERT INTO \(t) (\(t), rowid, searchKey) VALUES ('delete', old.id, old.searchKey);
                    INSERT INTO \(t) (rowid, searchKey) VALUES (new.id, new.searchKey);
                END;
                CREATE TRIGGER \(t)_gone AFTER DELETE ON customer
                    WHEN old.side = '\(side.rawValue)' AND old.id <= (SELECT upTo FROM search_index)
                BEGIN
                    INSERT INTO \(t) (\(t), rowid, searchKey) VALUES ('delete', old.id, old.searchKey);
                END;

                """
        }
        return sql
    }

    /// The triggers that keep the index true when an indexed customer's searchable fields
    /// change or the customer is deleted (migration v12: the key computed, `SearchKey`). FTS5
    /// takes a customer out of a contentless index by the key it was indexed with.
    static var triggers: String {
        let fields = SearchKey.columnNames
        let changed = fields.map { "old.\($0) IS NOT new.\($0)" }.joined(separator: " OR ")
        let oldKey = "search_key(" + fields.map { "old.\($0)" }.joined(separator: ", ") + ")"
        let newKey = "search_key(" + fields.map { "new.\($0)" }.joined(separator: ", ") + ")"
        var sql = ""
        for side in Side.allCases {
            let t = table(side)
            sql += """
                CREATE TRIGGER \(t)_key AFTER UPDATE OF \(SearchKey.columns) ON customer
                    WHEN old.side = '\(side.rawValue)' AND old.id <= (SELECT upTo FROM search_index) AND (\(changed))
                BEGIN
                    INSERT INTO \(t) (\(t), rowid, searchKey) VALUES ('delete', old.id, \(oldKey));
                    INSERT INTO \(t) (rowid, searchKey) VALUES (new.id, \(newKey));
                END;
                CREATE TRIGGER \(t)_gone AFTER DELETE ON customer
                    WHEN old.side = '\(side.rawValue)' AND old.id <= (SELECT upTo FROM search_index)
                BEGIN
                    INSERT INTO \(t) (\(t), rowid, searchKey) VALUES ('delete', old.id, \(oldKey));
                END;

                """
        }
        return sql
    }

    /// The keys of a fixed sample of customers, digested: it changes when the code folds or
    /// puts keys together differently, and an index built with other keys cannot take its
    /// customers out again (FTS5 needs the same key), so `checkSignature` rebuilds it then.
    static let signature: Int64 = {
        let samples: [[String?]] = [
            ["1001", "Æblegården  A/S", "Hovedgaden 3, 2. tv.", "2970", "Hørsholm", "Info@Aeble.DK", "+45 86 12 34 56", "DK-12345678"],
            [nil, "Müller & Söhne GmbH", "Straße 1", "80331", "München", "a@b.de", "0045 70 10 20 30", nil],
            ["K-7", "Ångström ÉCOLE Œuvre ﬁne Ő Ａ", "Ul. Żółta 5", nil, "Łódź", nil, "(+45) 12", "DE 123 456 789"],
            ["€5 $ + < = > | ~ ©", "Ｐ Р ο В Ελλάδα Москва 東京", "e\u{301}cole a\u{30A}", "", "Zürich", "x", "", ""],
            ["", "", nil, nil, nil, nil, nil, nil],
        ]
        var digest = FNV1a()
        for sample in samples {
            digest.mix(SearchKey.of(sample))
            digest.mix(0)
        }
        return Int64(bitPattern: digest.value)
    }()

    /// Rebuilds the index from nothing when it was built with keys the code no longer
    /// computes (`signature`): both sides emptied and `upTo` 0, so the indexer builds it again
    /// while queries read the keys. Nothing when the signature is the same.
    static func checkSignature(_ db: Database) throws {
        guard try storedSignature(db) != signature else { return }
        for side in Side.allCases {
            try db.execute(sql: "INSERT INTO \(table(side)) (\(table(side))) VALUES ('delete-all')")
        }
        try db.execute(sql: "UPDATE search_index SET upTo = 0, signature = ?", arguments: [signature])
    }

    /// The signature of the keys the index was built with.
    static func storedSignature(_ db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT signature FROM search_index")
    }

    /// The highest id indexed: every customer at or below it is in the index.
    static func upTo(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT upTo FROM search_index")) ?? 0
    }

    /// Indexes the next customers past `upTo`, at most `limit` of them; returns how many
    /// (0: the index is complete).
    @discardableResult
    static func indexNext(_ db: Database, atMost limit: Int) throws -> Int {
        let from = try upTo(db)
        guard let last = try Int64.fetchOne(db, sql: "SELECT max(id) FROM (SELECT id FROM customer WHERE id > ? ORDER BY id LIMIT ?)",
                                            arguments: [from, limit]) else { return 0 }
        var indexed = 0
        for side in Side.allCases {
            // By the ids' range (`+side`: on `side = ?` SQLite took the index of numbers and read
            // the whole side for every chunk, 60 of a million-customer catch-up's seconds).
            try db.execute(sql: "INSERT INTO \(table(side)) (rowid, searchKey) SELECT id, \(SearchKey.ofC) FROM customer c WHERE id > ? AND id <= ? AND +side = ?",
                           arguments: [from, last, side.rawValue])
            indexed += db.changesCount
        }
        try db.execute(sql: "UPDATE search_index SET upTo = ?", arguments: [last])
        return indexed
    }

    /// Merges some of the index's segments, writing about `pages` pages, in both sides' tables;
    /// whether there was any to merge. With 'automerge' off (v12) a bulk catch-up leaves many
    /// segments: a query reads each (a million keys: a 1,000-candidate count 1.10 ms, merged
    /// 0.67 ms, sqlite3 trial), so the indexer merges them afterwards, a step a transaction.
    static func mergeStep(_ db: Database, pages: Int) throws -> Bool {
        var merged = false
        for side in Side.allCases {
            let before = db.totalChangesCount
            try db.execute(sql: "INSERT INTO \(table(side)) (\(table(side)), rank) VALUES ('merge', ?)", arguments: [pages])
            // FTS5: a difference of 2 or more means the command merged something.
            if db.totalChangesCount - before >= 2 { merged = true }
        }
        return merged
    }

    /// Indexes every customer past `upTo` when they are at most `limit`; leaves a larger backlog
    /// to `indexNext` (a bulk write's reply should not wait for it).
    static func catchUp(_ db: Database, ifAtMost limit: Int) throws {
        if try !backlog(db, atLeast: limit + 1) { try indexNext(db, atMost: limit) }
    }

    /// How many customers wait to be indexed.
    static func backlog(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM customer WHERE id > ?", arguments: [upTo(db)]) ?? 0
    }

    /// Whether at least `count` customers wait to be indexed (reads no more than that many).
    static func backlog(_ db: Database, atLeast count: Int) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM customer WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?)"),
                          arguments: [upTo(db), count - 1]) ?? false
    }

    /// A write's own catch-up covers at most this many new customers (a short wait for it).
    static let catchUpLimit = 2_000

    /// The distinct trigrams of `text`, as the `trigram` tokenizer cuts them (by code point).
    static func trigrams(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count >= 3 else { return [] }
        var seen = Set<String>()
        var trigrams: [String] = []
        for start in 0...(scalars.count - 3) {
            var trigram = String.UnicodeScalarView()
            trigram.append(contentsOf: scalars[start..<start + 3])
            let text = String(trigram)
            if seen.insert(text).inserted { trigrams.append(text) }
        }
        return trigrams
    }

    /// The differences between the index and the keys it should hold, for `tallyDifferences`:
    /// for every trigram, the customers the index finds by it are those of its side, indexed,
    /// whose key holds it (reads every posting of the index: for tests and diagnostics).
    static func differences(_ db: Database) throws -> [String] {
        let upTo = try upTo(db)
        var out: [String] = []
        for side in Side.allCases {
            let t = table(side)
            var expected: [String: [Int64]] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT id, \(SearchKey.ofC) AS searchKey FROM customer c WHERE side = ? AND id <= ? ORDER BY id",
                                           arguments: [side.rawValue, upTo])
            while let row = try rows.next() {
                let id: Int64 = row["id"]
                for trigram in trigrams(row["searchKey"]) { expected[trigram, default: []].append(id) }
            }
            let terms = Set(try String.fetchAll(db, sql: "SELECT term FROM \(t)_terms")).union(expected.keys)
            var wrong: [String] = []
            for term in terms.sorted() {
                let found = try Int64.fetchAll(db, sql: "SELECT rowid FROM \(t) WHERE \(t) MATCH ? ORDER BY rowid", arguments: [quoted(term)])
                if found != expected[term] ?? [] { wrong.append(term) }
            }
            if !wrong.isEmpty { out.append("\(side.rawValue) search index differs from the keys for \(wrong.count) trigrams: \(wrong.prefix(10))") }
        }
        return out
    }

    /// A string as an FTS5 string literal.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The FTS5 expression of customers whose key may hold one of `terms`: a few of a term's
    /// trigrams present (`narrowing`; `detail=none` keeps no positions, so whether they are in a
    /// row is for `instr` to check). Nil when a term is shorter than three characters: the
    /// index cannot narrow it.
    static func expression(_ terms: [String]) -> String? {
        var alternatives: [String] = []
        for term in terms {
            let chosen = narrowing(trigrams(term))
            guard !chosen.isEmpty else { return nil }
            alternatives.append("(" + chosen.map(quoted).joined(separator: " AND ") + ")")
        }
        return alternatives.isEmpty ? nil : alternatives.joined(separator: " OR ")
    }

    /// The trigrams of a term that the index intersects: FTS5 reads each one's whole list of
    /// customers, so every trigram more costs as much as its list is long, while `instr` then
    /// checks each candidate for about a microsecond. At most three: the first, one across a
    /// word boundary (letter, space, letter: the rarest kind, far rarer than a trigram inside a
    /// common word), else one from the middle and the last.
    static func narrowing(_ trigrams: [String]) -> [String] {
        guard trigrams.count > 3 else { return trigrams }
        let across = trigrams.first { trigram in
            let s = Array(trigram.unicodeScalars)
            return s[1] == " " && s[0] != " " && s[2] != " "
        }
        if let across, across != trigrams[0] { return [trigrams[0], across] }
        return [trigrams[0], trigrams[trigrams.count / 2], trigrams[trigrams.count - 1]]
    }
}

extension AppDatabase {
    /// Indexes the next customers waiting for the search index, at most `limit`, in one
    /// transaction; returns how many (0: complete). Run by the service after bulk writes,
    /// a chunk at a time, so other writes wait at most for one chunk.
    public func indexSearchKeys(atMost limit: Int) throws -> Int {
        try maintenanceWrite { db in try SearchIndex.indexNext(db, atMost: limit) }
    }

    /// Merges some of the search index's segments (`SearchIndex.mergeStep`) in one
    /// transaction; whether there were any to merge. Run by the service after a catch-up.
    public func mergeSearchIndex(pages: Int) throws -> Bool {
        try maintenanceWrite { db in try SearchIndex.mergeStep(db, pages: pages) }
    }

    /// How many customers wait for the search index (0 when it holds every customer).
    public func searchIndexBacklog() throws -> Int {
        try read { db in try SearchIndex.backlog(db) }
    }

    /// Whether at least `count` customers wait for the search index.
    public func searchIndexBacklog(atLeast count: Int) throws -> Bool {
        try read { db in try SearchIndex.backlog(db, atLeast: count) }
    }
}
