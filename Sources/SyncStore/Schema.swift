import GRDB

/// The versioned migrations. Shipped migrations are never edited: add a new one.
///
/// The invariants live in SQL ("trust SQLite more than yourself"): a customer number is unique
/// per side, a customer has at most one partner, a link joins a local customer to a remote one,
/// an excluded customer is never linked.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
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
                    excluded INTEGER NOT NULL DEFAULT 0 CHECK (excluded IN (0, 1)),
                    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
                    -- lower-cased number, name, e-mail, phone digits and CVR, for `query`
                    searchKey TEXT NOT NULL DEFAULT '',
                    CHECK (side = 'remote' OR number IS NOT NULL),
                    UNIQUE (id, side)
                );
                CREATE UNIQUE INDEX customer_side_number ON customer(side, number);
                CREATE INDEX customer_side_excluded ON customer(side, excluded, id);

                CREATE TABLE link (
                    id INTEGER PRIMARY KEY,
                    localId INTEGER NOT NULL UNIQUE,
                    localSide TEXT NOT NULL DEFAULT 'local' CHECK (localSide = 'local'),
                    remoteId INTEGER NOT NULL UNIQUE,
                    remoteSide TEXT NOT NULL DEFAULT 'remote' CHECK (remoteSide = 'remote'),
                    state TEXT NOT NULL CHECK (state IN ('synced', 'conflict')),
                    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
                    FOREIGN KEY (localId, localSide) REFERENCES customer(id, side),
                    FOREIGN KEY (remoteId, remoteSide) REFERENCES customer(id, side)
                );
                CREATE INDEX link_state ON link(state, id);

                CREATE TRIGGER link_never_excluded BEFORE INSERT ON link
                WHEN EXISTS (SELECT 1 FROM customer WHERE id IN (NEW.localId, NEW.remoteId) AND excluded = 1)
                BEGIN SELECT RAISE(ABORT, 'an excluded customer cannot be linked'); END;

                CREATE TRIGGER excluded_never_linked BEFORE UPDATE OF excluded ON customer
                WHEN NEW.excluded = 1 AND EXISTS (SELECT 1 FROM link WHERE localId = NEW.id OR remoteId = NEW.id)
                BEGIN SELECT RAISE(ABORT, 'a linked customer cannot be excluded'); END;
                """)
        }
        return migrator
    }
}
