// The sync window: every action is one call to customer-sync (api.js), and every view is
// read back from it after the call, so the page never shows what the service did not do.
// Nothing changes without a preview or a confirmation that names what changes.
import { base64, call, onRemoteSynced, progress, ServiceError } from "./api.js";
import { count, currentLanguage, explain, locale, setLanguage, t } from "./i18n.js";

const $ = (selector) => document.querySelector(selector);
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

/** A customer as a person names it: "1001 Bageriet Ørsted ApS". */
const label = (customer) => (customer ? [customer.number, customer.name].filter(Boolean).join(" ") : "–");

/** A timestamp from the service in the page's language and the machine's own time zone. */
function localTime(at) {
  const date = new Date(at);
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString(locale()) : date.toLocaleString(locale());
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

/** Asks before something that deletes or unlinks: resolves true when confirmed. */
function confirmFirst(text, confirmLabel, details = []) {
  return dialog(t("confirm"), [el("p", { id: "confirm-text", text }), ...details], confirmLabel, { danger: true });
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
  // A notice belongs to the view it was given in.
  clearMessages();
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
  $("#progress").setAttribute("aria-label", t("working"));
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
  $("#status-line").textContent = t("statusLine", { lu: count(s.local.unsynced), ru: count(s.remote.unsynced), ls: count(s.links.synced), lc: count(s.links.conflict) });
  $("#tab-conflicts").textContent = `${t("tab.conflicts")} (${count(s.links.conflict)})`;
}

// -- import: a file, then its preview, then Submit --------------------------------------------

/** The file waiting for Submit, with its bytes, and the dry run of what it would do. */
let pending = null;

const importForm = $("#import-form");

function chooseFile(file) {
  pending = { file, format: /\.xlsx$/i.test(file.name) ? "xlsx" : /\.ods$/i.test(file.name) ? "ods" : "csv", bytes: null, preview: null };
  clearMessages();
  fill($("#import-result"));
  $("#import-file-name").textContent = t("importStep", { file: file.name });
  $("#import-step").hidden = false;
  importForm.side.value = "";
  previewImport(true);
}

/** The import's params as the form says (without the bytes). */
function importParams() {
  return { side: importForm.side.value, mode: importForm.mode.value, skipInvalid: importForm.skipInvalid.checked, format: pending.format };
}

/** A dry run of the file into the chosen register (or, with none chosen yet, into either, to
 * learn which one its header looks like). Nothing changes. */
async function previewImport(guessing = false) {
  const box = $("#import-preview");
  const submit = $("#import-submit");
  submit.disabled = true;
  box.dataset.ready = "false";
  const current = pending;
  try {
    current.bytes ??= await base64(current.file);
    const params = importParams();
    const side = params.side || "local";
    let preview;
    let massDelete = null;
    try {
      preview = await call("importCustomers", { ...params, side, contentBase64: current.bytes, dryRun: true });
    } catch (error) {
      if (error.kind !== "MassDelete") throw error;
      // The wrong file or register, most likely: shown loudly, with whom it would delete.
      massDelete = error.data;
      preview = await call("importCustomers", { ...params, side, contentBase64: current.bytes, dryRun: true, allowMassDelete: true });
    }
    if (current !== pending) return;
    if (guessing && preview.looksLike) importForm.side.value = preview.looksLike.side;
    if (importForm.side.value && importForm.side.value !== side) return previewImport();
    current.preview = { ...preview, massDelete };
    renderPreview(current.preview);
    submit.disabled = !importForm.side.value;
  } catch (error) {
    if (current !== pending) return;
    current.preview = null;
    const rows = error.data?.errors ?? [];
    fill(box, el("p", { role: "alert", class: "alert", text: error.kind === "ImportRejected"
      ? `${explain(error)} ${rows.some((r) => r.line > 0) ? t("rejectedPreview", { count: count(new Set(rows.map((r) => r.line)).size) }) : ""}`
      : explain(error) }), rejectedTable(rows));
  } finally {
    if (current === pending) box.dataset.ready = "true";
  }
}

function renderPreview(preview) {
  const side = importForm.side.value;
  const guess = preview.looksLike;
  const effect = preview.added + preview.updated + preview.deleted === 0
    ? t("importWillNothing", { unchanged: count(preview.unchanged) })
    : t("importWill", { added: count(preview.added), updated: count(preview.updated), deleted: count(preview.deleted), unchanged: count(preview.unchanged) });
  const gone = preview.wouldDelete ?? [];
  fill($("#import-preview"),
    guess ? el("p", { id: "import-guess", text: t(`looksLike.${guess.reason}`, { side: t(guess.side) }) }) : null,
    guess && side && guess.side !== side ? el("p", { role: "alert", class: "alert", id: "import-other", text: t("looksLikeOther", { guess: t(guess.side), side: t(side) }) }) : null,
    side ? el("p", { id: "import-effect", text: effect }) : el("p", { class: "alert", text: t("importChooseSide") }),
    preview.massDelete ? el("p", { role: "alert", class: "alert", text: t("massDeleteWarning", { wouldDelete: count(preview.massDelete.wouldDelete), total: count(preview.massDelete.total) }) }) : null,
    gone.length ? el("div", {}, el("p", { text: t("wouldDeleteHead") }), deletedList(gone, preview.deleted)) : null,
    (preview.warnings ?? []).length ? el("ul", { class: "alert", id: "import-warnings" }, preview.warnings.map((w) => el("li", { text: warningText(w), title: w }))) : null,
    preview.rejected?.length ? rejectedTable(preview.rejected) : null,
    el("details", {}, el("summary", { text: t("columnsHead") }), el("ul", { id: "import-columns" },
      (preview.columns ?? []).map((c) => el("li", { text: `${c.header} → ${c.field ? columnLabel(c.field) : t("extraColumn")}` })))));
}

/** A reader's warning (its wording is ours, `RegisterFile`, `TextDecoding`) in the page's words. */
function warningText(warning) {
  const column = /^column ([A-Z]+) has no header, so its (\d+)/.exec(warning);
  if (column) return t("warning.unnamedColumn", { column: column[1], count: column[2] });
  if (/neither UTF-8/.test(warning)) return t("warning.encoding");
  return currentLanguage() === "en" ? warning : t("warning.other");
}

function columnLabel(field) {
  return field === "addressLine" ? t("addressLine") : field === "zipCity" ? t("zipCity") : t(field);
}

function deletedList(customers, total) {
  return el("ul", { id: "would-delete" }, customers.slice(0, 10).map((c) => el("li", { text: label(c) })),
    total > 10 ? el("li", { class: "muted", text: t("andMore", { count: count(total - Math.min(10, customers.length)) }) }) : null);
}

for (const control of [importForm.side, importForm.mode, importForm.skipInvalid]) {
  control.addEventListener("change", () => { if (pending) previewImport(); });
}

$("#import-cancel").addEventListener("click", () => {
  pending = null;
  $("#import-step").hidden = true;
  fill($("#import-preview"));
});

importForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const current = pending;
  if (!current?.preview || !importForm.side.value) return;
  const preview = current.preview;
  if (preview.deleted > 0) {
    const ok = await confirmFirst(t("confirmDeleteTitle", { count: count(preview.deleted) }), t("confirmDeleteButton", { count: count(preview.deleted) }),
      [deletedList(preview.wouldDelete ?? [], preview.deleted)]);
    if (!ok) return;
  }
  const name = current.file.name;
  await act(async () => {
    try {
      // importCustomers sends no progress: the bar runs without a measure until it answers.
      const outcome = await withProgress(() => call("importCustomers", {
        ...importParams(), contentBase64: current.bytes, ...(preview.massDelete ? { allowMassDelete: true } : {}),
      }));
      pending = null;
      $("#import-step").hidden = true;
      fill($("#import-preview"));
      fill($("#import-result"), el("p", { text: `${name}: ${t("imported", outcome)}` }), rejectedTable(outcome.rejected));
      showNotice(`${name}: ${t("imported", outcome)}`);
    } catch (error) {
      fill($("#import-result"), el("p", { text: name }), rejectedTable(error.data?.errors ?? []));
      throw error;
    }
  });
});

