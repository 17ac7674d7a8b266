// The page's one way to the service: JSON-RPC calls forwarded by server.py, and its event
// stream of notifications ($/progress, remoteSynced). Every call carries the token from the
// page's URL.

const token = new URLSearchParams(location.search).get("token") ?? "";

/** A reply's error, with the service's kind (error.data.kind) to switch on. */
export class ServiceError extends Error {
  constructor(error) {
    super(error.message);
    this.code = error.code;
    this.data = error.data ?? {};
    this.kind = this.data.kind ?? (error.code === -32602 ? "InvalidParams" : "Error");
  }
}

/** Calls `method` with `params`; resolves with the result, rejects with a ServiceError. */
export async function call(method, params = {}) {
  let reply;
  try {
    const response = await fetch("/api/rpc", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Token": token },
      body: JSON.stringify({ method, params }),
    });
    if (!response.ok) {
      throw new ServiceError({ code: response.status, message: (await response.json()).refused ?? response.statusText, data: { kind: "Refused" } });
    }
    reply = await response.json();
  } catch (error) {
    if (error instanceof ServiceError) throw error;
    throw new ServiceError({ code: 0, message: String(error), data: { kind: "Offline" } });
  }
  if (reply.error) throw new ServiceError(reply.error);
  return reply.result;
}

let progressTokens = 0;
const progressListeners = new Map();
let events;

/** The page's one event stream, opened on first use. */
function stream() {
  if (!events) {
    events = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
    events.addEventListener("progress", (event) => {
      const data = JSON.parse(event.data);
      progressListeners.get(String(data.token))?.(data);
    });
  }
  return events;
}

/** Calls `listener(params)` after every automatic round with the accounting system. */
export function onRemoteSynced(listener) {
  stream().addEventListener("remoteSynced", (event) => listener(JSON.parse(event.data)));
}

/** A fresh progress token, and `listener({done, total})` called for each notification of it. */
export function progress(listener) {
  stream();
  const id = `web-${Date.now()}-${++progressTokens}`;
  progressListeners.set(id, listener);
  return { token: id, done: () => progressListeners.delete(id) };
}

/** Every page of a paged method, up to `max` items. */
export async function all(method, params = {}, max = 5000) {
  const items = [];
  let cursor = null;
  do {
    const page = await call(method, { ...params, limit: 500, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return items;
}

/** The bytes of a File as base64 (for importCustomers' contentBase64). */
export async function base64(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}
