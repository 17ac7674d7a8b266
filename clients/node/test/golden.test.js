// Every transcript in protocol/golden/, replayed through this client's own transport.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, mkdtempSync } from "node:fs";
import { join, dirname } from "node:path";
import { tmpdir } from "node:os";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Transport } from "../index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const golden = join(root, "protocol", "golden");

function load(name) {
  let args = [], framings = ["ndjson", "content-length"];
  const seeds = {};
  const exchanges = [];
  readFileSync(join(golden, name), "utf8").split("\n").forEach((line, i) => {
    if (line.startsWith("#! args:")) args = args.concat(line.slice(8).trim().split(/\s+/));
    else if (line.startsWith("#! fake-economic:")) seeds.economic = JSON.parse(line.slice("#! fake-economic:".length));
    else if (line.startsWith("#! fake-dinero:")) seeds.dinero = JSON.parse(line.slice("#! fake-dinero:".length));
    else if (line.startsWith("#! framing:")) framings = [line.slice(11).trim()];
    else if (line.startsWith("--> ")) exchanges.push({ send: line.slice(4), replies: [] });
    else if (line.startsWith("<-- ")) exchanges.at(-1).replies.push({ line: i + 1, text: line.slice(4) });
  });
  return { args, framings, exchanges, seeds };
}

// `#! fake-economic: [customers]`, `#! fake-dinero: [contacts]`: the fake of Tests/Fixtures/, seeded;
// `$ECONOMIC` / `$DINERO` is its base URL.
const FAKES = {
  economic: ["fake_economic.py", ["--app-secret", "test-app-secret", "--grant", "test-grant"], "/__fake/customers", "$ECONOMIC"],
  dinero: ["fake_dinero.py", ["--client-id", "isv_test", "--client-secret", "test-client-secret", "--api-key", "test-api-key",
    "--organization", "4711"], "/__fake/contacts", "$DINERO"],
};

async function startFake(kind, seed) {
  const [script, args, control, placeholder] = FAKES[kind];
  const child = spawn("python3", [join(root, "Tests", "Fixtures", script), "--port", "0", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const first = await new Promise((resolve) => createInterface({ input: child.stdout }).once("line", resolve));
  const base = `http://127.0.0.1:${first.split(" ")[1]}`;
  await fetch(`${base}${control}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(seed) });
  return { base, child, placeholder };
}

function difference(expected, actual, path = "$") {
  if (expected === "<any>") return null;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) return `${path}: ${actual.length} elements, expected ${expected.length}`;
    for (let i = 0; i < expected.length; i++) { const d = difference(expected[i], actual[i], `${path}[${i}]`); if (d) return d; }
    return null;
  }
  if (expected && actual && typeof expected === "object" && typeof actual === "object" && !Array.isArray(expected) && !Array.isArray(actual)) {
    for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
      if (!(key in expected)) return `${path}.${key}: unexpected member`;
      if (!(key in actual)) return `${path}.${key}: missing`;
      const d = difference(expected[key], actual[key], `${path}.${key}`);
      if (d) return d;
    }
    return null;
  }
  return expected === actual ? null : `${path}: ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;
}

for (const name of readdirSync(golden).filter((n) => n.endsWith(".transcript")).sort()) {
  const transcript = load(name);
  for (const framing of transcript.framings) {
    test(`${name} [${framing}]`, async (t) => {
      const fakes = [];
      // However the replay ends, the fakes go (a live child would keep this process running).
      t.after(() => { for (const f of fakes) { f.child.stdout.destroy(); f.child.kill("SIGKILL"); } });
      for (const [kind, seed] of Object.entries(transcript.seeds)) fakes.push(await startFake(kind, seed));
      const keyArgs = fakes.length ? ["--key-file", join(mkdtempSync(join(tmpdir(), "golden-")), "key")] : [];
      const transport = new Transport({ db: ":memory:", framing, args: transcript.args.concat(keyArgs) });
      transport.rawMode();
      for (const exchange of transcript.exchanges) {
        transport.sendRaw(fakes.reduce((text, f) => text.replaceAll(f.placeholder, f.base), exchange.send));
        for (const reply of exchange.replies) {
          const actual = await transport.receiveRaw(30000);
          assert.notEqual(actual, null, `${name}:${reply.line}: the server ended`);
          const problem = difference(JSON.parse(reply.text), actual);
          assert.equal(problem, null, `${name}:${reply.line}: ${problem}\n  got: ${JSON.stringify(actual).slice(0, 400)}`);
        }
      }
      transport.child.stdin.end();
      assert.equal(await transport.exit, 0);
      assert.equal(await transport.receiveRaw(10000), null, "no output after the last reply");
    });
  }
}