/** A row's error in the page's words: by its field, and for a number or the whole file by
 * what the service's message says (its wording is ours, `RegisterFile`). */
function rowErrorText(row) {
  const message = row.message ?? "";
  if (row.field === "file") {
    if (/\.xls\)/.test(message)) return t("rowError.file.xls");
    if (/empty/.test(message)) return t("rowError.file.empty");
    if (/NUL|not a text file|zip|archive|workbook/i.test(message)) return t("rowError.file.binary");
    if (/limit|too large|larger/i.test(message)) return t("rowError.file.tooLarge");
    return t("fileFailed");
  }
  if (row.field === "number") {
    if (/no customer number column/.test(message)) return t("rowError.file.header");
    if (/twice|duplicate|more than once|already/.test(message)) return t("rowError.number.duplicate");
    if (/missing|empty|no number/.test(message)) return t("rowError.number.missing");
    return t("rowError.number.invalid");
  }
  if (row.field === "name" && /no name column/.test(message)) return t("rowError.file.header");
  return t(`rowError.${row.field}`) === `rowError.${row.field}` ? t("rowError.other") : t(`rowError.${row.field}`);
}

function rejectedTable(rows) {
  if (!rows?.length) return null;
  return el("div", { class: "table-wrap" },
    el("h3", { text: t("rejected") }),
    el("table", { id: "rejected" },
      head(t("line"), t("field"), t("message")),
      el("tbody", {}, rows.map((row) => el("tr", {},
        el("td", { text: row.line > 0 ? row.line : "–" }),
        el("td", { text: row.field && row.field !== "file" ? t(row.field) : "" }),
        // The service's own sentence stays at hand for support, in a tooltip.
        el("td", { text: rowErrorText(row), title: currentLanguage() === "en" ? null : row.message }))))));
}

