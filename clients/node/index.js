// customer-sync for Node: spawn the server, drive it over JSON-RPC 2.0. Node's standard library only.
import { spawn as spawnProcess } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A JSON-RPC error reply: code, message and data as the server sent them. */
export class CustomerSyncError extends Error {
  constructor(code, message, data = {}) {
    super(data && data.detail ? `${message} (${code}, ${data.detail})` : `${message} (${code})`);
    this.name = new.target.name;
    this.code = code;
    this.data = data || {};
  }
  /** For InvalidParams: the offending params field. */
  get path() { return this.data.path; }
}
export class ProtocolError extends CustomerSyncError {}
export class ParseError extends ProtocolError {}
export class InvalidRequest extends ProtocolError {}
export class MessageTooLarge extends InvalidRequest {}
export class BatchTooLarge extends InvalidRequest {}
export class BatchReplyTooLarge extends InvalidRequest {}
export class ShutDown extends InvalidRequest {}
export class MethodNotFound extends ProtocolError {}
export class InvalidParams extends ProtocolError {}
export class InternalError extends ProtocolError {}
/** The request was cancelled with $/cancelRequest (-32800). */
export class RequestCancelled extends ProtocolError {}
export class DomainError extends CustomerSyncError {}
export class NotFound extends DomainError {}
export class AlreadyLinked extends DomainError {}
export class Excluded extends DomainError {}
export class NumberTaken extends DomainError {}
export class InvalidNumber extends DomainError {}
export class ImportRejected extends DomainError {}
export class StaleVersion extends DomainError {}
export class NotInConflict extends DomainError {}
export class WrongSide extends DomainError {}
export class Busy extends DomainError {}
/** A file could not be written (an export): data.path, data.errno (ENOSPC, EACCES, EISDIR…), data.reason. */
export class WriteFailed extends DomainError {}
export class NotConnected extends DomainError {}
export class Unauthorized extends DomainError {}
export class RemoteUnavailable extends DomainError {}
export class RemoteRejected extends DomainError {}
export class MassDelete extends DomainError {}
/** The server process ended while a call was waiting, or before it was made. */
export class ServerCrashed extends CustomerSyncError {
  constructor(message, exitCode, stderrTail) {
    super(-32000, message, { kind: "ServerCrashed", exitCode, stderr: stderrTail });
  }
}
/** No reply within the call's timeout. */
export class RequestTimeout extends CustomerSyncError {
  constructor(method, timeout) { super(-32001, `no reply to ${method} within ${timeout} ms`, { kind: "RequestTimeout" }); }
}

const byKind = {
  ParseError, InvalidRequest, MessageTooLarge, BatchTooLarge, BatchReplyTooLarge, ShutDown, MethodNotFound, InvalidParams, InternalError, RequestCancelled,
  NotFound, AlreadyLinked, Excluded, NumberTaken, InvalidNumber, ImportRejected, StaleVersion, NotInConflict, WrongSide, Busy, WriteFailed,
  NotConnected, Unauthorized, RemoteUnavailable, RemoteRejected, MassDelete,
};
const byCode = { [-32700]: ParseError, [-32600]: InvalidRequest, [-32601]: MethodNotFound, [-32602]: InvalidParams, [-32603]: InternalError, [-32800]: RequestCancelled };

/** The exception for a reply's error object: by data.kind, else by code. */
export function errorFromReply(error) {
  const data = error && typeof error.data === "object" && error.data !== null ? error.data : {};
  const Class = byKind[data.kind] || byCode[error.code] || (error.code > 0 ? DomainError : CustomerSyncError);
  return new Class(error.code, error.message, data);
}

