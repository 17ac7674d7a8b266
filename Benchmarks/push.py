#!/usr/bin/env python3
"""A push of changed customers to the fake e-conomic (Tests/Fixtures/fake_economic.py), beside a
plain Python client making the same requests over one keep-alive connection, in the same run.

    python3 Benchmarks/push.py [--binary .build/release/customer-sync] [--customers 10000] [--changes 1000] [--runs 3]

Each run seeds the fake with `--customers` customers, pulls them into a new database through
the binary, makes a local partner for each (`createAllPartners`), changes `--changes` of the
partners' cities, and times `pushRemote`. The anchor then sends what a push of those customers
sends at the least: for each, `GET /customers/{number}` and a `PUT` of the customer it read with
the new city, one request after the other, with `http.client` over one connection. The
fake's own serving time is given for both (its `serveSeconds`), so the rest is the client's.
"""
import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))
from customer_sync import CustomerSync  # noqa: E402

FAKE = os.path.join(ROOT, "Tests", "Fixtures", "fake_economic.py")
SECRET, GRANT = "bench-app-secret", "bench-grant"
HEADERS = {"X-AppSecretToken": SECRET, "X-AgreementGrantToken": GRANT, "Content-Type": "application/json"}


def start_fake():
    process = subprocess.Popen([sys.executable, FAKE, "--port", "0", "--app-secret", SECRET, "--grant", GRANT],
                               stdout=subprocess.PIPE, text=True)
    return process, int(process.stdout.readline().split()[1])


def control(port, path, body=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=None if body is None else json.dumps(body).encode(),
                                     method="POST" if body is not None else "GET", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as reply:
        return json.loads(reply.read() or b"null")


def seed(port, count):
    customers = [{"customerNumber": 10_000 + i, "name": f"Kunde {i}", "address": f"Vej {i}", "zip": "7100", "city": "Vejle",
                  "country": "Danmark", "email": f"kunde{i}@example.dk", "currency": "DKK",
                  "customerGroup": {"customerGroupNumber": 1}, "paymentTerms": {"paymentTermsNumber": 2},
                  "vatZone": {"vatZoneNumber": 1}, "website": "https://example.dk", "creditLimit": 10000}
                 for i in range(count)]
    control(port, "/__fake/reset", {})
    for start in range(0, count, 2000):
        control(port, "/__fake/customers", customers[start:start + 2000])


def served(port):
    return control(port, "/__fake/stats")["serveSeconds"]


def product(binary, port, customers, changes):
    """Seconds of `pushRemote`, and the fake's serving seconds within them."""
    with tempfile.TemporaryDirectory() as tmp, \
            CustomerSync.spawn(db=os.path.join(tmp, "p.sqlite"), binary=binary, args=["--key-file", os.path.join(tmp, "key")]) as sync:
        sync.connect(SECRET, GRANT, {"currency": "DKK", "customerGroup": 1, "paymentTerms": 2, "vatZone": 1},
                     base_url=f"http://127.0.0.1:{port}", timeout=10)
        sync.pull_remote()
        sync.create_all_partners(side="remote")
        local = []
        cursor = None
        while len(local) < changes:
            page = sync.call("listLinks", {"limit": 500, **({"cursor": cursor} if cursor else {})})
            local += [link["local"]["id"] for link in page["items"]]
            cursor = page["nextCursor"]
            if cursor is None:
                break
        for i, customer_id in enumerate(local[:changes]):
            sync.update_customer(customer_id, {"city": f"Ny By {i}"})
        before = served(port)
        cpu = cpu_seconds(sync.transport.process.pid)
        started = time.perf_counter()
        result = sync.push_remote()
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(sync.transport.process.pid) - cpu
        assert result["updated"] == changes, result
        return elapsed, served(port) - before, cpu


def cpu_seconds(pid):
    """The process's user and system time so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def anchor(port, changes):
    """Seconds for the same GETs and PUTs from http.client on one keep-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    before = served(port)
    started = time.perf_counter()
    for i in range(changes):
        path = f"/customers/{10_000 + i}"
        connection.request("GET", path, headers=HEADERS)
        reply = connection.getresponse()
        body = json.loads(reply.read())
        assert reply.status == 200, (reply.status, body)
        body["city"] = f"Anker {i}"
        connection.request("PUT", path, body=json.dumps(body).encode(), headers=HEADERS)
        reply = connection.getresponse()
        reply.read()
        assert reply.status == 200, reply.status
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed, served(port) - before


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "customer-sync"))
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    fake, port = start_fake()
    try:
        ours, theirs = [], []
        for run in range(args.runs):
            seed(port, args.customers)
            ours.append(product(args.binary, port, args.customers, args.changes))
            theirs.append(anchor(port, args.changes))
            print(f"run {run + 1}: pushRemote {ours[-1][0] * 1000:.0f} ms (fake serving {ours[-1][1] * 1000:.0f} ms, "
                  f"the server's CPU {ours[-1][2] * 1000:.0f} ms); "
                  f"http.client {theirs[-1][0] * 1000:.0f} ms (fake serving {theirs[-1][1] * 1000:.0f} ms)", flush=True)
        a = statistics.median(t for t, _, _ in ours)
        b = statistics.median(t for t, _ in theirs)
        print(f"push of {args.changes} changed customers: {a * 1000:.0f} ms; anchor (Python http.client, keep-alive, "
              f"the same GET and PUT each): {b * 1000:.0f} ms; ratio {a / b:.2f}x (medians of {args.runs})")
    finally:
        fake.terminate()
        fake.wait()


if __name__ == "__main__":
    main()