const dropZone = $("#drop-zone");
dropZone.addEventListener("dragover", (event) => { event.preventDefault(); dropZone.classList.add("over"); });
dropZone.addEventListener("dragleave", () => dropZone.classList.remove("over"));
dropZone.addEventListener("drop", (event) => {
  event.preventDefault();
  dropZone.classList.remove("over");
  const file = event.dataTransfer?.files?.[0];
  if (file) chooseFile(file);
});
dropZone.addEventListener("keydown", (event) => {
  if (event.key === "Enter" || event.key === " ") { event.preventDefault(); $("#import-file").click(); }
});
$("#import-file").addEventListener("change", (event) => {
  const file = event.target.files?.[0];
  if (file) chooseFile(file);
  event.target.value = "";
});

// -- connection -----------------------------------------------------------------------------

/** The connection as last read: what the notices about automatic sync need. */
let connection = { connected: false, autoSync: null };

const systemName = (system) => (system === "dinero" ? "Dinero" : system);

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

/** The connection's last error ("pullRemote: RemoteUnavailable: …", the service's words) in
 * the page's: the step that failed and the kind of failure. */
function lastErrorText(text) {
  const refused = /^pushRemote: (\d+) customer\(s\) refused/.exec(text);
  if (refused) return t("lastErrorRefused", { count: refused[1] });
  const parts = /^(pullRemote|pushRemote): ([A-Za-z]+)\b/.exec(text);
  if (!parts) return text;
  return t(`lastErrorOp.${parts[1]}`, { error: explain(new ServiceError({ message: text, data: { kind: parts[2] } })) });
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
  fill($("#connection-status"),
    el("p", { id: "connection-state", text: s.connected ? t("connected", { system: systemName(s.system) }) : t("notConnected") }),
    el("p", { id: "connection-queued", text: t("queued", { queued: count(s.queued) }) }),
    s.lastPull ? el("p", { text: t("lastPull", { at: localTime(s.lastPull) }) }) : null,
    s.lastPush ? el("p", { text: t("lastPush", { at: localTime(s.lastPush) }) }) : null,
    s.lastError ? el("p", { id: "connection-error", text: t("lastError", { error: lastErrorText(s.lastError) }) }) : null);
  $("#connect-form").hidden = s.connected;
  for (const id of ["#pull", "#push", "#sync-now", "#disconnect", "#auto-sync"]) $(id).disabled = !s.connected;
  $("#auto-sync-on").checked = Boolean(s.autoSync);
  if (s.autoSync) {
    const every = $("#auto-sync-every");
    if (![...every.options].some((o) => o.value === String(s.autoSync.everySeconds))) {
      every.append(el("option", { value: s.autoSync.everySeconds, text: t("withinSeconds", { seconds: s.autoSync.everySeconds }) }));
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
  await act(async () => { await call("connect", params); showNotice(t("connected", { system: systemName(system) })); });
});

$("#pull").addEventListener("click", () => act(async () => {
  const r = await withProgress((progressToken) => call("pullRemote", { progressToken }));
  const warnings = r.warnings ?? [];
  const text = t("pulled", { ...r, warnings: new Set(warnings.map((w) => w.customerId)).size });
  // Kept as the accounting system holds them; what breaks a local rule is listed by customer.
  fill($("#connection-result"), el("p", { text }),
    warnings.length ? el("ul", { id: "pull-warnings" }, warnings.map((w) => el("li", { text: `${w.number} (${w.field}): ${rowErrorText(w)}`, title: w.message }))) : null);
  showNotice(text);
}));

$("#push").addEventListener("click", () => act(async () => {
  const r = await withProgress((progressToken) => call("pushRemote", { progressToken }));
  const text = t("pushed", { ...r, conflicts: r.conflicts ?? 0, failed: r.failed.length });
  fill($("#connection-result"), el("p", { text }),
    r.failed.length ? el("ul", {}, r.failed.map((f) => el("li", { text: `${f.customerId}: ${f.message}` }))) : null);
  showNotice(text);
}));

$("#disconnect").addEventListener("click", async () => {
  if (!(await confirmFirst(t("confirmDisconnect", { system: systemName(connection.system) }), t("disconnect")))) return;
  await act(() => call("disconnect"));
});

// -- paged lists ------------------------------------------------------------------------------

/** A list of the service, paged and searchable, with its total: `fetch(params)` reads a page,
 * `render(items)` draws it. With `fromEnd`, the list can be read from its last page (the
 * method takes `order`). Page numbers count from the end the reading started at. */
class PagedList {
  constructor(box, { id, method, params = () => ({}), render, fromEnd = false, size = PAGE }) {
    Object.assign(this, { box, id, method, params, render, fromEnd, size });
    this.query = "";
    this.reset();
    this.search = el("input", { type: "search", id: `search-${id}`, autocomplete: "off" });
    let timer;
    const run = async () => { this.query = this.search.value.trim(); this.reset(); await this.refresh().catch(showError); };
    this.search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 250); });
    this.search.addEventListener("change", () => { clearTimeout(timer); run(); });
    this.summary = el("p", { class: "muted count", id: `${id}-count`, "aria-live": "polite" });
    this.body = el("div", { class: "list-body" });
    this.pager = el("p", { class: "pager", id: `${id}-pager` });
    fill(box, el("div", { class: "list-head" }, this.search, this.summary), this.body, this.pager);
  }

  reset() {
    this.order = "ascending";
    this.stack = [null];
    this.next = null;
  }

  async refresh() {
    const cursor = this.stack[this.stack.length - 1];
    const page = await call(this.method, {
      ...this.params(), limit: this.size, ...(this.query ? { query: this.query } : {}),
      ...(this.fromEnd && this.order === "descending" ? { order: "descending" } : {}), ...(cursor ? { cursor } : {}),
    });
    // A page read from the end comes newest first: shown in the list's own order.
    const items = this.order === "descending" ? [...page.items].reverse() : page.items;
    if (!items.length && this.stack.length > 1) { this.stack.pop(); return this.refresh(); }
    this.next = page.nextCursor;
    this.total = page.total;
    this.estimated = Boolean(page.totalEstimated);
    this.items = items;
    this.draw();
  }

  get pages() { return Math.max(1, Math.ceil(this.total / this.size)); }

  get pageNumber() {
    return this.order === "ascending" ? this.stack.length : this.pages - (this.stack.length - 1);
  }

  draw() {
    this.search.placeholder = t("search");
    this.search.setAttribute("aria-label", `${t("search")}: ${this.box.dataset.title ?? ""}`);
    const page = this.pageNumber;
    const from = this.items.length ? (page - 1) * this.size + 1 : 0;
    const total = this.estimated ? t("about", { total: count(this.total) }) : count(this.total);
    this.summary.textContent = this.order === "ascending" || !this.estimated
      ? t("shownOf", { from: count(from), to: count(from ? from + this.items.length - 1 : 0), total })
      : total;
    fill(this.body, this.render(this.items));
    const towardsStart = this.order === "ascending" ? this.stack.length > 1 : Boolean(this.next);
    const towardsEnd = this.order === "ascending" ? Boolean(this.next) : this.stack.length > 1;
    const go = (action) => async () => { action(); await this.refresh().catch(showError); };
    fill(this.pager,
      el("button", { type: "button", "data-page": "first", disabled: !towardsStart, onclick: go(() => this.reset()), text: t("first") }),
      el("button", { type: "button", "data-page": "previous", disabled: !towardsStart, onclick: go(() => {
        if (this.order === "ascending") this.stack.pop(); else this.stack.push(this.next);
      }), text: t("previous") }),
      el("span", { class: "page-number", text: t("pageOf", { page: count(page), pages: count(this.pages) }) }),
      el("button", { type: "button", "data-page": "next", disabled: !towardsEnd, onclick: go(() => {
        if (this.order === "ascending") this.stack.push(this.next); else this.stack.pop();
      }), text: t("next") }),
      this.fromEnd ? el("button", { type: "button", "data-page": "last", disabled: !towardsEnd, onclick: go(() => { this.order = "descending"; this.stack = [null]; }), text: t("last") }) : null);
  }
}

