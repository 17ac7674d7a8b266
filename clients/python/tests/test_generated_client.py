"""An off-the-shelf OpenRPC generator (openrpcclientgenerator, PyPI) makes a Python client from
protocol/openrpc.json; the generated client is imported and calls the real binary.

The generator writes an HTTP client; the server speaks stdio, so the test gives the generated
classes a transport of its own (jsonrpc2-pyclient's AsyncRPCClient over the child's pipes).
Nothing of the generated code is changed.

Two habits of this generator's Python output shape the document (protocol/generators.md): it
renames every member to snake_case without an alias, and it makes every member of a model
required. Its typed models can therefore not read our camelCase results, so each method's result
is written `{"type": "object", "allOf": [{"$ref": …}]}` (the same schema in JSON Schema), which
it turns into a dict that keeps the wire names; and it sends camelCase params in snake_case,
which the server takes for top-level params (transport.md).
"""
import asyncio
import importlib
import json
import os
import subprocess
import sys

import pytest

from conftest import EXAMPLES, ROOT

# Installed by .ci/run (pip): a missing one fails the run, never skips it.
import openrpc  # noqa: E402
import openrpcclientgenerator as generator  # noqa: E402
import jsonrpc2pyclient.rpcclient as rpcclient  # noqa: E402


def generated_package(tmp_path):
    from pathlib import Path
    with open(os.path.join(ROOT, "protocol", "openrpc.json"), encoding="utf-8") as f:
        document = openrpc.OpenRPC(**json.load(f))  # the document parses as the generator's models
    name = generator.generate(document, generator.Language.PYTHON, "http://localhost:1", Path(tmp_path))
    package_root = os.path.join(tmp_path, "python", name)
    sys.path.insert(0, package_root)
    try:
        return importlib.import_module(name.replace("-", "_") + ".client")
    finally:
        sys.path.remove(package_root)


class StdioTransport(rpcclient.AsyncRPCClient):
    """The generated client's transport, over a spawned customer-sync's stdin and stdout."""

    def __init__(self, binary):
        super().__init__()
        self.process = subprocess.Popen([binary, "--db", ":memory:"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    async def _send_and_get_json(self, request_json, request_id, **kwargs):
        self.process.stdin.write(request_json.encode("utf-8") + b"\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().decode("utf-8")

    def close(self):
        self.process.stdin.close()
        return self.process.wait(10)


def test_a_generated_client_compiles_and_calls_the_binary(binary, tmp_path):
    module = generated_package(tmp_path)
    transport = StdioTransport(binary)
    # The generated class, given our transport in place of the HTTP one it makes.
    client = module.CustomerSyncClient(headers={})
    client.transport = transport

    async def walk():
        assert await client.ping() == {}
        info = await client.initialize()
        assert "listUnsynced" in info["methods"] and info["serverInfo"]["name"] == "customer-sync"
        imported = await client.import_customers(side="local", path=os.path.join(EXAMPLES, "local-customers.csv"))
        assert imported["added"] == 12
        imported = await client.import_customers(side="remote", path=os.path.join(EXAMPLES, "remote-customers.csv"), skip_invalid=True)
        assert imported["added"] > 0
        status = await client.status()
        assert status["local"]["total"] == 12

        # Paged lists: the result's members keep their wire names (nextCursor).
        page = await client.list_unsynced(side="local", limit=5)
        assert len(page["items"]) == 5 and page["nextCursor"] is not None and page["total"] == 12
        rest = await client.list_unsynced(side="local", limit=50, cursor=page["nextCursor"])
        assert len(rest["items"]) == 7 and rest["nextCursor"] is None
        local = page["items"][0]
        remote = (await client.list_unsynced(side="remote", limit=1))["items"][0]

        # camelCase params, sent by the generated client in snake_case.
        link = await client.select_partner(local_id=local["id"], remote_id=remote["id"])
        assert (link["local"]["id"], link["remote"]["id"]) == (local["id"], remote["id"])
        assert (await client.get_link(link_id=link["id"]))["id"] == link["id"]
        created = await client.create_partner(customer_id=page["items"][1]["id"], number="5001")
        assert created["local"]["id"] == page["items"][1]["id"] and created["state"] == "synced"
        excluded = await client.disable_sync(customer_id=page["items"][2]["id"])
        assert excluded["state"] == "excluded"
        preview = await client.create_all_partners(side="local", numbering={"mode": "keep"}, dry_run=True)
        assert preview["dryRun"] is True and preview["created"] + len(preview["skipped"]) == 9
        assert (await client.history(customer_id=local["id"]))["total"] >= 1
        exported = await client.export_customers(path=str(tmp_path / "local.csv"), side="local")
        assert exported["written"] == 12

        # A domain error comes back as the generated client's error, with our code.
        with pytest.raises(Exception) as refused:
            await client.get_customer(id="c999")
        assert "1001" in str(refused.value) or getattr(refused.value, "code", None) == 1001

    try:
        asyncio.run(walk())
    finally:
        assert transport.close() == 0


# The two npm packages the generated TypeScript client imports, declared as far as it uses them:
# the npm registry is out of reach here, so their code is not present, only these types.
TS_SHIMS = """declare module "axios" { export type AxiosRequestHeaders = Record<string, string>; }
declare module "jsonrpc2-tsclient" {
  export const rpcClient: any;
  export class RPCHTTPClient { constructor(url: string); url: string; headers: any; }
}
"""


def test_the_generated_typescript_client_type_checks(tmp_path):
    """The same generator's TypeScript client, checked by Debian's tsc (node-typescript) with its
    own tsconfig and --strict; its names are the wire's (camelCase), its results the named
    models."""
    import shutil
    from pathlib import Path
    tsc = shutil.which("tsc")
    if tsc is None:
        pytest.fail("no tsc (Debian's node-typescript); .ci/run installs it")
    with open(os.path.join(ROOT, "protocol", "openrpc.json"), encoding="utf-8") as f:
        document = openrpc.OpenRPC(**json.load(f))
    name = generator.generate(document, generator.Language.TYPESCRIPT, "http://localhost:1", Path(tmp_path))
    project = tmp_path / "typescript" / name
    (project / "src" / "shims.d.ts").write_text(TS_SHIMS)
    checked = subprocess.run([tsc, "-p", str(project), "--noEmit", "--strict"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    client = (project / "src" / "client.ts").read_text()
    models = (project / "src" / "models.ts").read_text()
    assert "customerId: string" in client and "nextCursor" in models and "NumberTakenErrorData" in models
