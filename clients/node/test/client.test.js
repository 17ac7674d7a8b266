// The typed API: the article end to end, errors as exceptions, progress, iterators, failures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { CustomerSync, NumberTaken, ImportRejected, InvalidParams, NotFound, StaleVersion, ServerCrashed, RequestTimeout } from "../index.js";

const examples = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "protocol", "examples");
const collect = async (iterable) => { const out = []; for await (const x of iterable) out.push(x); return out; };

for (const framing of ["ndjson", "content-length"]) {
  test(`the article end to end [${framing}]`, async () => {
    const sync = CustomerSync.spawn({ db: ":memory:", framing });
    try {
      assert.ok((await sync.initialize()).methods.includes("listUnsynced"));
      assert.equal((await sync.importCustomers({ side: "local", path: join(examples, "local-customers.csv") })).added, 12);
      assert.equal((await sync.importCustomers({ data: readFileSync(join(examples, "remote-customers.xlsx")) })).added, 11);
      const accepted = await sync.acceptSuggestions({ minScore: 0.9 });
      assert.ok(accepted.linked >= 6);
      for (const link of await collect(sync.iterLinks({ state: "conflict" }))) {
        const choices = Object.fromEntries(link.conflicts.map((c) => [c.field, "local"]));
        assert.equal((await sync.resolveConflict(link.id, { choices })).state, "synced");
      }
      const [privateCustomer] = await collect(sync.iterUnsynced({ query: "søren" }));
      assert.equal((await sync.disableSync(privateCustomer.id)).state, "excluded");
      const progress = [];
      await sync.createAllPartners({ side: "local", numbering: "sequence", start: 9000, progress: (p) => progress.push(p) });
      await sync.createAllPartners({ side: "remote", numbering: "sequence", start: "8000" });
      assert.ok(progress.length > 0 && progress.at(-1).done === progress.at(-1).total);
      const status = await sync.status();
      assert.equal(status.local.unsynced, 0);
      assert.equal(status.remote.unsynced, 0);
      assert.equal(status.remote.excluded, 1);
    } finally {
      assert.equal(await sync.close(), 0);
    }
  });
}

test("errors become exceptions with their data", async () => {
  const sync = CustomerSync.spawn({ db: ":memory:" });
  try {
    await sync.importCustomers({ side: "local", content: "Kundenr.;Navn\n1;A\n" });
    await sync.importCustomers({ content: "Kundenr.;Navn\n1;B\n" });
    await assert.rejects(sync.createPartner("c1"), (e) => e instanceof NumberTaken && e.code === 1004 && e.data.nextFree === "2");
    await assert.rejects(sync.importCustomers({ content: "Kundenr.;Navn\n;x\n" }), (e) => e instanceof ImportRejected && e.data.errors[0].line === 2);
    await assert.rejects(sync.listUnsynced({ limit: 0 }), (e) => e instanceof InvalidParams && e.path === "limit");
    await assert.rejects(sync.getCustomer("c99"), NotFound);
    const link = await sync.selectPartner("c1", "c2");
    await assert.rejects(sync.resolveConflict(link.id, { choices: { name: "local" }, expectedVersion: link.version + 1 }), StaleVersion);
    await sync.updateCustomer("c1", { city: "Vejle" });
    const [entry] = (await sync.history({ customerId: "c1", limit: 1 })).items;
    assert.equal(entry.field, "city");
  } finally {
    await sync.close();
  }
});

test("a killed server fails every pending call", async () => {
  const sync = CustomerSync.spawn({ db: ":memory:" });
  await sync.ping();
  sync.transport.child.kill("SIGSTOP");  // so the call is still waiting when the server dies
  const pending = sync.call("ping", {}, { timeout: 10000 });
  sync.transport.child.kill("SIGKILL");
  await assert.rejects(pending, ServerCrashed);
  await assert.rejects(sync.status(), ServerCrashed);
  await sync.close();
});

test("a call times out and the client goes on", async () => {
  const sync = CustomerSync.spawn({ db: ":memory:" });
  await sync.ping();
  sync.transport.child.kill("SIGSTOP");
  try {
    await assert.rejects(sync.ping({ timeout: 300 }), RequestTimeout);
  } finally {
    sync.transport.child.kill("SIGCONT");
  }
  assert.deepEqual(await sync.ping(), {});
  assert.equal(await sync.close(), 0);
});

test("every documented error kind has its class", async () => {
  const { errorFromReply } = await import("../index.js");
  const doc = JSON.parse(readFileSync(join(examples, "..", "openrpc.json"), "utf8"));
  for (const error of Object.values(doc.components.errors)) {
    const raised = errorFromReply({ code: error.code, message: error.message, data: { kind: error.data.kind } });
    assert.equal(raised.constructor.name, error.data.kind, `${error.data.kind} has no class of its own`);
  }
});

test("aborting a long import cancels it: RequestCancelled, nothing imported, ping answered meanwhile", async () => {
  const { RequestCancelled } = await import("../index.js");
  const sync = CustomerSync.spawn({ db: ":memory:" });
  try {
    const rows = Array.from({ length: 150000 }, (_, i) => `${i + 1};Kunde ${i + 1};Vej ${i + 1};5000;Odense C`).join("\n");
    const controller = new AbortController();
    const importing = sync.importCustomers({ content: `Kundenr.;Navn;Adresse;Postnr.;By\n${rows}\n` }, { signal: controller.signal });
    assert.deepEqual(await sync.ping(), {});
    controller.abort();
    await assert.rejects(importing, RequestCancelled);
    assert.equal((await sync.status()).remote.total, 0);
  } finally {
    await sync.close();
  }
});

