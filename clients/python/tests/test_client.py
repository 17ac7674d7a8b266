"""The typed API: the article end to end, errors as exceptions, progress, iterators, failures."""
import os
import signal
import time

import pytest

from customer_sync import (AlreadyLinked, CustomerSync, ImportRejected, InvalidParams, NotFound, NumberTaken,
                           RequestTimeout, ServerCrashed, StaleVersion)
from conftest import EXAMPLES


@pytest.fixture(params=["ndjson", "content-length"])
def sync(binary, request):
    with CustomerSync.spawn(db=":memory:", binary=binary, framing=request.param) as client:
        yield client


def test_the_article_end_to_end(sync):
    assert "listUnsynced" in sync.initialize()["methods"]
    assert sync.import_customers(side="local", path=os.path.join(EXAMPLES, "local-customers.csv"))["added"] == 12
    with open(os.path.join(EXAMPLES, "remote-customers.xlsx"), "rb") as f:
        assert sync.import_customers(data=f.read())["added"] == 11
    assert sync.status()["local"]["unsynced"] == 12
    # Link the certain pairs, resolve their conflicts value by value.
    accepted = sync.accept_suggestions(min_score=0.9)
    assert accepted["linked"] >= 6
    for link in sync.iter_links(state="conflict"):
        resolved = sync.resolve_conflict(link["id"], choices={c["field"]: "local" for c in link["conflicts"]})
        assert resolved["state"] == "synced"
    # A private customer only in accounting: no synchronisation.
    private = next(sync.iter_unsynced(query="søren"))
    assert sync.disable_sync(private["id"])["state"] == "excluded"
    # Everything else gets a partner, with progress reported.
    seen = []
    created = sync.create_all_partners(side="local", numbering="sequence", start=9000, progress=seen.append)
    created_remote = sync.create_all_partners(side="remote", numbering="sequence", start="8000")
    assert created["created"] + created_remote["created"] > 0
    assert seen and seen[-1]["done"] == seen[-1]["total"]
    status = sync.status()
    assert status["local"]["unsynced"] == 0 and status["remote"]["unsynced"] == 0
    assert status["remote"]["excluded"] == 1
    assert len(list(sync.iter_links(state="synced"))) == status["links"]["synced"]


def test_errors_become_exceptions_with_their_data(sync):
    sync.import_customers(side="local", content="Kundenr.;Navn\n1;A\n")
    sync.import_customers(content="Kundenr.;Navn\n1;B\n")
    with pytest.raises(NumberTaken) as taken:
        sync.create_partner("c1")
    assert taken.value.code == 1004 and taken.value.data["nextFree"] == "2"
    with pytest.raises(ImportRejected) as rejected:
        sync.import_customers(content="Kundenr.;Navn\n;nameless\n")
    assert rejected.value.data["errors"][0]["line"] == 2
    with pytest.raises(InvalidParams) as bad:
        sync.list_unsynced(limit=0)
    assert bad.value.path == "limit" and bad.value.code == -32602
    with pytest.raises(NotFound):
        sync.get_customer("c99")
    link = sync.select_partner("c1", "c2")
    with pytest.raises(AlreadyLinked):
        sync.select_partner("c1", "c2")
    with pytest.raises(StaleVersion):
        sync.resolve_conflict(link["id"], choices={"name": "local"}, expected_version=link["version"] + 1)


def test_history_and_updates(sync):
    sync.import_customers(side="local", content="Kundenr.;Navn;By\n1;A;Aarhus\n")
    sync.import_customers(content="Kundenr.;Navn;By\n1;A;Aarhus\n")
    sync.select_partner("c1", "c2")
    sync.update_customer("c1", {"city": "Odense"})
    assert sync.get_customer("c2")["city"] == "Odense"
    entries = list(sync.iter_history(customer_id="c2", page_size=1))
    assert entries[0]["source"] == "sync" and entries[0]["new"] == "Odense"


