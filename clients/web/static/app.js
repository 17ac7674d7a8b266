// The sync window: every action is one call to customer-sync (api.js), and every view is
// read back from it after the call, so the page never shows what the service did not do.
import { all, base64, call, onRemoteSynced, progress, ServiceError } from "./api.js";
import { currentLanguage, explain, setLanguage, t } from "./i18n.js";

const $ = (selector) => document.querySelector(selector);
const FIELDS = ["name", "address", "zip", "city", "country", "email", "phone", "cvr", "ean", "contact"];
const LIST_FIELDS = ["number", "name", "address", "zip", "city"];
const PAGE = 25;

/** An element: `el("td", {class: "x", onclick}, child, "text")`. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** A table head of column labels (already in words). */
function head(...labels) {
  return el("thead", {}, el("tr", {}, labels.flat().map((label) => el("th", { scope: "col", text: label }))));
}

/** Replaces `node`'s children with those given, leaving out null and undefined. */
function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined));
}

// -- messages and progress ------------------------------------------------------------------

function showError(error) {
  const box = $("#message");
  box.textContent = error instanceof ServiceError ? explain(error) : String(error);
  box.hidden = false;
  $("#notice").hidden = true;
}

function showNotice(text) {
  const box = $("#notice");
  box.textContent = text;
  box.hidden = false;
  $("#message").hidden = true;
}

function clearMessages() {
  $("#message").hidden = true;
  $("#notice").hidden = true;
}

/** Runs `work(progressToken)` with the progress bar following its $/progress notifications. */
async function withProgress(work) {
  const bar = $("#progress");
  const subscription = progress(({ done, total }) => {
    bar.hidden = false;
    bar.max = Math.max(1, total ?? done);
    bar.value = done;
    bar.setAttribute("aria-valuetext", `${done} / ${total ?? "?"}`);
    document.body.dataset.progress = `${done}/${total ?? ""}`;  // the last one seen, for tests
  });
  bar.removeAttribute("value");
  bar.hidden = false;
  try {
    return await work(subscription.token);
  } finally {
    subscription.done();
    bar.hidden = true;
  }
}

/** An action: messages cleared, the error shown in words, every view read again after. */
async function act(work) {
  clearMessages();
  try {
    return await work();
  } catch (error) {
    showError(error);
    return undefined;
  } finally {
    await refreshAll();
  }
}

// -- tabs -----------------------------------------------------------------------------------

const tabs = [...document.querySelectorAll('[role="tab"]')];

function selectTab(tab, focus = false) {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute("aria-selected", String(selected));
    other.tabIndex = selected ? 0 : -1;
    document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
  }
  if (focus) tab.focus();
  history.replaceState(null, "", `${location.pathname}${location.search}#${tab.id.slice(4)}`);
}

for (const tab of tabs) {
  tab.addEventListener("click", () => selectTab(tab));
  tab.addEventListener("keydown", (event) => {
    const i = tabs.indexOf(tab);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    selectTab(tabs[(next + tabs.length) % tabs.length], true);
  });
}

// -- labels ---------------------------------------------------------------------------------

function applyLabels() {
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  document.title = `customer-sync · ${t("title")}`;
}

$("#language").addEventListener("change", async (event) => {
  setLanguage(event.target.value);
  applyLabels();
  await refreshAll();
});

// -- status ---------------------------------------------------------------------------------

async function refreshStatus() {
  const s = await call("status");
  $("#status-line").textContent = t("statusLine", { lu: s.local.unsynced, ru: s.remote.unsynced, ls: s.links.synced, lc: s.links.conflict });
  $("#tab-conflicts").textContent = `${t("tab.conflicts")} (${s.links.conflict})`;
}

// -- import ---------------------------------------------------------------------------------

async function importFile(file) {
  const form = $("#import-form");
  const format = /\.xlsx$/i.test(file.name) ? "xlsx" : "csv";
  const result = $("#import-result");
  fill(result, el("p", { class: "muted", text: `${file.name}: ${t("working")}` }));
  await act(async () => {
    try {
      // importCustomers sends no progress: the bar runs without a measure until it answers.
      const outcome = await withProgress(async () => call("importCustomers", {
        side: form.side.value, mode: form.mode.value, skipInvalid: form.skipInvalid.checked,
        contentBase64: await base64(file), format,
      }));
      fill(result, el("p", { text: `${file.name}: ${t("imported", outcome)}` }), rejectedTable(outcome.rejected));
      showNotice(`${file.name}: ${t("imported", outcome)}`);
    } catch (error) {
      fill(result, el("p", { text: file.name }), rejectedTable(error.data?.errors ?? []));
      throw error;
    }
  });
}

