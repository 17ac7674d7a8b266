// The help article end to end on the shipped example files; prints the sync window's lists.
//   node clients/node/examples/workflow.js        (from the repository root, after swift build)
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { CustomerSync } from "../index.js";

const examples = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "protocol", "examples");
const sync = CustomerSync.spawn({ db: ":memory:" });
const show = async (title, iterable, row) => {
  console.log(`\n${title}`);
  for await (const item of iterable) console.log("  ", row(item));
};
try {
  await sync.importCustomers({ side: "local", path: join(examples, "local-customers.csv") });
  await sync.importCustomers({ side: "remote", path: join(examples, "remote-customers.csv") });
  await show("Not yet synchronised", sync.iterUnsynced(), (c) => [c.side, c.number, c.name].join(" "));
  await show("Suggested partners", sync.iterSuggestions(), (s) => `${s.localId} ↔ ${s.remoteId} ${s.score}`);
  await sync.acceptSuggestions({ minScore: 0.9 });
  for await (const link of sync.iterLinks({ state: "conflict" })) {
    console.log("  resolving", link.id, link.conflicts.map((c) => `${c.field}: ${c.local} | ${c.remote}`).join("; "));
    await sync.resolveConflict(link.id, { choices: Object.fromEntries(link.conflicts.map((c) => [c.field, "remote"])) });
  }
  for await (const c of sync.iterUnsynced({ query: "søren" })) await sync.disableSync(c.id);
  await sync.createAllPartners({ side: "local", numbering: "keep" });
  await sync.createAllPartners({ side: "remote", numbering: "sequence", start: 9000, progress: (p) => console.log(`  creating ${p.done}/${p.total}`) });
  await show("Synchronised", sync.iterLinks({ state: "synced" }), (l) => `${l.local.number} ↔ ${l.remote.number} ${l.local.name}`);
  await show("No synchronisation", sync.iterExcluded(), (c) => `${c.side} ${c.number} ${c.name}`);
  console.log("\nstatus:", JSON.stringify(await sync.status()));
} finally {
  await sync.close();
}
