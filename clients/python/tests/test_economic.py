"""The API connection through the typed client, against the fake e-conomic on loopback."""
import json
import os
import subprocess
import sys
import urllib.request

import pytest

from conftest import ROOT
from customer_sync import CustomerSync, InvalidParams, NotConnected, Unauthorized

FAKE = os.path.join(ROOT, "Tests", "Fixtures", "fake_economic.py")


@pytest.fixture
def fake():
    process = subprocess.Popen([sys.executable, FAKE, "--port", "0", "--app-secret", "app-tok-7Q", "--grant", "grant-tok-9Z"],
                               stdout=subprocess.PIPE, text=True)
    port = int(process.stdout.readline().split()[1])
    yield f"http://127.0.0.1:{port}"
    process.kill()
    process.wait()


def control(base, path, body=None):
    request = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(),
                                     method="POST" if body is not None else "GET", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as reply:
        return json.loads(reply.read() or b"null")


def test_connect_pull_create_push(binary, fake, tmp_path):
    control(fake, "/__fake/customers", [{"customerNumber": 7, "name": "Syv ApS", "currency": "DKK", "city": "Vejle",
                                        "customerGroup": {"customerGroupNumber": 1}, "paymentTerms": {"paymentTermsNumber": 1},
                                        "vatZone": {"vatZoneNumber": 1}}])
    defaults = {"currency": "DKK", "customerGroup": 1, "paymentTerms": 1, "vatZone": 1}
    with CustomerSync.spawn(db=":memory:", binary=binary, args=["--key-file", str(tmp_path / "key")]) as sync:
        with pytest.raises(NotConnected):
            sync.pull_remote()
        with pytest.raises(Unauthorized):
            sync.connect("wrong", "grant-tok-9Z", defaults, base_url=fake)
        status = sync.connect("app-tok-7Q", "grant-tok-9Z", defaults, base_url=fake)
        assert status["connected"] is True
        assert "tok-" not in json.dumps(status)
        progress = []
        assert sync.pull_remote(progress=progress.append)["added"] == 1
        assert progress and progress[-1]["done"] == 1
        sync.import_customers(side="local", content="Kundenr.;Navn;By\n12;Tolv I/S;Odense C\n")
        sync.create_all_partners(side="local", numbering="keep")
        assert sync.connection_status()["queued"] == 1
        assert sync.push_remote()["created"] == 1
        held = {c["customerNumber"]: c for c in control(fake, "/__fake/customers")}
        assert held[12]["name"] == "Tolv I/S" and held[12]["city"] == "Odense C" and held[12]["currency"] == "DKK"
        assert sync.connection_status()["queued"] == 0
        sync.disconnect()
        assert sync.connection_status()["connected"] is False


def test_what_the_system_holds_arrives_whole_with_warnings(binary, fake, tmp_path):
    """A customer whose values break a local rule is stored as e-conomic holds it, with warnings on the Customer and in
    the pull's result; its value is not copied into the local register."""
    long_name = "Meget Lang Virksomhed " + "x" * 160
    base = {"currency": "DKK", "customerGroup": {"customerGroupNumber": 1}, "paymentTerms": {"paymentTermsNumber": 1},
            "vatZone": {"vatZoneNumber": 1}}
    control(fake, "/__fake/customers", [dict(base, customerNumber=1, name=long_name, country="Sverige", corporateIdentificationNumber="SE556677889901"),
                                        dict(base, customerNumber=2, name="Atlantis ApS", country="Atlantis"),
                                        dict(base, customerNumber=3, name="To Adresser ApS", email="a@firma.dk b@firma.dk")])
    defaults = {"currency": "DKK", "customerGroup": 1, "paymentTerms": 1, "vatZone": 1}
    with CustomerSync.spawn(db=":memory:", binary=binary, args=["--key-file", str(tmp_path / "key")]) as sync:
        sync.connect("app-tok-7Q", "grant-tok-9Z", defaults, base_url=fake)
        pulled = sync.pull_remote()
        assert pulled["added"] == 3
        assert sorted((w["number"], w["field"]) for w in pulled["warnings"]) == [("1", "name"), ("2", "country")]
        held = {c["number"]: c for c in sync.list_unsynced(side="remote")["items"]}
        assert held["1"]["name"] == long_name and held["1"]["country"] == "SE" and held["1"]["cvr"] == "SE556677889901"
        assert [w["field"] for w in held["1"]["warnings"]] == ["name"]
        assert held["2"]["country"] == "Atlantis" and held["2"]["warnings"][0]["field"] == "country"
        assert "warnings" not in held["3"]
        with pytest.raises(InvalidParams) as refused:
            sync.create_partner(held["1"]["id"])
        assert refused.value.data["path"] == "fields.name"
        assert sync.status()["local"]["total"] == 0


DINERO = os.path.join(ROOT, "Tests", "Fixtures", "fake_dinero.py")


