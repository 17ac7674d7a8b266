#!/usr/bin/env python3
"""How much of an e-conomic register a full pull keeps: the register as real agreements hold
it (`FakeEconomic.asAgreementsHoldThem` in Sources/SyncFixtures, written the same here),
served by Tests/Fixtures/fake_economic.py, pulled by the binary given.

    python3 Benchmarks/as_held.py [--binary .build/debug/customer-sync] [--count 2500]

Prints the customers the register holds, how many the pull stored, and what it reported
(warnings by field, or rejected rows for a build before warnings).
"""
import argparse
import collections
import json
import os
import subprocess
import tempfile
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def register(count):
    def customer(n, name, **extra):
        c = {"customerNumber": n, "name": name, "currency": "DKK", "customerGroup": {"customerGroupNumber": 1},
             "paymentTerms": {"paymentTermsNumber": 2}, "vatZone": {"vatZoneNumber": 1}}
        c.update(extra)
        return c
    out = []
    for n in range(1, count + 1):
        name, kind = f"Kunde {n}", n % 10
        out.append([
            lambda: customer(n, name, corporateIdentificationNumber="25043235", country="Danmark"),
            lambda: customer(n, name, corporateIdentificationNumber="12345678", country="Denmark"),
            lambda: customer(n, name, corporateIdentificationNumber="SE556677889901", country="Sverige"),
            lambda: customer(n, name, corporateIdentificationNumber="DE123456789", country="Tyskland"),
            lambda: customer(n, name, email=f"faktura{n}@firma.dk bogholderi@firma.dk"),
            lambda: customer(n, name + " " + "x" * (180 - len(name) - 1)),
            lambda: customer(n, name, ean="5790001527526"),
            lambda: customer(n, name, country="DK", email=f"kunde{n}@firma.dk"),
            lambda: customer(n, name, country="Norway"),
            lambda: customer(n, name, country="Atlantis"),
        ][kind]())
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/customer-sync"))
    parser.add_argument("--count", type=int, default=2500)
    args = parser.parse_args()
    fake = subprocess.Popen(["python3", os.path.join(ROOT, "Tests/Fixtures/fake_economic.py"), "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        port = int(fake.stdout.readline().split()[1])
        urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/__fake/customers", method="POST",
                                                      data=json.dumps(register(args.count)).encode(),
                                                      headers={"Content-Type": "application/json"})).read()
        with tempfile.TemporaryDirectory() as tmp:
            server = subprocess.Popen([args.binary, "--db", os.path.join(tmp, "r.sqlite"), "--key-file", os.path.join(tmp, "key")],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

            def call(i, method, params):
                server.stdin.write(json.dumps({"jsonrpc": "2.0", "id": i, "method": method, "params": params}) + "\n")
                server.stdin.flush()
                return json.loads(server.stdout.readline())

            connected = call(1, "connect", {"system": "e-conomic", "baseUrl": f"http://127.0.0.1:{port}", "appSecretToken": "demo-app-secret",
                                            "agreementGrantToken": "demo-grant",
                                            "defaults": {"currency": "DKK", "customerGroup": 1, "paymentTerms": 2, "vatZone": 1}})
            assert "result" in connected, connected
            pulled = call(2, "pullRemote", {})["result"]
            stored = call(3, "status", {})["result"]["remote"]["total"]
            server.stdin.close()
            server.wait()
        reported = pulled.get("warnings", pulled.get("rejected", []))
        print(f"register {args.count}, stored {stored}, "
              f"{'warnings' if 'warnings' in pulled else 'rejected'} {len(reported)} by field "
              f"{dict(sorted(collections.Counter(r['field'] for r in reported).items()))}")
    finally:
        fake.kill()


if __name__ == "__main__":
    main()
