#!/usr/bin/env python3
"""`listUnsynced` with a `query`, through a spawned server, on a database that holds registers.

Opens a copy of DATABASE (both registers imported: `Benchmarks/suite.py` makes one, or any
customer-sync database), times how long the server's search indexer takes to index what the
imports left it (polled in the file), then times pages of `listUnsynced` for queries of every
kind the protocol names: a city, a street, a name, a phone's digits, an e-mail, a CVR, a query
shorter than a trigram, and one that finds nothing; on one side and on both; the first page
and one far into the results (by the cursor of an earlier page). Prints median (min, max).

    python3 Benchmarks/search.py /tmp/registers.sqlite [--binary path] [--runs 5]
"""
import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))

from customer_sync import CustomerSync  # noqa: E402

QUERIES = [
    ("city", "herning"), ("city, folded", "KØBENHAVN K"), ("street", "møllevej"), ("name", "jens hansen"),
    ("phone digits", "86 12"), ("e-mail", "hotmail.com"), ("CVR", "8414382"), ("two letters", "ab"),
    ("nothing", "zzqxw"), ("common trigram", "vej"),
]


def timed(call, runs):
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times), max(times), result


def wait_indexed(path, timeout=3600):
    """Seconds until every customer is in the search index (read from the file)."""
    started = time.perf_counter()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        while time.perf_counter() - started < timeout:
            up_to, = db.execute("SELECT upTo FROM search_index").fetchone()
            last, = db.execute("SELECT coalesce(max(id), 0) FROM customer").fetchone()
            if up_to >= last:
                return time.perf_counter() - started
            time.sleep(0.2)
    raise TimeoutError("the search index did not catch up")


def measure(database, binary, runs, out=print):
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "search.sqlite")
        shutil.copyfile(database, path)
        with CustomerSync.spawn(db=path, binary=binary, timeout=3600) as sync:
            sync.call("status")
            indexing = wait_indexed(path)
            out(f"  search index caught up {indexing:.1f} s after the server started")
            for kind, query in QUERIES:
                for side in ("remote", None):
                    first = timed(lambda: sync.list_unsynced(side=side, query=query, limit=50), runs)
                    page = first[3]
                    # A page far in: ten pages on, by cursor.
                    cursor = page["nextCursor"]
                    for _ in range(9):
                        if cursor is None:
                            break
                        cursor = sync.list_unsynced(side=side, query=query, limit=50, cursor=cursor)["nextCursor"]
                    later = timed(lambda: sync.list_unsynced(side=side, query=query, limit=50, cursor=cursor), runs) if cursor else None
                    estimated = " (estimated)" if page.get("totalEstimated") else ""
                    rows.append((kind, query, side or "both", first, later, f"{page['total']}{estimated}"))
    return indexing, rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "customer-sync"))
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    _, rows = measure(options.database, options.binary, options.runs)
    for kind, query, side, first, later, total in rows:
        far = f"{later[0]:.2f} ms (min {later[1]:.2f}, max {later[2]:.2f})" if later else "-"
        print(f"  {kind:15} {query!r:15} {side:6} first page {first[0]:.2f} ms (min {first[1]:.2f}, max {first[2]:.2f}); "
              f"page 11 {far}; total {total}")


if __name__ == "__main__":
    main()
