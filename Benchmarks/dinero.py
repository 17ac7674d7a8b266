#!/usr/bin/env python3
"""A full pull of N Dinero contacts and a push of N new ones, against Tests/Fixtures/fake_dinero.py
at Dinero's documented rate limit (100 requests a minute per organisation), through the binary.

    python3 Benchmarks/dinero.py [--binary .build/debug/customer-sync] [--count 1000] [--rate 100/60]

Prints, for the pull and the push: wall time, the requests the fake served (by method, and
tokens issued), the 429s it answered, and what the server logged of its own pacing (seconds
waited for a turn under the limit, and after Retry-After). The anchor: the time the documented
limit alone imposes on that many requests.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def control(base, path, body=None):
    request = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(),
                                     method="POST" if body is not None else "GET", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as reply:
        return json.loads(reply.read() or b"null")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/customer-sync"))
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rate", default="100/60")
    args = parser.parse_args()
    fake = subprocess.Popen([sys.executable, os.path.join(ROOT, "Tests/Fixtures/fake_dinero.py"), "--port", "0", "--rate", args.rate],
                            stdout=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{int(fake.stdout.readline().split()[1])}"
        control(base, "/__fake/contacts", [{"Name": f"Kunde {n}", "ExternalReference": str(n), "City": "Vejle", "CountryKey": "DK"}
                                           for n in range(1, args.count + 1)])
        with tempfile.TemporaryDirectory() as tmp:
            server = subprocess.Popen([args.binary, "--db", os.path.join(tmp, "r.sqlite"), "--key-file", os.path.join(tmp, "key"),
                                       "--log-level", "info"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            log = []
            threading.Thread(target=lambda: log.extend(server.stderr), daemon=True).start()

            def call(i, method, params):
                server.stdin.write(json.dumps({"jsonrpc": "2.0", "id": i, "method": method, "params": params}) + "\n")
                server.stdin.flush()
                reply = json.loads(server.stdout.readline())
                assert "result" in reply, reply
                return reply["result"]

            call(1, "connect", {"system": "dinero", "baseUrl": base, "authUrl": base + "/dineroapi/oauth/token", "clientId": "isv_demo",
                                "clientSecret": "demo-client-secret", "apiKey": "demo-api-key", "organizationId": "12345"})
            limit, seconds = args.rate.split("/")
            per_request = float(seconds) / int(limit)

            def measure(label, i, method, params):
                before = control(base, "/__fake/stats")
                started = time.perf_counter()
                result = call(i, method, params)
                elapsed = time.perf_counter() - started
                after = control(base, "/__fake/stats")
                requests = {m: after["requests"].get(m, 0) - before["requests"].get(m, 0) for m in after["requests"]}
                served = sum(requests.values())
                time.sleep(0.2)
                logged = [line.strip() for line in log if ("pulled" in line or "pushed" in line)]
                print(f"{label}: {elapsed:.1f} s; requests {served} {requests}; tokens {after['tokens'] - before['tokens']}; "
                      f"429s {after['limited'] - before['limited']}; anchor (the limit alone, {served} requests at {args.rate}): "
                      f"{max(0, served - int(limit)) * per_request:.1f} s")
                print(f"  server: {logged[-1] if logged else '(no log line)'}")
                return result

            pulled = measure(f"full pull of {args.count}", 2, "pullRemote", {"full": True})
            assert pulled["added"] == args.count, pulled
            rows = "\n".join(f"{10000 + n};Ny Kunde {n};Odense" for n in range(1, args.count + 1))
            call(3, "importCustomers", {"side": "local", "content": f"Kundenr.;Navn;By\n{rows}\n"})
            call(4, "createAllPartners", {"side": "local", "numbering": {"mode": "keep"}})
            pushed = measure(f"push of {args.count} new", 5, "pushRemote", {})
            assert pushed["created"] == args.count and not pushed["failed"], pushed
            server.stdin.close()
            server.wait()
    finally:
        fake.kill()


if __name__ == "__main__":
    main()