function rejectedTable(rows) {
  if (!rows?.length) return el("p");
  return el("div", { class: "table-wrap" },
    el("h3", { text: t("rejected") }),
    el("table", { id: "rejected" },
      head(t("line"), t("field"), t("message")),
      el("tbody", {}, rows.map((row) => el("tr", {}, el("td", { text: row.line }), el("td", { text: row.field ? t(row.field) : "" }), el("td", { text: row.message }))))));
}

const dropZone = $("#drop-zone");
dropZone.addEventListener("dragover", (event) => { event.preventDefault(); dropZone.classList.add("over"); });
dropZone.addEventListener("dragleave", () => dropZone.classList.remove("over"));
dropZone.addEventListener("drop", (event) => {
  event.preventDefault();
  dropZone.classList.remove("over");
  const file = event.dataTransfer?.files?.[0];
  if (file) importFile(file);
});
dropZone.addEventListener("keydown", (event) => {
  if (event.key === "Enter" || event.key === " ") { event.preventDefault(); $("#import-file").click(); }
});
$("#import-file").addEventListener("change", (event) => {
  const file = event.target.files?.[0];
  if (file) importFile(file);
  event.target.value = "";
});

// -- connection -----------------------------------------------------------------------------

/** The connection as last read: what the notices about automatic sync need. */
let connection = { connected: false, autoSync: null };

const systemName = (system) => (system === "dinero" ? "Dinero" : system);

/** A timestamp from the service in the page's language and the machine's own time zone. */
function localTime(at) {
  const date = new Date(at);
  const today = new Date().toDateString() === date.toDateString();
  const locale = currentLanguage() === "da" ? "da-DK" : "en-GB";
  return today ? date.toLocaleTimeString(locale) : date.toLocaleString(locale);
}

/** "5 minutes": the interval of automatic sync in words, as in "within 5 minutes". */
function intervalWords(seconds) {
  const key = `within.${seconds}`;
  const words = t(key);
  return words === key ? t("withinSeconds", { seconds }) : words;
}

/** What a notice adds when a change is on its way to the system by automatic sync. */
function willReach(many = false) {
  const auto = connection.autoSync;
  if (!connection.connected || !auto) return "";
  return " " + t(many ? "willReachAll" : "willReach", { system: systemName(connection.system), interval: intervalWords(auto.everySeconds) });
}

/** The header line: when automatic sync last ran, when it runs next, how it went. */
function showSyncLine() {
  const line = $("#sync-line");
  const auto = connection.autoSync;
  line.hidden = !connection.connected || !auto;
  if (line.hidden) return;
  const parts = [auto.lastAt ? t("lastSynced", { at: localTime(auto.lastAt) }) : t("neverSynced")];
  if (auto.running) parts.push(t("syncRunning"));
  else if (auto.nextAt) parts.push(t("nextSync", { at: localTime(auto.nextAt) }));
  if (auto.lastError) parts.push(t("autoSyncFailed", { failures: auto.failures, error: explain(new ServiceError(auto.lastError)) }));
  line.textContent = parts.join(" · ");
  line.classList.toggle("failing", Boolean(auto.lastError));
}