def test_a_killed_server_fails_every_pending_call(binary):
    client = CustomerSync.spawn(db=":memory:", binary=binary)
    client.ping()
    # A call waiting on a stopped server, which then dies.
    os.kill(client.transport.process.pid, signal.SIGSTOP)
    import threading
    outcome = {}

    def waiting_call():
        try:
            client.ping(timeout=10)
        except Exception as error:  # noqa: BLE001
            outcome["error"] = error
    thread = threading.Thread(target=waiting_call)
    thread.start()
    time.sleep(0.2)
    os.kill(client.transport.process.pid, signal.SIGKILL)
    thread.join(timeout=10)
    assert isinstance(outcome.get("error"), ServerCrashed)
    with pytest.raises(ServerCrashed):
        client.ping(timeout=10)
    with pytest.raises(ServerCrashed):
        client.status()
    client.close()


def test_a_call_times_out_and_the_client_goes_on(binary):
    client = CustomerSync.spawn(db=":memory:", binary=binary)
    pid = client.transport.process.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        with pytest.raises(RequestTimeout):
            client.ping(timeout=0.5)
        assert time.monotonic() - started < 5
    finally:
        os.kill(pid, signal.SIGCONT)
    assert client.ping() == {}
    assert client.close() == 0


def test_close_sends_shutdown_and_exit(binary):
    client = CustomerSync.spawn(db=":memory:", binary=binary)
    client.ping()
    assert client.close() == 0
    assert client.transport.process.returncode == 0


def test_a_chatty_server_never_blocks(binary):
    # Trace logging writes a lot to stderr; the client drains it.
    with CustomerSync.spawn(db=":memory:", binary=binary, args=["--log-level", "trace"]) as client:
        for _ in range(2000):
            client.ping()
        assert client.transport.stderr_tail() != ""


def test_every_documented_error_kind_has_its_class():
    """Each error in the OpenRPC document (and the protocol kinds) maps to the class of that name."""
    import json
    import customer_sync
    from conftest import ROOT
    with open(os.path.join(ROOT, "protocol", "openrpc.json"), encoding="utf-8") as f:
        components = json.load(f)["components"]["errors"]
    for name, error in components.items():
        kind = error["data"]["kind"]
        raised = customer_sync.error_from_reply({"code": error["code"], "message": error["message"], "data": {"kind": kind}})
        assert type(raised).__name__ == kind, f"{kind} has no class of its own"
        assert raised.kind == kind


def test_a_long_import_is_cancelled_and_changes_nothing(binary):
    """`cancel` sends $/cancelRequest: the import ends with RequestCancelled and nothing lands;
    ping is answered while it runs."""
    import threading
    from customer_sync import RequestCancelled
    rows = "\n".join(f"{n};Kunde {n};Vej {n};5000;Odense C" for n in range(1, 150001))
    with CustomerSync.spawn(db=":memory:", binary=binary) as sync:
        cancel = threading.Event()
        outcome = {}

        def run():
            try:
                outcome["result"] = sync.import_customers(content="Kundenr.;Navn;Adresse;Postnr.;By\n" + rows + "\n", cancel=cancel)
            except RequestCancelled as error:
                outcome["error"] = error

        worker = threading.Thread(target=run)
        worker.start()
        time.sleep(0.05)
        assert sync.ping() == {}
        cancel.set()
        worker.join(60)
        assert "error" in outcome, outcome
        assert sync.status()["remote"]["total"] == 0


def test_a_body_longer_than_one_read_is_read_whole():
    """A pipe hands over at most its buffer (64 KiB on Linux) a read; rpc.discover's answer is
    longer. The reader must gather the whole body, whatever a read returns."""
    import io
    from customer_sync.transport import FrameReader

    class Trickle(io.RawIOBase):
        def __init__(self, data):
            self.data, self.at = data, 0

        def readable(self):
            return True

        def readinto(self, buffer):
            n = min(len(buffer), 1000, len(self.data) - self.at)
            buffer[:n] = self.data[self.at:self.at + n]
            self.at += n
            return n

    body = b'{"jsonrpc":"2.0","id":1,"result":"' + b"x" * 200_000 + b'"}'
    raw = b"Content-Length: %d\r\n\r\n" % len(body) + body
    assert FrameReader(Trickle(raw), "content-length").read() == body
    assert FrameReader(io.BufferedReader(Trickle(raw)), "content-length").read() == body
    # Cut short, it is the end of the stream, not a message.
    assert FrameReader(Trickle(raw[:-5]), "content-length").read() is None
