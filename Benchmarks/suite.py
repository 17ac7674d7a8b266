#!/usr/bin/env python3
"""The performance suite of issue 15: every measure at each size, with its anchor in the same run.

    python3 Benchmarks/suite.py                       # 1,000 and 100,000 a side, 3 runs
    python3 Benchmarks/suite.py --sizes 1000000       # a million a side (about 15 minutes here)
    python3 Benchmarks/suite.py --sizes 1000,100000,1000000 --out Benchmarks/results.md

Builds the release binaries (unless --skip-build), generates registers of each size with
`customer-sync-bench generate` (kept in --work between runs), then for each run, interleaved
with its anchors:

- import of the local register into a new database, again unchanged (while the search index
  is built, and once it is built), and of the remote one; anchors `sqlite3 .import` of the
  same file, plain and with three indexes (number, name, ZIP), and for the unchanged one
  reading the file with Python's csv module;
- the database's size a customer, and its largest tables and indexes (dbstat);
- startup: spawn to the `initialize` reply on that database; anchor: spawn of `cat` to its echo
  of one line;
- `ping`: sequential round trips (p50) and pipelined throughput; anchors: a Python echo server
  (os.read/os.write) and `cat`, driven the same way;
- `status`; the search index caught up after the imports; `listUnsynced` (a side, both, page
  11, queries of several kinds); `suggestPartners`; `listSuggestions` (first call, a later
  page); `createAllPartners` (and how long the reply comes after the last progress), then the
  local side's page after every customer is linked.

Every figure is the median of the runs with min and max; the server's peak RSS per phase is
read from /proc (VmHWM, reset through clear_refs before each phase).
"""
import argparse
import csv
import io
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import search  # noqa: E402

RELEASE = os.path.join(ROOT, ".build", "release")
# A JSON-RPC server in Python's standard library that answers ping: each line parsed and
# answered, the replies written when no whole line is left in what was read.
PY_ECHO = """import json, os
buffer = b""
while True:
    chunk = os.read(0, 65536)
    if not chunk:
        break
    *lines, buffer = (buffer + chunk).split(b"\\n")
    replies = [json.dumps({"jsonrpc": "2.0", "id": json.loads(line)["id"], "result": {}}).encode() + b"\\n" for line in lines if line]
    os.write(1, b"".join(replies))
"""
PING = b'{"jsonrpc":"2.0","id":1,"method":"ping"}\n'
SEARCHES = [("city", "herning"), ("name", "jens hansen"), ("phone digits", "86 12"), ("street", "møllevej"),
            ("one trigram", "vej"), ("two letters", "ab"), ("nothing", "zzqxw")]


class Series:
    """The figures of one measure over the runs."""

    def __init__(self):
        self.values, self.rss, self.anchors, self.note = [], [], {}, ""

    def add(self, value, rss=None):
        self.values.append(value)
        if rss is not None:
            self.rss.append(rss)

    def anchor(self, name, value):
        self.anchors.setdefault(name, []).append(value)


def med(values):
    return statistics.median(values), min(values), max(values)