/** A row's actions: the one used most as a button, the rest in a menu behind "⋯". */
function rowActions(primary, others = []) {
  const items = others.filter(Boolean);
  const cell = el("td", { class: "actions" }, primary);
  if (!items.length) return cell;
  const menu = el("div", { role: "menu", class: "row-menu", hidden: true }, items.map((item) => {
    item.setAttribute("role", "menuitem");
    item.addEventListener("click", () => { menu.hidden = true; toggle.setAttribute("aria-expanded", "false"); });
    return item;
  }));
  const toggle = el("button", { type: "button", class: "menu-toggle", "data-action": "menu", "aria-haspopup": "menu", "aria-expanded": "false",
    "aria-label": t("more"), title: t("more"), text: "⋯", onclick: (event) => {
      event.stopPropagation();
      const open = menu.hidden;
      for (const other of document.querySelectorAll(".row-menu")) other.hidden = true;
      menu.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
      if (open) menu.querySelector("button")?.focus();
    } });
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { menu.hidden = true; toggle.setAttribute("aria-expanded", "false"); toggle.focus(); }
  });
  cell.append(el("span", { class: "menu-wrap" }, toggle, menu));
  return cell;
}
document.addEventListener("click", (event) => {
  if (!event.target.closest?.(".menu-wrap")) for (const menu of document.querySelectorAll(".row-menu")) menu.hidden = true;
});

const button = (action, text, onclick, primary = false) =>
  el("button", { type: "button", "data-action": action, class: primary ? "primary" : null, onclick, text });