test("the binary comes from binary, $CUSTOMER_SYNC_BIN or PATH, and a missing one is named", async () => {
  const { findBinary } = await import("../index.js");
  assert.equal(findBinary("/x/customer-sync"), "/x/customer-sync");
  const saved = { bin: process.env.CUSTOMER_SYNC_BIN, path: process.env.PATH };
  try {
    process.env.CUSTOMER_SYNC_BIN = "/from/env/customer-sync";
    assert.equal(findBinary(), "/from/env/customer-sync");
    delete process.env.CUSTOMER_SYNC_BIN;
    const built = findBinary();  // the repository's build, as the tests run
    process.env.PATH = dirname(built);
    assert.equal(findBinary(), join(dirname(built), "customer-sync"));
  } finally {
    if (saved.bin === undefined) delete process.env.CUSTOMER_SYNC_BIN; else process.env.CUSTOMER_SYNC_BIN = saved.bin;
    process.env.PATH = saved.path;
  }
});

/** The fake Dinero (Tests/Fixtures/fake_dinero.py) on loopback: its process and base URL. */
async function fakeDinero() {
  const { spawn } = await import("node:child_process");
  const { createInterface } = await import("node:readline");
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
  const fake = spawn("python3", [join(root, "Tests", "Fixtures", "fake_dinero.py"), "--port", "0", "--client-id", "isv_js",
    "--client-secret", "js-secret", "--api-key", "js-key", "--organization", "88"], { stdio: ["ignore", "pipe", "inherit"] });
  const first = await new Promise((resolve) => createInterface({ input: fake.stdout }).once("line", resolve));
  return { fake, base: `http://127.0.0.1:${first.split(" ")[1]}` };
}

/** A key file in a fresh temporary folder. */
async function keyFile(prefix) {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  return join(mkdtempSync(join(tmpdir(), prefix)), "key");
}

test("connect takes each system's own params: Dinero through the same client", async () => {
  const { fake, base } = await fakeDinero();
  await fetch(`${base}/__fake/contacts`, { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify([{ Name: "Node Kunde ApS", ExternalReference: "7", CountryKey: "SE" }]) });
  const sync = CustomerSync.spawn({ db: ":memory:", args: ["--key-file", await keyFile("dinero-")] });
  try {
    await assert.rejects(sync.connect({ system: "dinero", baseUrl: base, clientId: "isv_js", clientSecret: "js-secret", apiKey: "js-key",
      organizationId: "88", appSecretToken: "no" }), InvalidParams);
    const status = await sync.connect({ system: "dinero", baseUrl: base, authUrl: `${base}/dineroapi/oauth/token`, clientId: "isv_js",
      clientSecret: "js-secret", apiKey: "js-key", organizationId: "88" });
    assert.equal(status.system, "dinero");
    assert.ok(!JSON.stringify(status).includes("js-secret"));
    assert.equal((await sync.pullRemote()).added, 1);
    const page = await sync.listUnsynced({ side: "remote" });
    assert.equal(page.items[0].number, "7");
    assert.equal(page.items[0].country, "SE");
  } finally {
    await sync.close();
    fake.kill();
  }
});

test("automatic sync with Dinero: a partner reaches Dinero and Dinero's edit comes back, with nobody calling", async () => {
  const { fake, base } = await fakeDinero();
  const control = async (path, body) => (await fetch(`${base}${path}`, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })).json();
  const sync = CustomerSync.spawn({ db: ":memory:", args: ["--key-file", await keyFile("auto-")] });
  try {
    await sync.connect({ system: "dinero", baseUrl: base, authUrl: `${base}/dineroapi/oauth/token`, clientId: "isv_js",
      clientSecret: "js-secret", apiKey: "js-key", organizationId: "88" });
    await assert.rejects(sync.setAutoSync(4), InvalidParams);
    await sync.importCustomers({ side: "local", content: "Kundenr.;Navn;By\n31;Node Auto ApS;Vejle\n" });
    await sync.createAllPartners({ side: "local", numbering: "keep" });
    const seen = [];
    const stop = sync.onRemoteSynced((params) => seen.push(params));
    const status = await sync.setAutoSync(5);
    assert.equal(status.autoSync.everySeconds, 5);
    // Never pulled: the first round comes at once and creates the partner in Dinero.
    const round = await sync.nextRemoteSynced({ timeout: 20000 });
    assert.ok(round && !round.error, JSON.stringify(round));
    assert.equal(round.push.created, 1);
    assert.deepEqual(seen[0], round);
    const contact = (await control("/__fake/contacts")).find((c) => c.ExternalReference === "31");
    assert.equal(contact.Name, "Node Auto ApS");
    // Someone edits it in Dinero: the next round brings it into the local register.
    await control("/__fake/touch", { guid: contact.ContactGuid, fields: { City: "Horsens" } });
    const next = await sync.nextRemoteSynced({ timeout: 20000 });
    assert.ok(next && next.pull.updated === 1, JSON.stringify(next));
    const local = (await sync.listLinks()).items[0].local;
    assert.equal(local.city, "Horsens");
    stop();
    assert.equal((await sync.setAutoSync(null)).autoSync, null);
  } finally {
    await sync.close();
    fake.kill();
  }
});