/** `binary`, else $CUSTOMER_SYNC_BIN, else the repository's build, else `customer-sync` on PATH. */
export function findBinary(binary) {
  if (binary) return binary;
  if (process.env.CUSTOMER_SYNC_BIN) return process.env.CUSTOMER_SYNC_BIN;
  // `customer-sync` on PATH, else the repository's newest build (debug or release).
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir || ".", "customer-sync");
    if (dir && existsSync(candidate)) return candidate;
  }
  // The repository this module lies in, or the working directory's (as the Python client looks).
  const roots = [join(dirname(fileURLToPath(import.meta.url)), "..", ".."), process.cwd()];
  const builds = roots.flatMap((root) => ["release", "debug"].map((b) => join(root, ".build", b, "customer-sync"))).filter((p) => existsSync(p));
  builds.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (builds[0]) return builds[0];
  throw new Error("customer-sync not found: pass { binary } (its path), set $CUSTOMER_SYNC_BIN, or put it on PATH (for example `swift build -c release` and add .build/release to PATH)");
}

function frame(body, framing) {
  const bytes = Buffer.from(body, "utf8");
  if (framing === "ndjson") return Buffer.concat([bytes, Buffer.from("\n")]);
  return Buffer.concat([Buffer.from(`Content-Length: ${bytes.length}\r\n\r\n`), bytes]);
}

/** Incremental reader of ndjson lines or Content-Length bodies. */
class FrameReader {
  constructor(framing) { this.framing = framing; this.buffer = Buffer.alloc(0); }
  push(chunk) { this.buffer = Buffer.concat([this.buffer, chunk]); }
  *messages() {
    while (true) {
      if (this.framing === "ndjson") {
        const newline = this.buffer.indexOf(10);
        if (newline < 0) return;
        const line = this.buffer.subarray(0, newline).toString("utf8").replace(/\r$/, "");
        this.buffer = this.buffer.subarray(newline + 1);
        if (line.trim()) yield line;
      } else {
        const end = this.buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        const header = this.buffer.subarray(0, end).toString("ascii");
        const match = /content-length:\s*(\d+)/i.exec(header);
        const length = match ? Number(match[1]) : 0;
        if (this.buffer.length < end + 4 + length) return;
        yield this.buffer.subarray(end + 4, end + 4 + length).toString("utf8");
        this.buffer = this.buffer.subarray(end + 4 + length);
      }
    }
  }
}