def clock(call):
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def reset_peak(pid):
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Lean:
    """A server driven one request at a time from this thread, with nothing between the pipe
    and the clock (the Python client's reader thread and queues cost about a millisecond a
    call). `last_notification` is when the latest notification came."""

    def __init__(self, db):
        self.process = subprocess.Popen([os.path.join(RELEASE, "customer-sync"), "--db", db], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
        self.out = io.BufferedReader(self.process.stdout, 1 << 16)
        self.pid = self.process.pid
        self.ids = 0
        self.last_notification = 0.0

    def call(self, method, params=None):
        self.ids += 1
        self.process.stdin.write(json.dumps({"jsonrpc": "2.0", "id": self.ids, "method": method, "params": params or {}}).encode() + b"\n")
        while True:
            line = self.out.readline()
            if not line:
                raise RuntimeError(f"the server ended during {method}")
            message = json.loads(line)
            if "id" not in message:
                self.last_notification = time.perf_counter()
                continue
            if "error" in message:
                raise RuntimeError(f"{method}: {message['error']}")
            return message["result"]

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.process.stdin.close()
        self.process.wait()


def spawn(db):
    server = Lean(db)
    return server, server.pid


def sqlite_import(csv, indexed):
    """`sqlite3 .import` of the register into a new file (the anchor of an import)."""
    with tempfile.TemporaryDirectory() as folder:
        db = os.path.join(folder, "anchor.sqlite")
        commands = [".mode csv", ".separator ;", f".import {csv} customer"]
        if indexed:
            commands += ['CREATE UNIQUE INDEX n ON customer("Kundenr.");', 'CREATE INDEX a ON customer("Navn");',
                         'CREATE INDEX z ON customer("Postnr.");']
        seconds, _ = clock(lambda: subprocess.run(["sqlite3", db], input="\n".join(commands) + "\n", text=True, check=True))
        return seconds


def read_csv(path):
    """Seconds to decode the file and split it into records and cells (Python's csv module)."""
    def read():
        with open(path, newline="", encoding="utf-8-sig") as f:
            return sum(1 for _ in csv.reader(f, delimiter=";"))
    return clock(read)[0]


def echo_pings(argv, sequential, pipelined):
    """p50 µs of sequential round trips and pipelined lines a second through a line-echoing process."""
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    try:
        return drive_pings(p, sequential, pipelined)
    finally:
        p.stdin.close()
        p.wait()


def drive_pings(p, sequential, pipelined):
    out = io.BufferedReader(p.stdout, 1 << 16)
    latencies = []
    for i in range(sequential + 200):
        started = time.perf_counter()
        p.stdin.write(PING)
        line = out.readline()
        if i >= 200:
            latencies.append((time.perf_counter() - started) * 1e6)
        assert line
    payload = PING * pipelined
    started = time.perf_counter()
    writer = threading.Thread(target=p.stdin.write, args=(payload,))
    writer.start()
    lines = 0
    while lines < pipelined:
        chunk = out.read1(1 << 16)
        if not chunk:
            break
        lines += chunk.count(b"\n")
    writer.join()
    return statistics.median(latencies), pipelined / (time.perf_counter() - started)


def server_pings(db, sequential, pipelined):
    p = subprocess.Popen([os.path.join(RELEASE, "customer-sync"), "--db", db], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
    try:
        return drive_pings(p, sequential, pipelined)
    finally:
        p.stdin.close()
        p.wait()


def first_reply(argv, request):
    """Seconds from spawning `argv` to the first line it answers `request` with."""
    started = time.perf_counter()
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p.stdin.write(request)
    p.stdin.flush()
    p.stdout.readline()
    seconds = time.perf_counter() - started
    p.stdin.close()
    p.wait()
    return seconds


def startup(db):
    """Spawn to the reply of `initialize`."""
    request = b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientInfo":{"name":"suite"}}}\n'
    return first_reply([os.path.join(RELEASE, "customer-sync"), "--db", db], request)


def cat_startup():
    return first_reply(["cat"], PING)


def timed_calls(call, n):
    times = []
    result = None
    for _ in range(n):
        seconds, result = clock(call)
        times.append(seconds * 1000)
    return statistics.median(times), result


def create_all_anchor(db, tmp):
    """Seconds for the least a create-all does, set-based in SQLite on a copy of `db` (the same
    schema, indexes and triggers): a partner for each unsynced local customer, copied whole with
    a new number, a link for each, the sources marked linked, one transaction."""
    copy = os.path.join(tmp, "anchor.sqlite")
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    c = sqlite3.connect(copy, isolation_level=None)
    fields = "name, address, zip, city, country, email, phone, cvr, ean, contact"
    started = time.perf_counter()
    c.execute("BEGIN IMMEDIATE")
    base_id, = c.execute("SELECT max(id) FROM customer").fetchone()
    base_link, = c.execute("SELECT coalesce(max(id), 0) FROM link").fetchone()
    c.execute("CREATE TEMP TABLE plan AS SELECT row_number() OVER (ORDER BY id) AS seq, id FROM customer "
              "WHERE side = 'local' AND excluded = 0 AND linked = 0")
    c.execute(f"INSERT INTO customer (id, side, number, {fields}, pending, linked) "
              f"SELECT ? + p.seq, 'remote', 100000000 + p.seq, {fields}, 1, 1 FROM temp.plan p JOIN customer c ON c.id = p.id",
              (base_id,))
    c.execute("INSERT INTO link (id, localId, remoteId, state) SELECT ? + seq, id, ? + seq, 'synced' FROM temp.plan",
              (base_link, base_id))
    c.execute("UPDATE customer SET linked = 1, version = version + 1 WHERE id IN (SELECT id FROM temp.plan)")
    c.execute("COMMIT")
    seconds = time.perf_counter() - started
    c.close()
    os.remove(copy)
    return seconds


def sizes_of(db):
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 6").fetchall()
        customers, = c.execute("SELECT count(*) FROM customer").fetchone()
    return os.path.getsize(db), customers, rows


def run_size(n, options, work, out):
    folder = os.path.join(work, f"gen{n}")
    if not os.path.exists(os.path.join(folder, "remote.csv")):
        subprocess.run([os.path.join(RELEASE, "customer-sync-bench"), "generate", "--customers", str(n), "--out", folder],
                       check=True, stdout=subprocess.DEVNULL)
    local, remote = os.path.join(folder, "local.csv"), os.path.join(folder, "remote.csv")
    s = {name: Series() for name in [
        "import local", "re-import unchanged", "re-import unchanged, index building", "import remote", "startup", "ping p50 µs", "ping pipelined /s", "status ms",
        "search index caught up s", "listUnsynced side ms", "listUnsynced both ms", "listUnsynced page 11 ms",
        *[f"query {kind} ms" for kind, _ in SEARCHES], "suggestPartners ms", "listSuggestions first s",
        "listSuggestions later page ms", "createAllPartners s", "createAll reply after last progress s",
        "listUnsynced local after links ms"]}
    size_note = ""
    calls = options.calls
    for run in range(options.runs):
        out(f"  size {n:,}: run {run + 1} of {options.runs}")
        with tempfile.TemporaryDirectory(dir=work) as tmp:
            db = os.path.join(tmp, "suite.sqlite")
            # Imports, each beside its anchors.
            sync, pid = spawn(db)
            with sync:
                sync.call("status")
                reset_peak(pid)
                seconds, _ = clock(lambda: sync.call("importCustomers", {"side": "local", "path": local}))
                s["import local"].add(seconds, peak_mib(pid))
                s["import local"].anchor("sqlite3 .import", sqlite_import(local, False))
                s["import local"].anchor("sqlite3 .import + 3 indexes", sqlite_import(local, True))
                # Right after the import the search index is being built on the other core,
                # and a write waits for its chunk in hand: what a re-import costs then.
                seconds, again = clock(lambda: sync.call("importCustomers", {"side": "local", "path": local}))
                assert again["added"] == 0 and again["updated"] == 0, again
                s["re-import unchanged, index building"].add(seconds)
                s["re-import unchanged, index building"].anchor("reading it: Python's csv module", read_csv(local))
                reset_peak(pid)
                seconds, _ = clock(lambda: sync.call("importCustomers", {"side": "remote", "path": remote}))
                s["import remote"].add(seconds, peak_mib(pid))
                s["import remote"].anchor("sqlite3 .import", sqlite_import(remote, False))
                # The search index, from the end of the imports.
                s["search index caught up s"].add(search.wait_indexed(db))
                # The re-import on its own (the index idle), as a file read again days later is.
                reset_peak(pid)
                seconds, again = clock(lambda: sync.call("importCustomers", {"side": "local", "path": local}))
                assert again["added"] == 0 and again["updated"] == 0, again
                s["re-import unchanged"].add(seconds, peak_mib(pid))
                s["re-import unchanged"].anchor("reading it: Python's csv module", read_csv(local))
            size, customers, largest = sizes_of(db)
            size_note = (f"{size / customers:.0f} B a customer ({size / 2**20:.0f} MiB for {customers:,}); largest: "
                         + ", ".join(f"{name} {b / 2**20:.0f} MiB" for name, b in largest))
            s["startup"].add(startup(db))
            s["startup"].anchor("cat: spawn to echo", cat_startup())
            p50, rate = server_pings(db, options.pings, options.pipelined)
            s["ping p50 µs"].add(p50)
            s["ping pipelined /s"].add(rate)
            for name, argv in (("Python echo", [sys.executable, "-c", PY_ECHO]), ("cat", ["cat"])):
                a50, arate = echo_pings(argv, options.pings, options.pipelined)
                s["ping p50 µs"].anchor(name, a50)
                s["ping pipelined /s"].anchor(name, arate)
            # Reads.
            sync, pid = spawn(db)
            with sync:
                s["status ms"].add(timed_calls(lambda: sync.call("status"), calls)[0])
                s["listUnsynced side ms"].add(timed_calls(lambda: sync.call("listUnsynced", {"side": "remote", "limit": 50}), calls)[0])
                s["listUnsynced both ms"].add(timed_calls(lambda: sync.call("listUnsynced", {"limit": 50}), calls)[0])
                cursor = None
                for _ in range(10):
                    cursor = sync.call("listUnsynced", {"side": "remote", "limit": 50, "cursor": cursor})["nextCursor"]
                if cursor:
                    s["listUnsynced page 11 ms"].add(timed_calls(lambda: sync.call("listUnsynced", {"side": "remote", "limit": 50, "cursor": cursor}), calls)[0])
                for kind, query in SEARCHES:
                    ms, page = timed_calls(lambda: sync.call("listUnsynced", {"side": "remote", "query": query, "limit": 50}), calls)
                    s[f"query {kind} ms"].add(ms)
                    s[f"query {kind} ms"].note = f"{query!r}: total {page['total']}" + (" (estimated)" if page.get("totalEstimated") else "")
                first = sync.call("listUnsynced", {"side": "local", "limit": 1})["items"][0]["id"]
                # The first call builds the match index, then pairs everyone: measured before
                # anything else builds it (suggestPartners would, and its median hid the build).
                reset_peak(pid)
                seconds, page = clock(lambda: sync.call("listSuggestions", {"limit": 100}))
                s["listSuggestions first s"].add(seconds, peak_mib(pid))
                s["suggestPartners ms"].add(timed_calls(lambda: sync.call("suggestPartners", {"customerId": first}), calls)[0])
                later = page["nextCursor"]
                for _ in range(9):
                    if later:
                        later = sync.call("listSuggestions", {"limit": 100, "cursor": later})["nextCursor"]
                if later:
                    s["listSuggestions later page ms"].add(
                        timed_calls(lambda: sync.call("listSuggestions", {"limit": 100, "cursor": later}), calls)[0], peak_mib(pid))
            # Create-all, then the local side's page with every customer linked but one. Its
            # anchor first, on a copy of the database as it is now.
            s["createAllPartners s"].anchor("INSERT … SELECT in sqlite3", create_all_anchor(db, tmp))
            sync, pid = spawn(db)
            with sync:
                sync.call("status")
                reset_peak(pid)
                started = time.perf_counter()
                sync.call("createAllPartners", {"side": "local", "numbering": {"mode": "sequence", "start": "100000000"},
                                                "progressToken": "suite"})
                finished = time.perf_counter()
                s["createAllPartners s"].add(finished - started, peak_mib(pid))
                if sync.last_notification:
                    s["createAll reply after last progress s"].add(finished - sync.last_notification)
                sync.call("importCustomers", {"side": "local", "content": "Kundenr.;Navn\nZZ1;Ny kunde\n"})
                s["listUnsynced local after links ms"].add(timed_calls(lambda: sync.call("listUnsynced", {"side": "local", "limit": 50}), calls)[0])
    return s, size_note


def fmt(value):
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(n, s, size_note):
    lines = [f"### {n:,} a side", "", size_note, "",
             "| measure | median (min–max) | peak RSS MiB | anchor: median | ratio to anchor | note |", "|---|---|---|---|---|---|"]
    for name, series in s.items():
        if not series.values:
            continue
        m, lo, hi = med(series.values)
        rss = fmt(max(series.rss)) if series.rss else ""
        anchors = series.anchors.items() or [("", None)]
        for i, (anchor, values) in enumerate(anchors):
            if values:
                am = statistics.median(values)
                ratio = f"{m / am:.2f}×"
                anchor_text = f"{anchor}: {fmt(am)}"
            else:
                ratio = anchor_text = ""
            label = name if i == 0 else ""
            figure = f"{fmt(m)} ({fmt(lo)}–{fmt(hi)})" if i == 0 else ""
            lines.append(f"| {label} | {figure} | {rss if i == 0 else ''} | {anchor_text} | {ratio} | {series.note if i == 0 else ''} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--calls", type=int, default=7, help="calls a run of each read measure (their median counts)")
    parser.add_argument("--pings", type=int, default=5000)
    parser.add_argument("--pipelined", type=int, default=100000)
    parser.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "customer-sync-suite"))
    parser.add_argument("--out", help="append the tables to this file")
    parser.add_argument("--skip-build", action="store_true")
    options = parser.parse_args()
    if not options.skip_build:
        # Every product (`--product` twice builds only the last one).
        subprocess.run(["swift", "build", "-c", "release"], cwd=ROOT, check=True)
    os.makedirs(options.work, exist_ok=True)
    with open("/proc/cpuinfo") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    header = f"Machine: {os.cpu_count()} cores, {cpu}; {time.strftime('%Y-%m-%d %H:%M')}; {options.runs} runs.\n"
    print(header)
    text = header + "\n"
    for n in [int(x) for x in options.sizes.split(",")]:
        s, note = run_size(n, options, options.work, lambda line: print(line, file=sys.stderr, flush=True))
        t = table(n, s, note)
        print(t, flush=True)
        text += t + "\n"
    if options.out:
        with open(options.out, "a") as f:
            f.write(text)


if __name__ == "__main__":
    main()