async function refreshConnection() {
  const s = await call("connectionStatus");
  connection = s;
  const box = $("#connection-status");
  fill(box, 
    el("p", { id: "connection-state", text: s.connected ? t("connected", { system: s.system === "dinero" ? "Dinero" : s.system }) : t("notConnected") }),
    el("p", { id: "connection-queued", text: t("queued", { queued: s.queued }) }),
    s.lastPull ? el("p", { text: t("lastPull", { at: s.lastPull }) }) : null,
    s.lastPush ? el("p", { text: t("lastPush", { at: s.lastPush }) }) : null,
    s.lastError ? el("p", { id: "connection-error", text: t("lastError", { error: s.lastError }) }) : null);
  $("#connect-form").hidden = s.connected;
  $("#pull").disabled = !s.connected;
  $("#push").disabled = !s.connected;
  $("#sync-now").disabled = !s.connected;
  $("#disconnect").disabled = !s.connected;
  $("#auto-sync").disabled = !s.connected;
  $("#auto-sync-on").checked = Boolean(s.autoSync);
  if (s.autoSync) {
    const every = $("#auto-sync-every");
    if (![...every.options].some((o) => o.value === String(s.autoSync.everySeconds))) {
      every.append(el("option", { value: s.autoSync.everySeconds, text: `${s.autoSync.everySeconds} s` }));
    }
    every.value = String(s.autoSync.everySeconds);
  }
  showSyncLine();
}

/** The switch and the interval: on with the interval chosen, or off. */
async function applyAutoSync() {
  const on = $("#auto-sync-on").checked;
  await act(async () => {
    await call("setAutoSync", { everySeconds: on ? Number($("#auto-sync-every").value) : null });
    showNotice(on ? `${t("autoSyncOn")}: ${t(`every.${$("#auto-sync-every").value}`)}` : t("autoSyncOff"));
  });
}
$("#auto-sync-on").addEventListener("change", applyAutoSync);
$("#auto-sync-every").addEventListener("change", () => { if ($("#auto-sync-on").checked) applyAutoSync(); });

/** The words for one round's result ({pull, push}). */
function roundWords(r) {
  return t("synced", { added: r.pull.added, updated: r.pull.updated, deleted: r.pull.deleted, created: r.push.created, sent: r.push.updated });
}

$("#sync-now").addEventListener("click", () => act(async () => {
  const r = await withProgress((progressToken) => call("syncRemote", { progressToken }));
  showNotice(roundWords(r));
}));

// An automatic round ended: every list is read again, so a change from the system shows
// without anyone pressing anything; the header says when it was.
onRemoteSynced(async (round) => {
  document.body.dataset.synced = round.at;  // the last one seen, for tests
  await refreshAll();
});

// One form, each system's own fields: the ones of the other system are hidden and disabled
// (so neither sent nor required).
function showSystemFields() {
  const system = $("#connect-form").system.value;
  for (const set of document.querySelectorAll("#connect-form fieldset[data-system]")) {
    set.hidden = set.disabled = set.dataset.system !== system;
  }
}
$("#connect-form").system.addEventListener("change", showSystemFields);
showSystemFields();

$("#connect-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const system = form.system.value;
  const params = system === "dinero"
    ? { system, clientId: form.clientId.value, clientSecret: form.clientSecret.value, apiKey: form.apiKey.value, organizationId: form.organizationId.value }
    : {
      system, appSecretToken: form.appSecretToken.value, agreementGrantToken: form.agreementGrantToken.value,
      defaults: { currency: form.currency.value, customerGroup: Number(form.customerGroup.value), paymentTerms: Number(form.paymentTerms.value), vatZone: Number(form.vatZone.value) },
    };
  if (form.baseUrl.value) params.baseUrl = form.baseUrl.value;
  if (system === "dinero" && form.authUrl.value) params.authUrl = form.authUrl.value;
  // The secrets are typed once: gone from the page whatever the answer.
  for (const secret of ["appSecretToken", "agreementGrantToken", "clientSecret", "apiKey"]) form[secret].value = "";
  await act(async () => { await call("connect", params); showNotice(t("connected", { system: system === "dinero" ? "Dinero" : "e-conomic" })); });
});

$("#pull").addEventListener("click", () => act(async () => {
  const r = await withProgress((progressToken) => call("pullRemote", { progressToken }));
  const warnings = r.warnings ?? [];
  const text = t("pulled", { ...r, warnings: new Set(warnings.map((w) => w.customerId)).size });
  // Kept as the accounting system holds them; what breaks a local rule is listed by customer.
  fill($("#connection-result"), el("p", { text }),
    warnings.length ? el("ul", { id: "pull-warnings" }, warnings.map((w) => el("li", { text: `${w.number} (${w.field}): ${w.message}` }))) : null);
  showNotice(text);
}));

