#!/usr/bin/env python3
"""Automatic sync against the fake e-conomic (Tests/Fixtures/fake_economic.py), through the
binary and the Python client: how long an edit takes to reach the other side with nobody
calling anything, how the client is answered while a round runs, and the pauses after failed
rounds.

    python3 Benchmarks/auto_sync.py [--binary .build/debug/customer-sync] [--every 5] [--edits 8] [--count 1000]

Prints:
- the delay from an edit to its arrival, each way, over `--edits` edits made at random moments
  of the interval (min, median, max), beside the interval (the anchor: an edit waits for the
  next round, so the delay is between the round's own time and the interval plus it);
- ping and listUnsynced while a round runs (the fake delaying each reply by 0.3 s) beside the
  same calls with no round under way, in the same run;
- the pause before each retry after the fake is stopped, and the round that recovers.
"""
import argparse
import json
import os
import random
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


def start_fake(port=0):
    process = subprocess.Popen([sys.executable, FAKE, "--port", str(port), "--app-secret", SECRET, "--grant", GRANT],
                               stdout=subprocess.PIPE, text=True)
    return process, int(process.stdout.readline().split()[1])


def control(base, path, body=None, method=None):
    request = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(),
                                     method=method or ("POST" if body is not None else "GET"),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as reply:
        return json.loads(reply.read() or b"null")


def customer(number, name, **extra):
    return {"customerNumber": number, "name": name, "currency": "DKK", "customerGroup": {"customerGroupNumber": 1},
            "paymentTerms": {"paymentTermsNumber": 1}, "vatZone": {"vatZoneNumber": 1}, **extra}


def until(condition, deadline):
    start = time.perf_counter()
    while time.perf_counter() - start < deadline:
        if condition():
            return time.perf_counter() - start
        time.sleep(0.005)
    raise TimeoutError("not within the deadline")


def spread(values, unit=1.0, digits=2):
    values = sorted(values)
    return f"min {values[0] * unit:.{digits}f}, median {statistics.median(values) * unit:.{digits}f}, max {values[-1] * unit:.{digits}f}"


def timed(call, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        call()
        out.append(time.perf_counter() - t)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/customer-sync"))
    parser.add_argument("--every", type=int, default=5)
    parser.add_argument("--edits", type=int, default=8)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(26)
    fake, port = start_fake()
    base = f"http://127.0.0.1:{port}"
    seed = [customer(1, "Første ApS", city="Odense")] + [customer(n, f"Kunde {n}", city="Vejle") for n in range(2, args.count + 1)]
    control(base, "/__fake/customers", seed)
    defaults = {"currency": "DKK", "customerGroup": 1, "paymentTerms": 1, "vatZone": 1}
    with tempfile.TemporaryDirectory() as tmp, \
            CustomerSync.spawn(db=os.path.join(tmp, "r.sqlite"), binary=args.binary, args=["--key-file", os.path.join(tmp, "key")]) as sync:
        sync.connect(SECRET, GRANT, defaults, base_url=base, timeout=2)
        sync.pull_remote()
        sync.import_customers(side="local", content="Kundenr.;Navn;By\n1;Første ApS;Odense\n")
        local = sync.call("listUnsynced", {"side": "local"})["items"][0]["id"]
        remote = next(c["id"] for c in sync.call("listUnsynced", {"side": "remote", "query": "Første"})["items"])
        sync.call("selectPartner", {"localId": local, "remoteId": remote})
        sync.set_auto_sync(args.every)
        print(f"{args.count} customers in e-conomic, one linked pair; a round every {args.every} s")

        inward, outward = [], []
        for i in range(args.edits):
            time.sleep(rng.uniform(0, args.every))
            city = f"Inde {i}"
            control(base, "/__fake/touch", {"number": 1, "fields": {"city": city}})
            inward.append(until(lambda: sync.call("getCustomer", {"id": local})["city"] == city, 4 * args.every))
            time.sleep(rng.uniform(0, args.every))
            city = f"Ude {i}"
            sync.call("updateCustomer", {"id": local, "fields": {"city": city}})
            outward.append(until(lambda: next(c for c in control(base, "/__fake/customers") if c["customerNumber"] == 1)["city"] == city,
                                 4 * args.every))
        print(f"edit in e-conomic -> local partner: {spread(inward)} s over {len(inward)} edits (interval {args.every} s)")
        print(f"local edit -> e-conomic:            {spread(outward)} s over {len(outward)} edits (interval {args.every} s)")

        # The same calls with no round under way (the anchor), then during a slowed round.
        while sync.connection_status()["autoSync"]["running"]:
            time.sleep(0.01)
        idle_ping = timed(lambda: sync.call("ping"), 500)
        idle_list = timed(lambda: sync.call("listUnsynced", {"side": "remote", "limit": 25}), 50)
        control(base, "/__fake/faults", [{"kind": "slow", "seconds": 0.3, "times": 20}])
        control(base, "/__fake/touch", {"number": 2, "fields": {"city": "Kolding"}})
        until(lambda: sync.connection_status()["autoSync"]["running"], 4 * args.every)
        busy_ping, busy_list = [], []
        while sync.connection_status()["autoSync"]["running"]:
            busy_ping += timed(lambda: sync.call("ping"), 50)
            busy_list += timed(lambda: sync.call("listUnsynced", {"side": "remote", "limit": 25}), 5)
        print(f"ping, no round:        {spread(idle_ping, 1e6, 0)} µs ({len(idle_ping)} calls)")
        print(f"ping, during a round:  {spread(busy_ping, 1e6, 0)} µs ({len(busy_ping)} calls)")
        print(f"listUnsynced (25 of {args.count}), no round: {spread(idle_list, 1e3)} ms; during a round: {spread(busy_list, 1e3)} ms")

        # The system goes away: the pause before each retry, then it comes back.
        while sync.wait_remote_synced(timeout=0) is not None:
            pass
        fake.kill()
        fake.wait()
        stopped = time.time()
        pauses = []
        for _ in range(4):
            failed = sync.wait_remote_synced(timeout=120)
            assert failed is not None and "error" in failed, failed
            at = failed["at"].replace("Z", "+00:00")
            next_at = failed["nextAt"].replace("Z", "+00:00")
            from datetime import datetime
            pauses.append((datetime.fromisoformat(next_at) - datetime.fromisoformat(at)).total_seconds())
        print(f"pauses after 1..4 failed rounds ({failed['error']['data']['kind']}): {', '.join(f'{p:.1f}' for p in pauses)} s")
        fake, _ = start_fake(port)
        control(base, "/__fake/customers", seed)
        back = time.time()
        recovered = sync.wait_remote_synced(timeout=1000)
        print(f"the fake back after {back - stopped:.0f} s down: the next round {time.time() - back:.1f} s later, "
              f"recovered {json.dumps(recovered.get('recovered'))}")
    fake.kill()


if __name__ == "__main__":
    main()