def test_dinero_through_the_client(binary, tmp_path):
    """connect_dinero, a pull and a push against the fake Dinero: the same client, another system."""
    process = subprocess.Popen([sys.executable, DINERO, "--port", "0", "--client-id", "isv_py", "--client-secret", "py-secret",
                                "--api-key", "py-key", "--organization", "77"], stdout=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{int(process.stdout.readline().split()[1])}"
        control(base, "/__fake/contacts", [{"Name": "Dinero Kunde ApS", "ExternalReference": "31", "City": "Vejle", "CountryKey": "DK"}])
        with CustomerSync.spawn(db=":memory:", binary=binary, args=["--key-file", str(tmp_path / "key")]) as sync:
            with pytest.raises(Unauthorized):
                sync.connect_dinero("isv_py", "py-secret", "wrong-key", "77", base_url=base, auth_url=base + "/dineroapi/oauth/token")
            status = sync.connect_dinero("isv_py", "py-secret", "py-key", "77", base_url=base, auth_url=base + "/dineroapi/oauth/token")
            assert status["system"] == "dinero" and "py-secret" not in json.dumps(status) and "py-key" not in json.dumps(status)
            assert sync.pull_remote()["added"] == 1
            [held] = sync.list_unsynced(side="remote")["items"]
            assert held["number"] == "31" and held["city"] == "Vejle"
            sync.import_customers(side="local", content="Kundenr.;Navn;By\n12;Tolv I/S;Odense C\n")
            sync.create_all_partners(side="local", numbering="keep")
            assert sync.push_remote()["created"] == 1
            made = [c for c in control(base, "/__fake/contacts") if c.get("ExternalReference") == "12"]
            assert len(made) == 1 and made[0]["Name"] == "Tolv I/S" and made[0]["City"] == "Odense C"
    finally:
        process.kill()
        process.wait()


def test_one_round_with_sync_remote(binary, fake, tmp_path):
    """sync_remote: a pull, then a push, in one call."""
    control(fake, "/__fake/customers", [{"customerNumber": 4, "name": "Fire ApS", "currency": "DKK", "city": "Ribe",
                                        "customerGroup": {"customerGroupNumber": 1}, "paymentTerms": {"paymentTermsNumber": 1},
                                        "vatZone": {"vatZoneNumber": 1}}])
    with CustomerSync.spawn(db=":memory:", binary=binary, args=["--key-file", str(tmp_path / "key")]) as sync:
        sync.connect("app-tok-7Q", "grant-tok-9Z", {"currency": "DKK", "customerGroup": 1, "paymentTerms": 1, "vatZone": 1}, base_url=fake)
        sync.import_customers(side="local", content="Kundenr.;Navn;By\n5;Fem ApS;Tønder\n")
        sync.create_all_partners(side="local", numbering="keep")
        progress = []
        round_ = sync.sync_remote(progress=progress.append)
        assert round_["pull"]["added"] == 1 and round_["push"]["created"] == 1
        assert progress
        held = {c["customerNumber"]: c for c in control(fake, "/__fake/customers")}
        assert held[5]["name"] == "Fem ApS"


def test_automatic_sync_reaches_the_system_and_tells_the_client(binary, fake, tmp_path):
    """set_auto_sync: a partner created here reaches e-conomic with no further call, and each
    round arrives as remoteSynced, both to a handler and to wait_remote_synced."""
    with CustomerSync.spawn(db=":memory:", binary=binary, args=["--key-file", str(tmp_path / "key")]) as sync:
        with pytest.raises(NotConnected):
            sync.set_auto_sync(60)
        sync.connect("app-tok-7Q", "grant-tok-9Z", {"currency": "DKK", "customerGroup": 1, "paymentTerms": 1, "vatZone": 1}, base_url=fake)
        with pytest.raises(InvalidParams) as refused:
            sync.set_auto_sync(4)
        assert refused.value.data["path"] == "everySeconds"
        seen = []
        stop_seeing = sync.on_remote_synced(seen.append)
        sync.import_customers(side="local", content="Kundenr.;Navn;By\n8;Otte ApS;Vejle\n")
        sync.create_all_partners(side="local", numbering="keep")
        status = sync.set_auto_sync(5, full_every_seconds=60)
        assert status["autoSync"]["everySeconds"] == 5 and status["autoSync"]["fullEverySeconds"] == 60
        # Never pulled: the first round is due at once.
        round_ = sync.wait_remote_synced(timeout=20)
        assert round_ is not None and "error" not in round_, round_
        assert round_["push"]["created"] == 1 and round_["pull"]["full"] is True
        assert seen and seen[0] == round_
        held = {c["customerNumber"]: c for c in control(fake, "/__fake/customers")}
        assert held[8]["name"] == "Otte ApS"
        stop_seeing()
        assert sync.set_auto_sync(None)["autoSync"] is None
