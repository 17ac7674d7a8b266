import GRDB
import SyncCore

/// The versioned migrations. Shipped migrations are never edited: add a new one.
///
/// The invariants live in SQL ("trust SQLite more than yourself"): a customer number is unique
/// per side, a customer has at most one partner, a link joins a local customer to a remote one,
/// an excluded customer is never linked. The last two are composite foreign keys: a link
/// references `(id, side, excluded)` with its own side fixed and `excluded` fixed at 0, so
/// SQLite refuses a link to the wrong side or to an excluded customer, and refuses to exclude a
/// linked one (a trigger did the same at a cost create-all felt).
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                -- Ids come from IdAllocator (table id_sequence): never reused, so a client's old
                -- id never names another row.
                CREATE TABLE id_sequence (name TEXT PRIMARY KEY, next INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE customer (
                    id INTEGER PRIMARY KEY,
                    side TEXT NOT NULL CHECK (side IN ('local', 'remote')),
                    number TEXT CHECK (number IS NULL OR length(number) >= 1),
                    name TEXT NOT NULL,
                    address TEXT,
                    zip TEXT,
                    city TEXT,
                    country TEXT,
                    email TEXT,
                    phone TEXT,
                    cvr TEXT,
                    ean TEXT,
                    contact TEXT,
                    -- columns of an imported file that we do not know, as a JSON object
                    extra TEXT NOT NULL DEFAULT '{}',
                    -- digest of the row as last read from or written to that side's file (null:
                    -- never); a re-imported row with the same digest is unchanged
                    seenDigest INTEGER,
                    -- the synced fields as last read from or written to the file, as a JSON object:
                    -- a re-imported field is a change only where it differs from these. Null
                    -- while they are the customer's own values (most rows: then nothing is stored
                    -- twice); `writeFields` stores them before the customer's values change.
                    seen TEXT,
                    -- 1 while values copied here by sync have not yet been exported to the file
                    pending INTEGER NOT NULL DEFAULT 0 CHECK (pending IN (0, 1)),
                    excluded INTEGER NOT NULL DEFAULT 0 CHECK (excluded IN (0, 1)),
                    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
                    -- lower-cased number, name, e-mail, phone digits and CVR, for `query`
                    searchKey TEXT NOT NULL DEFAULT '',
                    CHECK (side = 'remote' OR number IS NOT NULL),
                    UNIQUE (id, side, excluded)
                );
                CREATE UNIQUE INDEX customer_side_number ON customer(side, number);
                CREATE INDEX customer_side_excluded ON customer(side, excluded, id);
                CREATE INDEX customer_pending ON customer(side, id) WHERE pending = 1;

                CREATE TABLE link (
                    id INTEGER PRIMARY KEY,
                    -- null only in a 'deleted' link, on the side where the customer vanished
                    localId INTEGER UNIQUE,
                    localSide TEXT NOT NULL DEFAULT 'local' CHECK (localSide = 'local'),
                    remoteId INTEGER UNIQUE,
                    remoteSide TEXT NOT NULL DEFAULT 'remote' CHECK (remoteSide = 'remote'),
                    -- a linked customer is not excluded
                    notExcluded INTEGER NOT NULL DEFAULT 0 CHECK (notExcluded = 0),
                    state TEXT NOT NULL CHECK (state IN ('synced', 'conflict', 'deleted')),
                    -- the values both sides last agreed on, as a JSON object (a field missing from
                    -- it has no agreed value yet). Null while they are the customers' own values (a
                    -- synced link nobody changed since); stored before either customer changes.
                    base TEXT,
                    -- in a 'deleted' link: the number the vanished customer had
                    vanishedNumber TEXT,
                    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
                    CHECK (state = 'deleted' OR (localId IS NOT NULL AND remoteId IS NOT NULL)),
                    CHECK (state <> 'deleted' OR ((localId IS NULL) <> (remoteId IS NULL))),
                    FOREIGN KEY (localId, localSide, notExcluded) REFERENCES customer(id, side, excluded),
                    FOREIGN KEY (remoteId, remoteSide, notExcluded) REFERENCES customer(id, side, excluded)
                );
                CREATE INDEX link_state ON link(state, id);

                -- How many customers each side has, excluded or not, so that `status` and the
                -- lists do not count 100,000 index entries (about 8 ms each). Kept by the write
                -- methods in the same transaction as the change (`Tally.swift`): a row trigger
                -- did it for SQLite but cost 10 µs a row, half a 100,000-row import (measured).
                CREATE TABLE tally (
                    side TEXT NOT NULL,
                    excluded INTEGER NOT NULL,
                    n INTEGER NOT NULL CHECK (n >= 0),
                    PRIMARY KEY (side, excluded)
                ) WITHOUT ROWID;
                INSERT INTO tally VALUES ('local', 0, 0), ('local', 1, 0), ('remote', 0, 0), ('remote', 1, 0);

                -- Counters that grow with certain changes, so caches can tell they are stale:
                -- 'fields' grows whenever customers are added or their synced fields change
                -- (partner suggestions keep their index until then).
                CREATE TABLE generation (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
                INSERT INTO generation VALUES ('fields', 0);

                -- Every change ever made: one row per changed field (field null for create,
                -- delete, link and unlink events). Ids are not foreign keys: history outlives
                -- the customers and links it speaks of.
                CREATE TABLE history (
                    id INTEGER PRIMARY KEY,
                    at TEXT NOT NULL,
                    operation TEXT NOT NULL,
                    source TEXT NOT NULL CHECK (source IN ('user', 'import', 'sync')),
                    customerId INTEGER,
                    linkId INTEGER,
                    field TEXT,
                    old TEXT,
                    new TEXT
                );
                CREATE INDEX history_customer ON history(customerId, id);
                CREATE INDEX history_link ON history(linkId, id) WHERE linkId IS NOT NULL;
                """)
        }
        migrator.registerMigration("v2: connection") { db in
            try db.execute(sql: """
                -- The API connection to the accounting system, if any (at most one row). The
                -- tokens are sealed by the service with a key kept outside this file: a copy
                -- of the database does not give them away.
                CREATE TABLE connection (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    system TEXT NOT NULL,
                    baseUrl TEXT NOT NULL,
                    sealedTokens BLOB NOT NULL,
                    -- the connector's settings (defaults for new customers, timeouts), as JSON
                    settings TEXT NOT NULL,
                    -- when the last pull and push finished (ISO 8601), and what went wrong last
                    lastPull TEXT,
                    lastPush TEXT,
                    lastError TEXT,
                    -- the system's own timestamp of the newest change a pull has seen: the next
                    -- pull asks for changes from then on
                    pullMark TEXT
                );
                """)
        }
        migrator.registerMigration("v3: search key folded, with address, ZIP code and city") { db in
            // `query` finds a customer by its address, ZIP code and city too, folded as matching
            // folds ("Hørsholm" and "HOERSHOLM" alike): every key computed again.
            // (`search_key` is registered on every connection; again here for a bare queue.)
            try SearchKey.register(db)
            try db.execute(sql: "UPDATE customer SET searchKey = search_key(number, name, address, zip, city, email, phone, cvr)")
        }
        migrator.registerMigration("v4: linked") { db in
            try db.execute(sql: """
                -- 1 while the customer is in a link (any state): kept by every write that makes or
                -- removes a link (LinkWriter, createAllPartners, removeLink, recreate), so that the
                -- unsynced lists walk an index of the unsynced alone rather than every linked
                -- customer with two probes of link each (217 ms a page after 1,000,000 links).
                -- The two partial indexes hold only the unsynced and the excluded: a customer
                -- that gets linked leaves the first, and a partner created linked never enters.
                ALTER TABLE customer ADD COLUMN linked INTEGER NOT NULL DEFAULT 0 CHECK (linked IN (0, 1));
                UPDATE customer SET linked = 1 WHERE id IN (SELECT localId FROM link WHERE localId IS NOT NULL)
                    OR id IN (SELECT remoteId FROM link WHERE remoteId IS NOT NULL);
                DROP INDEX customer_side_excluded;
                CREATE INDEX customer_unsynced ON customer(side, id) WHERE excluded = 0 AND linked = 0;
                CREATE INDEX customer_excluded ON customer(id) WHERE excluded = 1;
                """)
        }
        migrator.registerMigration("v5: search index") { db in
            try db.execute(sql: SearchIndex.schema)
        }
        migrator.registerMigration("v6: writes generation") { db in
            // 'writes' grows with every committed write of the facade (the search indexer's
            // excepted): who may be paired is unchanged while it stays the same.
            try db.execute(sql: "INSERT INTO generation VALUES ('writes', 0)")
        }
        migrator.registerMigration("v7: system key") { db in
            try db.execute(sql: """
                -- The connected system's own identity of a remote customer, where it is not the
                -- number (Dinero's contact GUID; e-conomic's is its customer number, kept here as
                -- well once pulled): a pull matches by it, so it never changes who a customer is,
                -- while the number the window shows may change or be missing. Null for a
                -- register read from a file, matched by number.
                ALTER TABLE customer ADD COLUMN systemKey TEXT CHECK (systemKey IS NULL OR length(systemKey) >= 1);
                CREATE UNIQUE INDEX customer_system_key ON customer(side, systemKey) WHERE systemKey IS NOT NULL;
                """)
        }
        migrator.registerMigration("v8: automatic sync") { db in
            try db.execute(sql: """
                -- Automatic sync, stored with the connection so a restarted server goes on: its
                -- interval and full-pull interval in seconds (null: off), when its last round
                -- ended, that round's error as a JSON-RPC error object (null: it went well), and
                -- how many rounds in a row have failed (the pause before the next one grows).
                ALTER TABLE connection ADD COLUMN autoEverySeconds INTEGER CHECK (autoEverySeconds IS NULL OR autoEverySeconds >= 5);
                ALTER TABLE connection ADD COLUMN autoFullEverySeconds INTEGER;
                ALTER TABLE connection ADD COLUMN autoLastAt TEXT;
                ALTER TABLE connection ADD COLUMN autoLastError TEXT;
                ALTER TABLE connection ADD COLUMN autoFailures INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE connection ADD COLUMN autoFailingSince TEXT;
                -- When the last full pull (which finds deletions) finished, by any means.
                ALTER TABLE connection ADD COLUMN lastFullPull TEXT;
                """)
        }
        migrator.registerMigration("v9: register headers") { db in
            try db.execute(sql: """
                -- The header of the last file imported into each side (a JSON list of its cells):
                -- a new file with the same columns is likely from the same register.
                CREATE TABLE registerHeader (
                    side TEXT PRIMARY KEY CHECK (side IN ('local', 'remote')),
                    header TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v10: link tally") { db in
            try db.execute(sql: """
                -- How many links there are in each state, with a local customer or without one
                -- (a 'deleted' link has one side only), so that totals never walk the links.
                -- Kept by triggers: links are written in many places, a count in each would drift.
                CREATE TABLE linkTally (
                    state TEXT NOT NULL,
                    hasLocal INTEGER NOT NULL,
                    n INTEGER NOT NULL,
                    PRIMARY KEY (state, hasLocal)
                ) WITHOUT ROWID;
                INSERT INTO linkTally (state, hasLocal, n)
                    SELECT s.state, h.hasLocal, (SELECT count(*) FROM link WHERE state = s.state AND (localId IS NOT NULL) = h.hasLocal)
                    FROM (SELECT 'synced' AS state UNION ALL SELECT 'conflict' UNION ALL SELECT 'deleted') s,
                         (SELECT 0 AS hasLocal UNION ALL SELECT 1) h;
                CREATE TRIGGER linkTallyInsert AFTER INSERT ON link BEGIN
                    UPDATE linkTally SET n = n + 1 WHERE state = new.state AND hasLocal = (new.localId IS NOT NULL);
                END;
                CREATE TRIGGER linkTallyDelete AFTER DELETE ON link BEGIN
                    UPDATE linkTally SET n = n - 1 WHERE state = old.state AND hasLocal = (old.localId IS NOT NULL);
                END;
                CREATE TRIGGER linkTallyUpdate AFTER UPDATE OF state, localId ON link
                WHEN old.state IS NOT new.state OR (old.localId IS NULL) <> (new.localId IS NULL) BEGIN
                    UPDATE linkTally SET n = n - 1 WHERE state = old.state AND hasLocal = (old.localId IS NOT NULL);
                    UPDATE linkTally SET n = n + 1 WHERE state = new.state AND hasLocal = (new.localId IS NOT NULL);
                END;
                """)
        }
        migrator.registerMigration("v11: history ranges") { db in
            try db.execute(sql: """
                -- A bulk write's events for consecutive new customers are one row: `span`
                -- entries, with the ids up to this row's (`id - span + 1` ... `id`, none of them
                -- used by another row), entry k of customer `customerId + k` and, when `linkId`
                -- is there, of link `linkId + k`. Null `span`: one entry, this row.
                ALTER TABLE history ADD COLUMN span INTEGER CHECK (span IS NULL OR span >= 2);
                -- A customer (or link) is created once, so ranges never overlap in its ids: the
                -- one that may hold it starts at the greatest id not past it.
                CREATE INDEX history_range_customer ON history(customerId) WHERE span IS NOT NULL;
                CREATE INDEX history_range_link ON history(linkId) WHERE span IS NOT NULL AND linkId IS NOT NULL;
                """)
        }
        migrator.registerMigration("v12: search key computed, links checked by triggers") { db in
            // Two things a customer's row and indexes carried that cost a third of the file
            // (426 B a customer at a million): the stored search key (110 B), now computed by
            // `search_key` when asked (`SearchKey`), and the index UNIQUE (id, side, excluded)
            // (22 B), there only for the links' composite foreign keys. A link now references
            // its customers by id, and triggers check what the composite keys checked: the
            // side, and that the customer is not excluded. Both tables are made again (SQLite
            // cannot drop a table constraint), as its documentation's twelve steps say.
            try SearchKey.register(db)
            // The index holds the stored keys' trigrams: kept when every stored key is the one
            // `search_key` computes now, else built again by the indexer.
            let keysHold = try Bool.fetchOne(db, sql: """
                SELECT NOT EXISTS (SELECT 1 FROM customer WHERE searchKey IS NOT search_key(\(SearchKey.columns)))
                """) ?? false
            let fields = "id, side, number, name, address, zip, city, country, email, phone, cvr, ean, contact, extra, seenDigest, seen, pending, excluded, version, linked, systemKey"
            try db.execute(sql: """
                DROP TRIGGER customer_search_local_key;
                DROP TRIGGER customer_search_local_gone;
                DROP TRIGGER customer_search_remote_key;
                DROP TRIGGER customer_search_remote_gone;
                CREATE TABLE customer_v12 (
                    id INTEGER PRIMARY KEY,
                    side TEXT NOT NULL CHECK (side IN ('local', 'remote')),
                    number TEXT CHECK (number IS NULL OR length(number) >= 1),
                    name TEXT NOT NULL,
                    address TEXT,
                    zip TEXT,
                    city TEXT,
                    country TEXT,
                    email TEXT,
                    phone TEXT,
                    cvr TEXT,
                    ean TEXT,
                    contact TEXT,
                    -- columns of an imported file that we do not know, as a JSON object
                    extra TEXT NOT NULL DEFAULT '{}',
                    -- digest of the row as last read from or written to that side's file or
                    -- system (null: never); a re-imported row with the same digest is unchanged
                    seenDigest INTEGER,
                    -- the synced fields as last read from or written to that side, as a JSON
                    -- object; null while they are the customer's own values (`writeFields` stores
                    -- them before the customer's values change)
                    seen TEXT,
                    -- 1 while values copied here by sync have not yet reached that side
                    pending INTEGER NOT NULL DEFAULT 0 CHECK (pending IN (0, 1)),
                    excluded INTEGER NOT NULL DEFAULT 0 CHECK (excluded IN (0, 1)),
                    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
                    -- 1 while the customer is in a link (v4)
                    linked INTEGER NOT NULL DEFAULT 0 CHECK (linked IN (0, 1)),
                    -- the connected system's own identity of a remote customer (v7)
                    systemKey TEXT CHECK (systemKey IS NULL OR length(systemKey) >= 1),
                    CHECK (side = 'remote' OR number IS NOT NULL)
                );
                INSERT INTO customer_v12 (\(fields)) SELECT \(fields) FROM customer ORDER BY id;
                CREATE TABLE link_v12 (
                    id INTEGER PRIMARY KEY,
                    -- null only in a 'deleted' link, on the side where the customer vanished
                    localId INTEGER UNIQUE REFERENCES customer(id),
                    remoteId INTEGER UNIQUE REFERENCES customer(id),
                    state TEXT NOT NULL CHECK (state IN ('synced', 'conflict', 'deleted')),
                    -- the values both sides last agreed on, as a JSON object (a field missing from
                    -- it has no agreed value yet). Null while they are the customers' own values (a
                    -- synced link nobody changed since); stored before either customer changes.
                    base TEXT,
                    -- in a 'deleted' link: the number the vanished customer had
                    vanishedNumber TEXT,
                    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
                    CHECK (state = 'deleted' OR (localId IS NOT NULL AND remoteId IS NOT NULL)),
                    CHECK (state <> 'deleted' OR ((localId IS NULL) <> (remoteId IS NULL)))
                );
                INSERT INTO link_v12 (id, localId, remoteId, state, base, vanishedNumber, version)
                    SELECT id, localId, remoteId, state, base, vanishedNumber, version FROM link ORDER BY id;
                DROP TABLE link;
                DROP TABLE customer;
                ALTER TABLE customer_v12 RENAME TO customer;
                ALTER TABLE link_v12 RENAME TO link;

                CREATE UNIQUE INDEX customer_side_number ON customer(side, number);
                CREATE INDEX customer_pending ON customer(side, id) WHERE pending = 1;
                CREATE INDEX customer_unsynced ON customer(side, id) WHERE excluded = 0 AND linked = 0;
                CREATE INDEX customer_excluded ON customer(id) WHERE excluded = 1;
                CREATE UNIQUE INDEX customer_system_key ON customer(side, systemKey) WHERE systemKey IS NOT NULL;
                CREATE INDEX link_state ON link(state, id);

                -- What the composite foreign keys checked: a link joins a local customer to a
                -- remote one, neither excluded; a customer never changes side, and is not
                -- excluded while linked. (Each link written costs two more look-ups by id.)
                CREATE TRIGGER link_joins_insert BEFORE INSERT ON link
                    WHEN (new.localId IS NOT NULL AND NOT EXISTS (SELECT 1 FROM customer WHERE id = new.localId AND side = 'local' AND excluded = 0))
                      OR (new.remoteId IS NOT NULL AND NOT EXISTS (SELECT 1 FROM customer WHERE id = new.remoteId AND side = 'remote' AND excluded = 0))
                BEGIN
                    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: a link joins a local customer to a remote one, neither excluded');
                END;
                CREATE TRIGGER link_joins_update BEFORE UPDATE OF localId, remoteId ON link
                    WHEN (new.localId IS NOT NULL AND NOT EXISTS (SELECT 1 FROM customer WHERE id = new.localId AND side = 'local' AND excluded = 0))
                      OR (new.remoteId IS NOT NULL AND NOT EXISTS (SELECT 1 FROM customer WHERE id = new.remoteId AND side = 'remote' AND excluded = 0))
                BEGIN
                    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: a link joins a local customer to a remote one, neither excluded');
                END;
                CREATE TRIGGER customer_side_kept BEFORE UPDATE OF side ON customer WHEN new.side IS NOT old.side
                BEGIN
                    SELECT RAISE(ABORT, 'a customer keeps its side');
                END;
                CREATE TRIGGER customer_linked_not_excluded BEFORE UPDATE OF excluded ON customer
                    WHEN new.excluded = 1 AND (EXISTS (SELECT 1 FROM link WHERE localId = new.id) OR EXISTS (SELECT 1 FROM link WHERE remoteId = new.id))
                BEGIN
                    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: a linked customer is not excluded');
                END;

                -- The link tally's triggers (v10), made again with their table.
                CREATE TRIGGER linkTallyInsert AFTER INSERT ON link BEGIN
                    UPDATE linkTally SET n = n + 1 WHERE state = new.state AND hasLocal = (new.localId IS NOT NULL);
                END;
                CREATE TRIGGER linkTallyDelete AFTER DELETE ON link BEGIN
                    UPDATE linkTally SET n = n - 1 WHERE state = old.state AND hasLocal = (old.localId IS NOT NULL);
                END;
                CREATE TRIGGER linkTallyUpdate AFTER UPDATE OF state, localId ON link
                WHEN old.state IS NOT new.state OR (old.localId IS NULL) <> (new.localId IS NULL) BEGIN
                    UPDATE linkTally SET n = n - 1 WHERE state = old.state AND hasLocal = (old.localId IS NOT NULL);
                    UPDATE linkTally SET n = n + 1 WHERE state = new.state AND hasLocal = (new.localId IS NOT NULL);
                END;

                -- The keys the search index was built with (`SearchIndex.signature`).
                ALTER TABLE search_index ADD COLUMN signature INTEGER NOT NULL DEFAULT 0;
                """)
            try db.execute(sql: SearchIndex.triggers)
            try db.execute(sql: "UPDATE search_index SET signature = ?", arguments: [SearchIndex.signature])
            // FTS5 merges its segments 16 at a time when they pile up ('crisismerge') instead of
            // a little after every transaction: a million keys in chunks of 10,000 took 11.9 s
            // with the default 'automerge' of 4 and 7.6 s without (sqlite3, this machine's trial
            // in Benchmarks/README.md), and a query through more segments 0.32 ms against 0.21.
            for side in Side.allCases {
                try db.execute(sql: "INSERT INTO \(SearchIndex.table(side)) (\(SearchIndex.table(side)), rank) VALUES ('automerge', 0)")
            }
            if !keysHold {
                for side in Side.allCases {
                    try db.execute(sql: "INSERT INTO \(SearchIndex.table(side)) (\(SearchIndex.table(side))) VALUES ('delete-all')")
                }
                try db.execute(sql: "UPDATE search_index SET upTo = 0")
            }
        }
        return migrator
    }
}