$("#push").addEventListener("click", () => act(async () => {
  const r = await withProgress((progressToken) => call("pushRemote", { progressToken }));
  const text = t("pushed", { ...r, conflicts: r.conflicts ?? 0, failed: r.failed.length });
  fill($("#connection-result"), el("p", { text }),
    r.failed.length ? el("ul", {}, r.failed.map((f) => el("li", { text: `${f.customerId}: ${f.message}` }))) : null);
  showNotice(text);
}));

$("#disconnect").addEventListener("click", () => act(() => call("disconnect")));

// -- not synchronised -----------------------------------------------------------------------

const sides = {
  local: { query: "", cursors: [null], items: [], next: null },
  remote: { query: "", cursors: [null], items: [], next: null },
};
let chosen = null;  // the customer whose partner is being chosen

function customerCells(customer) {
  return LIST_FIELDS.map((field) => el("td", { text: customer[field] ?? "" }));
}

async function refreshSide(side) {
  const state = sides[side];
  const cursor = state.cursors[state.cursors.length - 1];
  const page = await call("listUnsynced", { side, limit: PAGE, ...(state.query ? { query: state.query } : {}), ...(cursor ? { cursor } : {}) });
  state.items = page.items;
  state.next = page.nextCursor;
  renderSide(side, page.total);
}

function renderSide(side, total) {
  const state = sides[side];
  const box = document.getElementById(`side-${side}`);
  // The search field stays (and keeps its focus) while the list under it is read again.
  let search = box.querySelector("input[type=search]");
  if (!search) {
    search = el("input", { type: "search", id: `search-${side}`, "aria-label": `${t("search")}: ${t(side)}`, placeholder: t("search") });
    let timer;
    const run = async () => { state.query = search.value.trim(); state.cursors = [null]; await refreshSide(side).catch(showError); };
    search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 250); });
    search.addEventListener("change", () => { clearTimeout(timer); run(); });
    fill(box, el("h2"), search, el("div", { class: "table-wrap" }), el("p", { class: "pager" }));
  }
  search.placeholder = t("search");
  search.setAttribute("aria-label", `${t("search")}: ${t(side)}`);
  const rows = state.items.map((customer) => {
    const row = el("tr", { "data-id": customer.id, class: chosen?.id === customer.id ? "selected" : null }, customerCells(customer),
      el("td", { class: "actions" },
        el("button", { type: "button", "data-action": "create", onclick: () => createPartner(customer), text: t("createPartner") }),
        el("button", { type: "button", "data-action": "choose", "aria-pressed": String(chosen?.id === customer.id), onclick: () => choosePartner(customer), text: t("choosePartner") }),
        chosen && chosen.side !== customer.side
          ? el("button", { type: "button", class: "primary", "data-action": "choose-as", onclick: () => chooseAsPartner(customer), text: t("chooseAsPartner") })
          : null,
        el("button", { type: "button", "data-action": "exclude", onclick: () => act(() => call("disableSync", { customerId: customer.id })), text: t("noSync") })));
    return row;
  });
  const [heading, , wrap, pager] = box.children;
  heading.textContent = `${t(side)} (${total})`;
  fill(wrap, el("table", { id: `unsynced-${side}` },
    el("caption", { class: "muted", text: `${t("tab.unsynced")}: ${t(side)}` }),
    head(LIST_FIELDS.map((f) => t(f)), t("actions")),
    el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: LIST_FIELDS.length + 1, text: t("empty") })))));
  fill(pager, 
    el("button", { type: "button", disabled: state.cursors.length <= 1, onclick: async () => { state.cursors.pop(); await refreshSide(side).catch(showError); }, text: t("previous") }),
    el("button", { type: "button", disabled: !state.next, onclick: async () => { state.cursors.push(state.next); await refreshSide(side).catch(showError); }, text: t("next") }));
}