/** The facts of a customer a row shows: number, name, address, phone, e-mail, CVR. */
function customerCells(c) {
  const place = [c.address, [c.zip, c.city].filter(Boolean).join(" ")].filter(Boolean).join(", ");
  return [
    el("td", { class: "number", text: c.number ?? "–" }),
    el("td", { class: "name" }, c.name ?? "", c.contact ? el("span", { class: "muted small", text: ` · ${c.contact}` }) : null),
    el("td", { class: "place", text: place }),
    el("td", { class: "phone", text: c.phone ?? "" }),
    el("td", { class: "email", text: c.email ?? "", title: c.email ?? null }),
    el("td", { class: "cvr", text: c.cvr ?? "" }),
  ];
}
const customerHead = () => [t("number"), t("name"), t("address"), t("phone"), t("email"), t("cvr")];

function table(id, labels, rows, columns) {
  return el("div", { class: "table-wrap" }, el("table", { id, class: "compact" }, head(labels),
    el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: columns, text: t("empty") })))));
}

// -- not synchronised -----------------------------------------------------------------------

let chosen = null;  // the customer whose partner is being chosen

const unsynced = {};
for (const side of ["local", "remote"]) {
  const box = document.getElementById(`side-${side}`);
  const heading = el("h2");
  const list = el("div");
  box.replaceChildren(heading, list);
  unsynced[side] = new PagedList(list, {
    id: `unsynced-${side}-list`, method: "listUnsynced", params: () => ({ side }),
    render: (items) => table(`unsynced-${side}`, [...customerHead(), t("actions")], items.map((customer) =>
      el("tr", { "data-id": customer.id, "data-number": customer.number ?? "", class: chosen?.id === customer.id ? "selected" : null }, customerCells(customer),
        rowActions(
          chosen && chosen.side !== customer.side
            ? button("choose-as", t("chooseAsPartner"), () => chooseAsPartner(customer), true)
            : button("choose", t("choosePartner"), () => choosePartner(customer)),
          [button("create", t("createPartner"), () => createPartner(customer)),
            chosen?.id === customer.id ? button("choose", t("cancel"), () => choosePartner(customer)) : null,
            button("exclude", t("noSync"), () => excludeCustomer(customer))]))), 7),
  });
  unsynced[side].heading = heading;
}

async function refreshUnsynced() {
  await Promise.all(["local", "remote"].map(async (side) => {
    const list = unsynced[side];
    list.box.dataset.title = t(side);
    await list.refresh();
    list.heading.textContent = `${t(side)} (${list.estimated ? t("about", { total: count(list.total) }) : count(list.total)})`;
  }));
}

// Below a laptop's width one register at a time, chosen by a switch.
for (const radio of document.querySelectorAll("input[name=show-side]")) {
  radio.addEventListener("change", () => { $(".sides").dataset.show = radio.value; });
}

async function excludeCustomer(customer) {
  if (!(await confirmFirst(t("confirmExclude", { name: label(customer) }), t("noSync")))) return;
  await act(async () => { await call("disableSync", { customerId: customer.id }); showNotice(t("excludedNotice", { name: label(customer) })); });
}