/** One spawned server: framing, id matching, notifications, a drained stderr. */
export class Transport {
  constructor({ db = "customer-sync.sqlite", binary, framing = "ndjson", args = [] } = {}) {
    if (!["ndjson", "content-length"].includes(framing)) throw new Error("framing is ndjson or content-length");
    this.framing = framing;
    this.child = spawnProcess(findBinary(binary), ["--db", db, "--framing", framing, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    this.nextId = 1;
    this.pending = new Map();
    this.notificationHandlers = [];
    this.rawQueue = null;
    this.rawWaiters = [];
    this.stderrLines = [];
    this.exited = null;
    const reader = new FrameReader(framing);
    this.child.stdout.on("data", (chunk) => {
      reader.push(chunk);
      for (const text of reader.messages()) this.#dispatch(text);
    });
    // The server's stderr is read all the time: a chatty server never blocks.
    this.child.stderr.on("data", (chunk) => {
      for (const line of chunk.toString("utf8").split("\n")) if (line) this.stderrLines.push(line);
      if (this.stderrLines.length > 200) this.stderrLines.splice(0, this.stderrLines.length - 200);
    });
    this.child.stdin.on("error", () => {});
    this.exit = new Promise((resolve) => {
      this.child.on("close", (code, signal) => {
        this.exited = { code, signal };
        const crash = new ServerCrashed(`customer-sync exited with ${signal ?? `status ${code}`}`, code, this.stderrTail());
        for (const { reject, timer } of this.pending.values()) { clearTimeout(timer); reject(crash); }
        this.pending.clear();
        if (this.rawQueue) this.#pushRaw(null);
        resolve(code);
      });
    });
  }

  stderrTail() { return this.stderrLines.join("\n"); }
  onNotification(handler) { this.notificationHandlers.push(handler); }

  #dispatch(text) {
    let message;
    try { message = JSON.parse(text); } catch { return; }
    if (this.rawQueue) { this.#pushRaw(message); return; }
    if (message && typeof message === "object" && "method" in message && !("id" in message)) {
      for (const handler of this.notificationHandlers) handler(message.method, message.params);
      return;
    }
    const key = JSON.stringify(message?.id);  // "1" and 1 are different ids
    const waiter = this.pending.get(key);
    if (!waiter) return;
    this.pending.delete(key);
    clearTimeout(waiter.timer);
    if (message.error) waiter.reject(errorFromReply(message.error));
    else waiter.resolve(message.result);
  }

  /**
   * Sends a request; resolves with its result or rejects with the error class of data.kind.
   * Aborting `signal` sends $/cancelRequest: a long request (import, pull, push) then rejects
   * with RequestCancelled. A timeout sends it too, so the server stops work nobody awaits.
   */
  request(method, params = {}, { timeout = 60000, signal } = {}) {
    if (this.exited) {
      return Promise.reject(new ServerCrashed(`customer-sync exited with status ${this.exited.code}`, this.exited.code, this.stderrTail()));
    }
    const id = this.nextId++;
    const cancel = () => this.notify("$/cancelRequest", { id });
    return new Promise((resolve, reject) => {
      const timer = timeout ? setTimeout(() => { this.pending.delete(JSON.stringify(id)); cancel(); reject(new RequestTimeout(method, timeout)); }, timeout) : null;
      if (signal) {
        if (signal.aborted) queueMicrotask(cancel); else signal.addEventListener("abort", cancel, { once: true });
      }
      this.pending.set(JSON.stringify(id), { resolve, reject, timer });
      this.child.stdin.write(frame(JSON.stringify({ jsonrpc: "2.0", id, method, params }), this.framing));
    });
  }

  notify(method, params) {
    const message = { jsonrpc: "2.0", method };
    if (params !== undefined) message.params = params;
    if (!this.exited) this.child.stdin.write(frame(JSON.stringify(message), this.framing));
  }

  /** Golden transcripts: every message read goes to receiveRaw, unmatched. */
  rawMode() { this.rawQueue = []; }
  sendRaw(text) { this.child.stdin.write(frame(text, this.framing)); }
  #pushRaw(message) {
    const waiter = this.rawWaiters.shift();
    if (waiter) waiter(message); else this.rawQueue.push(message);
  }
  receiveRaw(timeout = 20000) {
    if (this.rawQueue.length) return Promise.resolve(this.rawQueue.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new RequestTimeout("a raw reply", timeout)), timeout);
      this.rawWaiters.push((message) => { clearTimeout(timer); resolve(message); });
    });
  }

  /** shutdown and exit, then waits; terminates and then kills after the timeout. */
  async close({ timeout = 5000 } = {}) {
    if (!this.exited) {
      try {
        if (!this.rawQueue) await this.request("shutdown", {}, { timeout });
        this.notify("exit");
        this.child.stdin.end();
      } catch { /* the server is gone already */ }
      const timer = (ms, action) => new Promise((resolve) => setTimeout(() => { action(); resolve(); }, ms).unref());
      await Promise.race([this.exit, timer(timeout, () => this.child.kill("SIGTERM")).then(() => Promise.race([this.exit, timer(timeout, () => this.child.kill("SIGKILL"))]))]);
      await this.exit;
    }
    return this.exited.code;
  }
}

const drop = (object) => Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined && v !== null));

/** A spawned customer-sync and its methods, one per contract method. */
export class CustomerSync {
  constructor(transport, { timeout = 60000 } = {}) {
    this.transport = transport;
    this.timeout = timeout;
    this.progressHandlers = new Map();
    this.nextToken = 1;
    this.syncedHandlers = new Set();
    // The last automatic rounds nobody has taken with nextRemoteSynced yet (at most 100).
    this.synced = [];
    this.syncedWaiters = [];
    transport.onNotification((method, params) => {
      if (method === "$/progress" && params) this.progressHandlers.get(String(params.token))?.(params);
      if (method === "remoteSynced" && params) {
        const waiter = this.syncedWaiters.shift();
        if (waiter) waiter(params); else { this.synced.push(params); if (this.synced.length > 100) this.synced.shift(); }
        for (const handler of this.syncedHandlers) handler(params);
      }
    });
  }

