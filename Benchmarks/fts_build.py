#!/usr/bin/env python3
"""How FTS5 builds a trigram index like customer-sync's (contentless, `detail=none`,
`columnsize=0`), in plain `sqlite3`: chunk size and 'automerge' against build time, size and
the time of a 1,001-candidate count. The keys are a register file's cells lower-cased and
joined by U+0001, about the size of customer-sync's search keys.

    python3 Benchmarks/fts_build.py remote.csv [setting ...]

Settings: one, 10k, 10k-am0, 10k-am0-merge, 10k-am0-optimize, 50k-am0, 2k-am0 (default: all).
"""
import csv
import os
import sys
import tempfile
import time

import sqlite3

SETTINGS = {
    "one": (10 ** 9, None, None),
    "10k": (10_000, None, None),
    "10k-am0": (10_000, "automerge", None),
    "10k-am0-merge": (10_000, "automerge", "merge"),
    "10k-am0-optimize": (10_000, "automerge", "optimize"),
    "50k-am0": (50_000, "automerge", None),
    "2k-am0": (2_000, "automerge", None),
}
TERMS = ['"jen" AND "s h"', '"her" AND "ing"', '"86 " AND " 12"']


def trial(keys, name, chunk, before, after):
    with tempfile.TemporaryDirectory() as tmp:
        c = sqlite3.connect(os.path.join(tmp, "fts.sqlite"), isolation_level=None)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA cache_size=-65536")
        c.execute("CREATE TABLE k (id INTEGER PRIMARY KEY, key TEXT)")
        c.execute("BEGIN")
        c.executemany("INSERT INTO k VALUES (?, ?)", enumerate(keys, 1))
        c.execute("COMMIT")
        c.execute("CREATE VIRTUAL TABLE ft USING fts5(key, content='', columnsize=0, detail='none', tokenize='trigram case_sensitive 1')")
        if before:
            c.execute("INSERT INTO ft(ft, rank) VALUES('automerge', 0)")
        started = time.perf_counter()
        for start in range(0, len(keys), chunk):
            c.execute("BEGIN")
            c.execute("INSERT INTO ft (rowid, key) SELECT id, key FROM k WHERE id > ? AND id <= ?", (start, start + chunk))
            c.execute("COMMIT")
        built = time.perf_counter() - started
        if after == "optimize":
            c.execute("INSERT INTO ft(ft) VALUES('optimize')")
        elif after == "merge":
            # As the indexer does: 2,000 pages a transaction until FTS5 merges nothing.
            while True:
                changes = c.total_changes
                c.execute("BEGIN")
                c.execute("INSERT INTO ft(ft, rank) VALUES('merge', 2000)")
                c.execute("COMMIT")
                if c.total_changes - changes < 2:
                    break
        merged = time.perf_counter() - started - built
        size, = c.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'ft%'").fetchone()
        started = time.perf_counter()
        for _ in range(5):
            for term in TERMS:
                c.execute(f"SELECT count(*) FROM (SELECT rowid FROM ft WHERE ft MATCH '{term}' ORDER BY rowid LIMIT 1001)").fetchall()
        query = (time.perf_counter() - started) / (5 * len(TERMS)) * 1000
        print(f"{name}: build {built:.1f} s + {merged:.1f} s after, {size / len(keys):.0f} B a key, a 1,001-candidate count {query:.2f} ms",
              flush=True)
        c.close()


def main():
    path, names = sys.argv[1], sys.argv[2:] or list(SETTINGS)
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = csv.reader(f, delimiter=";")
        next(rows)
        keys = ["\x01".join(cell.lower() for cell in row) for row in rows]
    print(f"{len(keys):,} keys, {sum(map(len, keys)) / len(keys):.0f} characters a key")
    for name in names:
        trial(keys, name, *SETTINGS[name])


if __name__ == "__main__":
    main()