/** "Create partner": asks for the number, proposing the customer's own or the next free one. */
async function createPartner(customer, proposal = customer.number, problem = null) {
  const input = el("input", { id: "partner-number", name: "number", value: proposal ?? "", required: true, autocomplete: "off" });
  const ok = await dialog(t("createPartner") + `: ${customer.name ?? customer.number}`,
    [problem ? el("p", { role: "alert", text: problem }) : null, el("label", {}, el("span", { text: t("partnerNumber") }), input)], t("submit"));
  if (!ok) return;
  clearMessages();
  try {
    await call("createPartner", { customerId: customer.id, number: input.value.trim() });
    showNotice(`${t("createPartner")}: ${customer.name ?? ""} ✓` + (customer.side === "local" ? willReach() : ""));
    await refreshAll();
  } catch (error) {
    if (error.kind === "NumberTaken" || error.kind === "InvalidNumber") {
      // Asked again, with the next free number proposed.
      return createPartner(customer, error.data.nextFree ?? input.value, explain(error));
    }
    showError(error);
    await refreshAll();
  }
}

/** "Choose partner": marks the customer and lists its likely partners with their reasons. */
async function choosePartner(customer) {
  chosen = chosen?.id === customer.id ? null : customer;
  await refreshUnsynced().catch(showError);
  const box = $("#likely");
  if (!chosen) { fill(box); return; }
  try {
    const { candidates } = await call("suggestPartners", { customerId: customer.id, limit: 5 });
    fill(box, el("h2", { text: t("likely", { name: customer.name ?? customer.number }) }),
      el("div", { class: "table-wrap" }, el("table", { id: "likely-table" },
        head(LIST_FIELDS.map((f) => t(f)), t("score"), t("reasons"), t("actions")),
        el("tbody", {}, candidates.map((c) => el("tr", { "data-id": c.customer.id }, customerCells(c.customer),
          el("td", { text: `${Math.round(c.score * 100)} %` }),
          el("td", { class: "reasons", text: c.reasons.map((r) => `${t(r.field)}: ${r.level ?? r.verdict} (${r.weight > 0 ? "+" : ""}${r.weight})`).join(" · ") }),
          el("td", { class: "actions" }, el("button", { type: "button", class: "primary", "data-action": "choose-as", onclick: () => chooseAsPartner(c.customer), text: t("chooseAsPartner") }))))))));
    box.scrollIntoView({ block: "nearest" });
  } catch (error) {
    showError(error);
  }
}

async function chooseAsPartner(other) {
  const [localId, remoteId] = chosen.side === "local" ? [chosen.id, other.id] : [other.id, chosen.id];
  chosen = null;
  fill($("#likely"));
  const link = await act(() => call("selectPartner", { localId, remoteId }));
  if (link?.state === "conflict") selectTab($("#tab-conflicts"));
}

async function refreshUnsynced() {
  await Promise.all([refreshSide("local"), refreshSide("remote")]);
}

// "Create all partners" and "Accept certain suggestions": a dry run shown first, then Submit.
$("#open-create-all").addEventListener("click", async () => {
  const side = el("select", { id: "create-all-side" }, el("option", { value: "local", text: t("local") }), el("option", { value: "remote", text: t("remote") }));
  const mode = el("select", { id: "create-all-mode" }, el("option", { value: "keep", text: t("numbering.keep") }), el("option", { value: "sequence", text: t("numbering.sequence") }));
  const start = el("input", { id: "create-all-start", inputmode: "numeric", value: "10000" });
  const preview = el("div", { id: "create-all-preview", "aria-live": "polite" });
  const params = () => ({ side: side.value, numbering: mode.value === "keep" ? { mode: "keep" } : { mode: "sequence", start: start.value.trim() } });
  const show = async () => {
    try {
      const r = await call("createAllPartners", { ...params(), dryRun: true });
      fill(preview, el("p", { text: t("willCreate", r) }), skippedList(r.skipped));
    } catch (error) {
      fill(preview, el("p", { role: "alert", text: explain(error) }));
    }
  };
  for (const control of [side, mode, start]) control.addEventListener("change", show);
  const body = [el("label", {}, el("span", { text: t("fromSide") }), side), el("label", {}, el("span", { text: t("numbering") }), mode),
    el("label", {}, el("span", { text: t("start") }), start), preview];
  const opened = dialog(t("createAll"), body, t("submit"));
  await show();
  if (!(await opened)) return;
  await act(async () => {
    const r = await withProgress((progressToken) => call("createAllPartners", { ...params(), progressToken }));
    showNotice(t("created", r) + (params().side === "local" && r.created > 0 ? willReach(true) : ""));
  });
});