  /** Calls `handler(params)` after every automatic round (`remoteSynced`: {at, pull, push, nextAt, recovered?} or {at, error, failures, nextAt}). Returns a function that removes it. */
  onRemoteSynced(handler) {
    this.syncedHandlers.add(handler);
    return () => this.syncedHandlers.delete(handler);
  }

  /** The oldest `remoteSynced` not yet taken, waiting up to `timeout` ms for one; null when none came. */
  nextRemoteSynced({ timeout = 60000 } = {}) {
    if (this.synced.length) return Promise.resolve(this.synced.shift());
    return new Promise((resolve) => {
      const waiter = (params) => { clearTimeout(timer); resolve(params); };
      const timer = setTimeout(() => { this.syncedWaiters = this.syncedWaiters.filter((w) => w !== waiter); resolve(null); }, timeout);
      this.syncedWaiters.push(waiter);
    });
  }

  /** Starts a server on `db`: a SQLite file (default, as the server's: customer-sync.sqlite in the working directory), or ":memory:" for a throwaway register. */
  static spawn(options = {}) { return new CustomerSync(new Transport(options), options); }

  call(method, params = {}, { timeout, signal } = {}) { return this.transport.request(method, params, { timeout: timeout ?? this.timeout, signal }); }
  close(options) { return this.transport.close(options); }
  async [Symbol.asyncDispose]() { await this.close(); }