/** "Create partner": asks for the number, proposing the customer's own or the next free one. */
async function createPartner(customer, proposal = customer.number, problem = null) {
  const input = el("input", { id: "partner-number", name: "number", value: proposal ?? "", required: true, autocomplete: "off" });
  const ok = await dialog(t("createPartner") + `: ${label(customer)}`,
    [problem ? el("p", { role: "alert", text: problem }) : null, el("label", {}, el("span", { text: t("partnerNumber") }), input)], t("submit"));
  if (!ok) return;
  clearMessages();
  try {
    await call("createPartner", { customerId: customer.id, number: input.value.trim() });
    showNotice(`${t("createPartner")}: ${label(customer)} ✓` + (customer.side === "local" ? willReach() : ""));
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

/** A reason of a score in words: the field, how it compares, and how much that weighs. */
function reasonText(r) {
  const level = r.level ? t(`level.${r.level}`) : t(`verdict.${r.verdict}`);
  const strength = r.weight >= 5 ? "strongFor" : r.weight >= 1 ? "for" : r.weight > 0 ? "weakFor" : r.weight === 0 ? "neutral" : r.weight > -5 ? "against" : "strongAgainst";
  return `${t(r.field)}: ${level.startsWith("level.") ? r.verdict : level} (${t(`weight.${strength}`)})`;
}

/** "Choose partner": marks the customer and lists its likely partners with their reasons. */
async function choosePartner(customer) {
  chosen = chosen?.id === customer.id ? null : customer;
  await refreshUnsynced().catch(showError);
  const box = $("#likely");
  if (!chosen) { fill(box); return; }
  try {
    const { candidates } = await call("suggestPartners", { customerId: customer.id, limit: 5 });
    fill(box, el("h2", { text: t("likely", { name: label(customer) }) }),
      table("likely-table", [...customerHead(), t("score"), t("reasons"), t("actions")], candidates.map((c) => el("tr", { "data-id": c.customer.id, "data-number": c.customer.number ?? "" },
        customerCells(c.customer),
        el("td", { text: `${Math.round(c.score * 100)} %` }),
        el("td", { class: "reasons" }, el("ul", {}, c.reasons.map((r) => el("li", { text: reasonText(r) })))),
        rowActions(button("choose-as", t("chooseAsPartner"), () => chooseAsPartner(c.customer), true)))), 9));
    box.scrollIntoView({ block: "nearest" });
  } catch (error) {
    showError(error);
  }
}

async function chooseAsPartner(other) {
  const [local, remote] = chosen.side === "local" ? [chosen, other] : [other, chosen];
  chosen = null;
  fill($("#likely"));
  const link = await act(async () => {
    const made = await call("selectPartner", { localId: local.id, remoteId: remote.id });
    showNotice(t("linkedNotice", { local: label(local), remote: label(remote) }));
    return made;
  });
  if (link?.state === "conflict") selectTab($("#tab-conflicts"));
}

// "Create all partners": a preview of every partner (name, number, the number it gets), the
// ones with a likely partner flagged and left out unless asked, then Submit.
$("#open-create-all").addEventListener("click", async () => {
  const side = el("select", { id: "create-all-side" }, el("option", { value: "local", text: t("local") }), el("option", { value: "remote", text: t("remote") }));
  const mode = el("select", { id: "create-all-mode" }, el("option", { value: "keep", text: t("numbering.keep") }), el("option", { value: "sequence", text: t("numbering.sequence") }));
  const start = el("input", { id: "create-all-start", inputmode: "numeric", value: "10000" });
  const skipLikely = el("input", { type: "checkbox", id: "create-all-skip-likely", checked: true });
  const preview = el("div", { id: "create-all-preview", "aria-live": "polite" });
  const numbering = () => (mode.value === "keep" ? { mode: "keep" } : { mode: "sequence", start: start.value.trim() });
  let likely = new Map();
  let likelySide = null;
  let plan = null;
  /** Who of `side` has a suggested partner on the other side (listSuggestions pairs them):
   * read once a side, not again when only the numbering or the checkbox changes. */
  const readLikely = async () => {
    if (likelySide === side.value) return;
    likely = new Map();
    let cursor = null;
    do {
      const page = await call("listSuggestions", { limit: 500, ...(cursor ? { cursor } : {}) });
      for (const s of page.items) likely.set(side.value === "local" ? s.localId : s.remoteId, s);
      cursor = page.nextCursor;
    } while (cursor && likely.size < 100000);
    likelySide = side.value;
  };
  const names = new Map();
  const show = async () => {
    preview.dataset.ready = "false";
    try {
      await readLikely();
      const r = await call("createAllPartners", { side: side.value, numbering: numbering(), dryRun: true });
      const flagged = r.planned.filter((p) => likely.has(p.customerId));
      const ids = skipLikely.checked ? r.planned.filter((p) => !likely.has(p.customerId)).map((p) => p.customerId) : null;
      plan = { ids, created: ids ? ids.length : r.created };
      // The likely partners' names, for the rows that show them.
      const other = side.value === "local" ? "remoteId" : "localId";
      await Promise.all(flagged.slice(0, 50).filter((p) => !names.has(likely.get(p.customerId)[other])).map(async (p) => {
        const id = likely.get(p.customerId)[other];
        names.set(id, label(await call("getCustomer", { id })));
      }));
      const rows = r.planned.slice(0, 200).map((p) => {
        const suggestion = likely.get(p.customerId);
        return el("tr", { "data-id": p.customerId, "data-number": p.sourceNumber ?? "", class: suggestion ? "flagged" : null },
          el("td", { text: p.sourceNumber ?? "–" }), el("td", {}, p.name ?? "",
            suggestion ? el("div", { class: "flag", text: t("likelyPartner", { name: names.get(suggestion[other]) ?? suggestion[other], score: Math.round(suggestion.score * 100) }) }) : null),
          el("td", { text: suggestion && skipLikely.checked ? "–" : p.number }));
      });
      fill(preview,
        el("p", { id: "create-all-count", text: t("willCreate", { created: count(plan.created) }) }),
        flagged.length ? el("p", { role: "alert", class: "alert", id: "create-all-likely", text: t("likelyWarning", { count: count(flagged.length) }) }) : null,
        el("h3", { text: t("plannedHead") }),
        table("create-all-planned", [t("number"), t("name"), t("plannedNewNumber")], rows, 3),
        r.planned.length > 200 ? el("p", { class: "muted", text: t("andMore", { count: count(r.planned.length - 200) }) }) : null,
        await skippedList(r.skipped));
    } catch (error) {
      plan = null;
      fill(preview, el("p", { role: "alert", text: explain(error) }));
    } finally {
      preview.dataset.ready = "true";
    }
  };
  for (const control of [side, mode, start, skipLikely]) control.addEventListener("change", show);
  const body = [el("label", {}, el("span", { text: t("fromSide") }), side), el("label", {}, el("span", { text: t("numbering") }), mode),
    el("label", {}, el("span", { text: t("start") }), start), el("label", { class: "check" }, skipLikely, el("span", { text: t("skipLikely") })), preview];
  const opened = dialog(t("createAll"), body, t("submit"), { wide: true });
  await show();
  if (!(await opened) || !plan) return;
  const ids = plan.ids;
  await act(async () => {
    const r = await withProgress((progressToken) => call("createAllPartners", {
      side: side.value, numbering: numbering(), ...(ids ? { customerIds: ids } : {}), progressToken,
    }));
    showNotice(t("created", { created: count(r.created) }) + (side.value === "local" && r.created > 0 ? willReach(true) : ""));
  });
});

/** The customers passed over, by number and name, with the reason in words. */
async function skippedList(skipped) {
  if (!skipped.length) return null;
  const shown = skipped.slice(0, 20);
  const customers = await Promise.all(shown.map((s) => call("getCustomer", { id: s.customerId }).catch(() => null)));
  return el("div", {}, el("h3", { text: t("skipped") }), el("ul", { id: "skipped" },
    shown.map((s, i) => el("li", { text: `${customers[i] ? label(customers[i]) : s.customerId}: ${t(`kind.${s.reason}`)}${s.field ? ` (${t(s.field)})` : ""}` })),
    skipped.length > 20 ? el("li", { class: "muted", text: t("andMore", { count: count(skipped.length - 20) }) }) : null));
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

/** The values chosen or typed in each conflict form, by link (and its version): kept while
 * the list is read again, so resolving one conflict never erases what was chosen in another. */
const drafts = new Map();

const conflicts = new PagedList($("#conflicts"), {
  id: "conflicts", method: "listLinks", params: () => ({ state: "conflict" }), fromEnd: true, size: 10,
  render: (links) => (links.length ? links.map(conflictForm) : el("p", { text: t("conflictsNone") })),
});

async function refreshConflicts() {
  $("#conflicts").dataset.title = t("tab.conflicts");
  await conflicts.refresh();
}

/** One link in conflict: both values of each field (and the base); a click chooses a value
 * (it turns blue), or a value is typed; Submit once every field has a choice. */
function conflictForm(link) {
  const key = `${link.id}@${link.version}`;
  const draft = drafts.get(key) ?? { choices: {}, values: {} };
  drafts.set(key, draft);
  const { choices, values } = draft;
  const submit = el("button", { type: "submit", class: "primary", disabled: true, text: t("resolve") });
  const update = () => { submit.disabled = !link.conflicts.every((c) => choices[c.field] || values[c.field] !== undefined); };
  const rows = link.conflicts.map((conflict) => {
    const buttons = {};
    const own = el("input", { "aria-label": `${t(conflict.field)}: ${t("ownValue")}`, placeholder: t("ownValue"), "data-own": conflict.field,
      value: values[conflict.field] ?? "" });
    const mark = (side) => {
      for (const [s, b] of Object.entries(buttons)) { b.classList.toggle("chosen", s === side); b.setAttribute("aria-pressed", String(s === side)); }
    };
    const pick = (side) => {
      choices[conflict.field] = side;
      delete values[conflict.field];
      own.value = "";
      mark(side);
      update();
    };
    for (const side of ["local", "remote"]) {
      const value = conflict[side];
      buttons[side] = el("button", { type: "button", class: "value", "data-field": conflict.field, "data-side": side, "aria-pressed": "false", onclick: () => pick(side) },
        el("span", { class: "muted", text: `${t(side)}: ` }), value === null ? el("span", { class: "empty", text: "–" }) : value);
    }
    if (choices[conflict.field]) mark(choices[conflict.field]);
    own.addEventListener("input", () => {
      if (own.value !== "") {
        values[conflict.field] = own.value;
        delete choices[conflict.field];
        mark(null);
      } else {
        delete values[conflict.field];
      }
      update();
    });
    return el("tr", {}, el("th", { scope: "row", text: t(conflict.field) }),
      el("td", {}, buttons.local), el("td", {}, buttons.remote),
      el("td", { class: "muted", text: conflict.base ?? "–" }), el("td", {}, own));
  });
  update();
  const form = el("form", { class: "conflict", "data-link": link.id, "aria-label": `${label(link.local)} / ${label(link.remote)}` },
    el("h2", { text: `${label(link.local)} ⇄ ${label(link.remote)}` }),
    el("div", { class: "table-wrap" }, el("table", {},
      head(t("field"), t("local"), t("remote"), t("base"), t("ownValue")),
      el("tbody", {}, rows))),
    el("p", { class: "buttons" }, submit));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(async () => {
      await call("resolveConflict", { linkId: link.id, choices, ...(Object.keys(values).length ? { values } : {}) });
      drafts.delete(key);
      showNotice(t("resolved"));
    });
  });
  return form;
}

// -- synchronised, excluded, deleted --------------------------------------------------------

const linkHead = () => [t("local"), t("remote"), t("actions")];
/** Each partner in one cell: its number, then its name. */
const partnerCell = (customer) => el("td", { class: "partner" },
  customer ? [el("span", { class: "number", text: customer.number ?? "–" }), " ", customer.name ?? ""] : el("span", { class: "muted", text: "–" }));
const linkCells = (link) => [partnerCell(link.local), partnerCell(link.remote)];
const linkRow = (link, actions) => el("tr", { "data-link": link.id, "data-number": link.local?.number ?? link.remote?.number ?? "" }, linkCells(link), actions);

const synced = new PagedList($("#synced"), {
  id: "synced", method: "listLinks", params: () => ({ state: "synced" }), fromEnd: true,
  render: (links) => table("synced-table", linkHead(), links.map((link) => linkRow(link,
    rowActions(button("history", t("history"), () => showHistory(link)), [button("unlink", t("stopSync"), () => unlink(link))]))), 3),
});

async function unlink(link) {
  const names = { local: label(link.local), remote: label(link.remote) };
  if (!(await confirmFirst(t("confirmUnlink", names), t("stopSync")))) return;
  await act(async () => { await call("unlink", { linkId: link.id }); showNotice(t("unlinkedNotice", names)); });
}

const excluded = new PagedList($("#excluded"), {
  id: "excluded", method: "listExcluded", fromEnd: true,
  render: (customers) => table("excluded-table", [t("side"), ...customerHead(), t("actions")], customers.map((c) => el("tr", { "data-id": c.id, "data-number": c.number ?? "" },
    el("td", { text: t(c.side) }), customerCells(c),
    rowActions(button("enable", t("enableSync"), () => act(async () => {
      await call("enableSync", { customerId: c.id });
      showNotice(t("enabledNotice", { name: label(c) }));
    }))))), 8),
});

const deleted = new PagedList($("#deleted"), {
  id: "deleted", method: "listLinks", params: () => ({ state: "deleted" }), fromEnd: true,
  render: (links) => (links.length ? table("deleted-table", linkHead(), links.map((link) => linkRow(link,
    rowActions(button("unlink", t("deletion.unlink"), () => resolveDeletion(link, "unlink")),
      [button("recreate", t("deletion.recreate"), () => resolveDeletion(link, "recreate")),
        button("deletePartner", t("deletion.deletePartner"), () => resolveDeletion(link, "deletePartner"))]))), 3)
    : el("p", { text: t("deletedNone") })),
});

async function resolveDeletion(link, action) {
  const survivor = link.local ?? link.remote;
  if (action === "deletePartner") {
    const register = link.local ? t("local") : t("remote");
    if (!(await confirmFirst(t("confirmDeletePartner", { name: label(survivor), register }), t("deletion.deletePartner")))) return;
  }
  await act(async () => { await call("resolveDeletion", { linkId: link.id, action }); showNotice(t("deletionNotice", { name: label(survivor) })); });
}

async function refreshLists() {
  $("#synced").dataset.title = t("tab.synced");
  $("#excluded").dataset.title = t("tab.excluded");
  $("#deleted").dataset.title = t("tab.deleted");
  await Promise.all([synced.refresh(), excluded.refresh(), deleted.refresh()]);
}

async function showHistory(link) {
  try {
    const page = await call("history", { linkId: link.id, limit: 50 });
    const list = el("ul", { id: "history-list" }, page.items.map((h) => el("li", {},
      el("time", { datetime: h.at, text: localTime(h.at) }), " · ",
      t(`op.${h.operation}`) === `op.${h.operation}` ? h.operation : t(`op.${h.operation}`),
      el("span", { class: "muted", text: ` (${t(`source.${h.source}`)})` }),
      h.field ? ` · ${t(h.field)}: ${h.old ?? "–"} → ${h.new ?? "–"}` : "")));
    await dialog(`${t("history")}: ${label(link.local ?? link.remote)}`, [list], null);
  } catch (error) {
    showError(error);
  }
}

// -- the dialog -----------------------------------------------------------------------------

/** Shows the dialog with `body`; resolves true on `confirm` (its label) or Enter, false on
 * Cancel or Esc. The confirming button comes first in the form, so Enter presses it. */
function dialog(title, body, confirm, { danger = false, wide = false } = {}) {
  const box = $("#dialog");
  box.classList.toggle("wide", wide);
  $("#dialog-title").textContent = title;
  fill($("#dialog-body"), ...body.filter(Boolean));
  const buttons = [];
  if (confirm) buttons.push(el("button", { value: "ok", class: danger ? "primary danger" : "primary", id: "dialog-ok", text: confirm }));
  buttons.push(el("button", { value: "cancel", formnovalidate: true, id: "dialog-cancel", text: confirm ? t("cancel") : t("close") }));
  fill($("#dialog-buttons"), ...buttons);
  box.returnValue = "";
  box.showModal();
  (box.querySelector("#dialog-body input, #dialog-body select") ?? box.querySelector(danger ? "#dialog-cancel" : "#dialog-ok, #dialog-cancel"))?.focus();
  return new Promise((resolve) => box.addEventListener("close", () => resolve(box.returnValue === "ok"), { once: true }));
}

// -- start ----------------------------------------------------------------------------------

async function refreshAll() {
  try {
    await Promise.all([refreshStatus(), refreshUnsynced(), refreshConflicts(), refreshLists(), refreshConnection()]);
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