function skippedList(skipped) {
  if (!skipped.length) return null;
  return el("div", {}, el("h3", { text: t("skipped") }), el("ul", { id: "skipped" },
    skipped.map((s) => el("li", { text: `${s.customerId}: ${t(`kind.${s.reason}`)}` }))));
}

$("#open-accept").addEventListener("click", async () => {
  const min = el("input", { id: "accept-min", type: "number", min: "0", max: "1", step: "0.01", value: "0.95" });
  const preview = el("div", { id: "accept-preview", "aria-live": "polite" });
  const show = async () => {
    try {
      fill(preview, el("p", { text: t("willLink", await call("acceptSuggestions", { minScore: Number(min.value), dryRun: true })) }));
    } catch (error) {
      fill(preview, el("p", { role: "alert", text: explain(error) }));
    }
  };
  min.addEventListener("change", show);
  const opened = dialog(t("acceptSuggestions"), [el("label", {}, el("span", { text: t("minScore") }), min), preview], t("submit"));
  await show();
  if (!(await opened)) return;
  await act(async () => showNotice(t("linked", await call("acceptSuggestions", { minScore: Number(min.value) }))));
});

// -- conflicts ------------------------------------------------------------------------------

async function refreshConflicts() {
  const links = await all("listLinks", { state: "conflict" }, 200);
  const box = $("#conflicts");
  if (!links.length) { fill(box, el("p", { text: t("conflictsNone") })); return; }
  fill(box, ...links.map(conflictForm));
}

/** One link in conflict: both values of each field (and the base); a click chooses a value
 * (it turns blue), or a value is typed; Submit once every field has a choice. */
function conflictForm(link) {
  const choices = {};
  const values = {};
  const submit = el("button", { type: "submit", class: "primary", disabled: true, text: t("resolve") });
  const update = () => { submit.disabled = !link.conflicts.every((c) => choices[c.field] || values[c.field] !== undefined); };
  const rows = link.conflicts.map((conflict) => {
    const buttons = {};
    const own = el("input", { "aria-label": `${t(conflict.field)}: ${t("ownValue")}`, placeholder: t("ownValue"), "data-own": conflict.field });
    const pick = (side) => {
      choices[conflict.field] = side;
      delete values[conflict.field];
      own.value = "";
      for (const [s, b] of Object.entries(buttons)) { b.classList.toggle("chosen", s === side); b.setAttribute("aria-pressed", String(s === side)); }
      update();
    };
    for (const side of ["local", "remote"]) {
      const value = conflict[side];
      buttons[side] = el("button", { type: "button", class: "value", "data-field": conflict.field, "data-side": side, "aria-pressed": "false", onclick: () => pick(side) },
        el("span", { class: "muted", text: `${t(side)}: ` }), value === null ? el("span", { class: "empty", text: "–" }) : value);
    }
    own.addEventListener("input", () => {
      if (own.value !== "") {
        values[conflict.field] = own.value;
        delete choices[conflict.field];
        for (const b of Object.values(buttons)) { b.classList.remove("chosen"); b.setAttribute("aria-pressed", "false"); }
      } else {
        delete values[conflict.field];
      }
      update();
    });
    return el("tr", {}, el("th", { scope: "row", text: t(conflict.field) }),
      el("td", {}, buttons.local), el("td", {}, buttons.remote),
      el("td", { class: "muted", text: conflict.base ?? "–" }), el("td", {}, own));
  });
  const form = el("form", { class: "conflict", "data-link": link.id, "aria-label": `${link.local?.name ?? ""} / ${link.remote?.name ?? ""}` },
    el("h2", { text: `${link.local?.number ?? "–"} ${link.local?.name ?? ""} ⇄ ${link.remote?.number ?? "–"} ${link.remote?.name ?? ""}` }),
    el("div", { class: "table-wrap" }, el("table", {},
      head(t("field"), t("local"), t("remote"), t("base"), t("ownValue")),
      el("tbody", {}, rows))),
    el("p", { class: "buttons" }, submit));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(async () => {
      await call("resolveConflict", { linkId: link.id, choices, ...(Object.keys(values).length ? { values } : {}) });
      showNotice(t("resolved"));
    });
  });
  return form;
}

// -- synchronised, excluded, deleted --------------------------------------------------------