  async *#pages(method, params, pageSize = 500) {
    let cursor;
    do {
      const page = await this.call(method, drop({ ...params, limit: pageSize, cursor }));
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  initialize(clientInfo = { name: "customer-sync-node", version: "0.1.0" }) { return this.call("initialize", { clientInfo }); }
  ping(options) { return this.call("ping", {}, options); }
  discover() { return this.call("rpc.discover"); }

  importCustomers({ side = "remote", path, content, data, format, sheet, skipInvalid, mode, allowMassDelete, dryRun } = {}, options) {
    const contentBase64 = data ? Buffer.from(data).toString("base64") : undefined;
    return this.call("importCustomers", drop({ side, path, content, contentBase64, format, sheet, skipInvalid, mode, allowMassDelete, dryRun }), options);
  }
  status() { return this.call("status"); }
  listUnsynced({ side, query, limit, cursor } = {}) { return this.call("listUnsynced", drop({ side, query, limit, cursor })); }
  // Paged iterators: iterX, as the Python client's iter_x (the short names stay, as aliases).
  iterUnsynced({ side, query, pageSize } = {}) { return this.#pages("listUnsynced", drop({ side, query }), pageSize); }
  unsynced(params) { return this.iterUnsynced(params); }
  listLinks({ state, query, order, limit, cursor } = {}) { return this.call("listLinks", drop({ state, query, order, limit, cursor })); }
  iterLinks({ state, query, pageSize } = {}) { return this.#pages("listLinks", drop({ state, query }), pageSize); }
  links(params) { return this.iterLinks(params); }
  listExcluded({ side, query, order, limit, cursor } = {}) { return this.call("listExcluded", drop({ side, query, order, limit, cursor })); }
  iterExcluded({ side, query, pageSize } = {}) { return this.#pages("listExcluded", drop({ side, query }), pageSize); }
  excluded(params) { return this.iterExcluded(params); }
  getCustomer(id) { return this.call("getCustomer", { id }); }
  getLink(linkId) { return this.call("getLink", { linkId }); }

  createPartner(customerId, { number, fields } = {}) { return this.call("createPartner", drop({ customerId, number, fields })); }
  async createAllPartners({ side, numbering = "keep", start, customerIds, dryRun, progress } = {}, options) {
    const token = progress ? `node-${this.nextToken++}` : undefined;
    if (token) this.progressHandlers.set(token, progress);
    try {
      return await this.call("createAllPartners", drop({ side, numbering: drop({ mode: numbering, start }), customerIds, dryRun, progressToken: token }), options);
    } finally {
      if (token) this.progressHandlers.delete(token);
    }
  }
  selectPartner(localId, remoteId) { return this.call("selectPartner", { localId, remoteId }); }
  resolveConflict(linkId, { choices = {}, values, expectedVersion } = {}) { return this.call("resolveConflict", drop({ linkId, choices, values, expectedVersion })); }
  unlink(linkId, { expectedVersion } = {}) { return this.call("unlink", drop({ linkId, expectedVersion })); }
  disableSync(customerId) { return this.call("disableSync", { customerId }); }
  enableSync(customerId) { return this.call("enableSync", { customerId }); }

  async suggestPartners(customerId, { limit } = {}) { return (await this.call("suggestPartners", drop({ customerId, limit }))).candidates; }
  listSuggestions({ minScore, limit, cursor } = {}) { return this.call("listSuggestions", drop({ minScore, limit, cursor })); }
  iterSuggestions({ minScore, pageSize } = {}) { return this.#pages("listSuggestions", drop({ minScore }), pageSize); }
  suggestions(params) { return this.iterSuggestions(params); }
  acceptSuggestions({ minScore, dryRun }) { return this.call("acceptSuggestions", drop({ minScore, dryRun })); }

  updateCustomer(id, fields, { expectedVersion } = {}) { return this.call("updateCustomer", drop({ id, fields, expectedVersion })); }
  deleteCustomer(id, { expectedVersion } = {}) { return this.call("deleteCustomer", drop({ id, expectedVersion })); }
  async resolveDeletion(linkId, action, { expectedVersion } = {}) {
    const result = await this.call("resolveDeletion", drop({ linkId, action, expectedVersion }));
    return result && Object.keys(result).length ? result : null;
  }
  /**
   * Checks the credentials and stores the connection (sealed); resolves with the connection status.
   * e-conomic: `{appSecretToken, agreementGrantToken, defaults}`; Dinero: `{system: "dinero", clientId,
   * clientSecret, apiKey, organizationId, authUrl?, requestsPerMinute?}`.
   */
  connect({ system = "e-conomic", baseUrl, timeout, appSecretToken, agreementGrantToken, defaults,
            clientId, clientSecret, apiKey, organizationId, authUrl, requestsPerMinute } = {}, options) {
    return this.call("connect", drop({ system, baseUrl, timeout, appSecretToken, agreementGrantToken, defaults,
                                       clientId, clientSecret, apiKey, organizationId, authUrl, requestsPerMinute }), options);
  }
  disconnect() { return this.call("disconnect"); }
  connectionStatus() { return this.call("connectionStatus"); }
  async #withProgress(method, params, progress, options) {
    const token = progress ? `node-${this.nextToken++}` : undefined;
    if (token) this.progressHandlers.set(token, progress);
    try {
      return await this.call(method, drop({ ...params, progressToken: token }), options);
    } finally {
      if (token) this.progressHandlers.delete(token);
    }
  }
  pullRemote({ full, allowMassDelete, progress } = {}, options) { return this.#withProgress("pullRemote", { full, allowMassDelete }, progress, options); }
  pushRemote({ progress } = {}, options) { return this.#withProgress("pushRemote", {}, progress, options); }
  /** One round with the accounting system: a pull, then a push; resolves with `{pull, push}`. */
  syncRemote({ full, progress } = {}, options) { return this.#withProgress("syncRemote", drop({ full }), progress, options); }
  /** A round on the server's own clock every `everySeconds` (at least 5; null stops it), a full pull at least every `fullEverySeconds` (default 3600). Resolves with the connection status. */
  setAutoSync(everySeconds, { fullEverySeconds } = {}) { return this.call("setAutoSync", { everySeconds: everySeconds ?? null, ...drop({ fullEverySeconds }) }); }
  exportCustomers({ path, side, format, onlyPending }) { return this.call("exportCustomers", drop({ path, side, format, onlyPending })); }
  history({ customerId, linkId, limit, cursor } = {}) { return this.call("history", drop({ customerId, linkId, limit, cursor })); }
  iterHistory({ customerId, linkId, pageSize } = {}) { return this.#pages("history", drop({ customerId, linkId }), pageSize); }
  historyEntries(params) { return this.iterHistory(params); }
}
