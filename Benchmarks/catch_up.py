#!/usr/bin/env python3
"""The search index's catch-up after a bulk import, and queries once it is complete, for one or
more builds of customer-sync in turns (A/B on the same files and the same machine).

For each binary: a new database, `importCustomers` of local.csv then remote.csv (from
`customer-sync-bench generate --customers N --out DIR`), then the seconds until
`search_index.upTo` reaches the last customer (read from the file), then the median of
`--calls` calls of each query on a fresh server.

    python3 Benchmarks/catch_up.py DIR BINARY [BINARY ...] [--rounds 2]
"""
import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import tempfile
import time

QUERIES = ["herning", "jens hansen", "86 12", "møllevej", "vej", "ab", "zzqxw"]


class Server:
    def __init__(self, binary, db):
        self.p = subprocess.Popen([binary, "--db", db], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.n = 0

    def call(self, method, params):
        self.n += 1
        started = time.perf_counter()
        self.p.stdin.write(json.dumps({"jsonrpc": "2.0", "id": self.n, "method": method, "params": params}) + "\n")
        self.p.stdin.flush()
        reply = json.loads(self.p.stdout.readline())
        assert "result" in reply, reply
        return time.perf_counter() - started

    def close(self, linger=0.0):
        time.sleep(linger)
        self.p.stdin.close()
        self.p.wait()


def run(binary, folder, calls, linger):
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "catch-up.sqlite")
        server = Server(binary, db)
        local = server.call("importCustomers", {"side": "local", "path": os.path.join(folder, "local.csv")})
        remote = server.call("importCustomers", {"side": "remote", "path": os.path.join(folder, "remote.csv")})
        started = time.perf_counter()
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
            last, = c.execute("SELECT max(id) FROM customer").fetchone()
            while c.execute("SELECT upTo FROM search_index").fetchone()[0] < last:
                time.sleep(0.1)
        caught_up = time.perf_counter() - started
        # The indexer may still merge its segments: let it, as a server left running would.
        server.close(linger)
        server = Server(binary, db)
        medians = {}
        for query in QUERIES:
            times = [server.call("listUnsynced", {"side": "remote", "query": query, "limit": 50}) * 1000
                     for _ in range(calls + 2)][2:]
            medians[query] = statistics.median(times)
        server.close()
        return local, remote, caught_up, medians


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--calls", type=int, default=7)
    parser.add_argument("--linger", type=float, default=15.0, help="seconds the first server runs on after the catch-up")
    options = parser.parse_args()
    for _ in range(options.rounds):
        for binary in options.binaries:
            local, remote, caught_up, medians = run(binary, options.folder, options.calls, options.linger)
            queries = "  ".join(f"'{q}' {ms:.2f}" for q, ms in medians.items())
            print(f"{binary}: import local {local:.2f} s, remote {remote:.2f} s, index caught up {caught_up:.1f} s; queries ms: {queries}",
                  flush=True)


if __name__ == "__main__":
    main()