async function refreshSynced() {
  const links = await all("listLinks", { state: "synced" }, 500);
  fill($("#synced"), linkTable("synced-table", links, (link) => [
    el("button", { type: "button", "data-action": "unlink", onclick: () => act(() => call("unlink", { linkId: link.id })), text: t("stopSync") }),
    el("button", { type: "button", "data-action": "history", onclick: () => showHistory(link), text: t("history") }),
  ]));
}

async function refreshExcluded() {
  const customers = await all("listExcluded", {}, 500);
  fill($("#excluded"), el("div", { class: "table-wrap" }, el("table", { id: "excluded-table" },
    head(t("side"), LIST_FIELDS.map((f) => t(f)), t("actions")),
    el("tbody", {}, customers.length ? customers.map((c) => el("tr", { "data-id": c.id }, el("td", { text: t(c.side) }), customerCells(c),
      el("td", { class: "actions" }, el("button", { type: "button", "data-action": "enable", onclick: () => act(() => call("enableSync", { customerId: c.id })), text: t("enableSync") }))))
      : el("tr", {}, el("td", { colspan: LIST_FIELDS.length + 2, text: t("empty") }))))));
}

async function refreshDeleted() {
  const links = await all("listLinks", { state: "deleted" }, 500);
  fill($("#deleted"), links.length ? linkTable("deleted-table", links, (link) => ["deletePartner", "recreate", "unlink"].map((action) =>
    el("button", { type: "button", "data-action": action, onclick: () => act(() => call("resolveDeletion", { linkId: link.id, action })), text: t(`deletion.${action}`) })))
    : el("p", { text: t("deletedNone") }));
}

function linkTable(id, links, actions) {
  return el("div", { class: "table-wrap" }, el("table", { id },
    head(`${t("local")}: ${t("number")}`, t("name"), `${t("remote")}: ${t("number")}`, t("name"), t("actions")),
    el("tbody", {}, links.length ? links.map((link) => el("tr", { "data-link": link.id },
      el("td", { text: link.local?.number ?? "–" }), el("td", { text: link.local?.name ?? "–" }),
      el("td", { text: link.remote?.number ?? "–" }), el("td", { text: link.remote?.name ?? "–" }),
      el("td", { class: "actions" }, actions(link))))
      : el("tr", {}, el("td", { colspan: 5, text: t("empty") })))));
}

async function showHistory(link) {
  try {
    const page = await call("history", { linkId: link.id, limit: 50 });
    const list = el("ul", { id: "history-list" }, page.items.map((h) => el("li", { text: `${h.at} · ${h.operation} · ${h.field ? `${t(h.field)}: ${h.old ?? "–"} → ${h.new ?? "–"}` : ""}` })));
    await dialog(`${t("history")}: ${link.local?.name ?? link.remote?.name ?? link.id}`, [list], null);
  } catch (error) {
    showError(error);
  }
}

// -- the dialog -----------------------------------------------------------------------------

/** Shows the dialog with `body`; resolves true on `confirm` (its label), false on Cancel/Esc. */
function dialog(title, body, confirm) {
  const box = $("#dialog");
  $("#dialog-title").textContent = title;
  fill($("#dialog-body"), ...body.filter(Boolean));
  const buttons = [el("button", { value: "cancel", formnovalidate: true, text: confirm ? t("cancel") : t("close") })];
  if (confirm) buttons.push(el("button", { value: "ok", class: "primary", id: "dialog-ok", text: confirm }));
  fill($("#dialog-buttons"), ...buttons);
  box.returnValue = "";
  box.showModal();
  box.querySelector("input, select")?.focus();
  return new Promise((resolve) => box.addEventListener("close", () => resolve(box.returnValue === "ok"), { once: true }));
}

// -- start ----------------------------------------------------------------------------------

async function refreshAll() {
  try {
    await Promise.all([refreshStatus(), refreshUnsynced(), refreshConflicts(), refreshSynced(), refreshExcluded(), refreshDeleted(), refreshConnection()]);
  } catch (error) {
    showError(error);
  }
}

setLanguage(currentLanguage());
$("#language").value = currentLanguage();
applyLabels();
selectTab(document.getElementById(`tab-${location.hash.slice(1)}`) ?? $("#tab-import"));
await refreshAll();
document.body.dataset.ready = "true";
