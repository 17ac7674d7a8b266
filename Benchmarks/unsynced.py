#!/usr/bin/env python3
"""The bulk paths and the unsynced lists after the registers are linked, through a spawned server.

Imports two generated registers (the local one twice: the second time unchanged), creates
partners for the whole local side (numbers from 100000000; how long the last $/progress comes
before the reply), adds one new local customer, then times pages of `listUnsynced`: the local
side (one unsynced among the linked), both sides, and a query on a city. Prints the import,
re-import and `createAllPartners` times and the medians (min, max) of the pages.

    swift build -c release --product customer-sync-bench --product customer-sync
    .build/release/customer-sync-bench generate --customers 1000000 --out /tmp/gen1m
    python3 Benchmarks/unsynced.py /tmp/gen1m [--binary path] [--label name]

Run it for two builds in turn (an old one built in a `git worktree`) to compare.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))

from customer_sync import CustomerSync  # noqa: E402


def timed(call, repetitions):
    times = []
    for _ in range(repetitions):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times), max(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("registers", help="a folder of local.csv and remote.csv (customer-sync-bench generate)")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "customer-sync"))
    parser.add_argument("--label", default="this build")
    parser.add_argument("--query", default="Hørsholm", help="the query timed (a city of the generator)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        with CustomerSync.spawn(db=os.path.join(folder, "unsynced.sqlite"), binary=options.binary, timeout=3600) as sync:
            started = time.perf_counter()
            sync.import_customers(side="local", path=os.path.join(options.registers, "local.csv"))
            imported = time.perf_counter() - started
            started = time.perf_counter()
            again = sync.import_customers(side="local", path=os.path.join(options.registers, "local.csv"))
            reimported = time.perf_counter() - started
            assert again["added"] == 0 and again["updated"] == 0, again
            sync.import_customers(side="remote", path=os.path.join(options.registers, "remote.csv"))
            last_progress = [0.0]
            started = time.perf_counter()
            sync.create_all_partners(side="local", numbering="sequence", start="100000000",
                                     progress=lambda _: last_progress.__setitem__(0, time.perf_counter()))
            finished = time.perf_counter()
            created, quiet = finished - started, finished - last_progress[0]
            sync.import_customers(side="local", content="Kundenr.;Navn\nZZ1;Ny kunde\n")
            local = timed(lambda: sync.list_unsynced(side="local", limit=50), 15)
            both = timed(lambda: sync.list_unsynced(limit=50), 15)
            query = timed(lambda: sync.list_unsynced(side="remote", query=options.query, limit=50), 5)
    print(f"{options.label}: import of the local register {imported:.2f} s, again unchanged {reimported:.2f} s; "
          f"createAllPartners {created:.2f} s, the reply {quiet:.2f} s after the last progress")
    for name, (median, low, high) in (("listUnsynced local page", local), ("listUnsynced both sides", both), (f"listUnsynced query {options.query!r}", query)):
        print(f"  {name}: median {median:.2f} ms (min {low:.2f}, max {high:.2f})")


if __name__ == "__main__":
    main()
