"""An off-the-shelf JSON-RPC library, used as a new user would, talks to the server with its own
framing (python-lsp-jsonrpc: Content-Length headers)."""
import subprocess
import threading

import pytest

import pylsp_jsonrpc  # noqa: E402,F401  (installed by .ci/run: a missing one fails, never skips)
from pylsp_jsonrpc.endpoint import Endpoint  # noqa: E402
from pylsp_jsonrpc.streams import JsonRpcStreamReader, JsonRpcStreamWriter  # noqa: E402


def test_python_lsp_jsonrpc_endpoint(binary):
    process = subprocess.Popen([binary, "--db", ":memory:"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    writer = JsonRpcStreamWriter(process.stdin)
    reader = JsonRpcStreamReader(process.stdout)
    endpoint = Endpoint({}, writer.write)
    listener = threading.Thread(target=reader.listen, args=(endpoint.consume,), daemon=True)
    listener.start()
    assert endpoint.request("ping", {}).result(timeout=10) == {}
    imported = endpoint.request("importCustomers", {"content": "Kundenr.;Navn\n1;Æblegården\n"}).result(timeout=10)
    assert imported["added"] == 1
    page = endpoint.request("listUnsynced", {"query": "æble"}).result(timeout=10)
    assert page["items"][0]["name"] == "Æblegården"
    error = endpoint.request("getCustomer", {"id": "c99"})
    with pytest.raises(Exception) as raised:
        error.result(timeout=10)
    assert "no customer with id c99" in str(raised.value)
    endpoint.request("shutdown", {}).result(timeout=10)
    endpoint.notify("exit")
    assert process.wait(timeout=10) == 0
