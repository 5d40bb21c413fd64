// Talking to the server: the device token on every request, the outbox sent in batches, the
// member's cases fetched (only what changed since the last sync), and a revoked device wiped.
import * as store from "./db.js";

const API = "/api/v1/field";
const BATCH = 50;

export class SignedOut extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

async function call(token, method, path, body) {
  const response = await fetch(API + path, {
    method,
    headers: { Authorization: `Device ${token}`, "Content-Type": "application/json", Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
    credentials: "omit",
  });
  if (response.status === 401) {
    const answer = await response.json().catch(() => ({}));
    const error = answer.error || answer;
    throw new SignedOut(error.code || "unauthenticated", error.message || "");
  }
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

export async function me(token) {
  return call(token, "GET", "/me");
}

// Sends what waits, then asks for the cases changed since the last sync. Visits answered
// "created" or "same" leave the outbox (the server has them: sending again is harmless);
// "conflict" and "invalid" stay, marked, for the member to see and discard.
export async function sync(token) {
  const pending = (await store.outbox()).filter((entry) => entry.state === "pending");
  for (let start = 0; start < pending.length; start += BATCH) {
    const batch = pending.slice(start, start + BATCH);
    const answer = await call(token, "POST", "/visits", { visits: batch.map((entry) => entry.visit) });
    const changed = [];
    for (const [index, result] of answer.results.entries()) {
      const entry = batch[index];
      if (result.result === "created" || result.result === "same") {
        await store.unqueue(entry.id);
      } else {
        await store.updateQueued({ ...entry, state: result.result, message: result.message || "" });
      }
      if (result.case) changed.push(result.case);
    }
    if (changed.length) await store.mergeCases(changed);
  }
  const calls = await store.queuedCalls();
  if (calls.length) {
    const answer = await call(token, "POST", "/calls", { calls });
    for (const result of answer.results) await store.unqueueCall(result.id);
  }
  const since = await store.getSetting("since");
  let cursor = null;
  let serverTime = null;
  do {
    const query = new URLSearchParams({ limit: "200" });
    if (since) query.set("since", since);
    if (cursor) query.set("cursor", cursor);
    const page = await call(token, "GET", `/cases?${query}`);
    serverTime = serverTime || page.server_time;
    if (page.items.length) await store.putCases(page.items);
    if (page.removed && page.removed.length) await store.removeCases(page.removed);
    cursor = page.next_cursor;
  } while (cursor);
  await store.setSetting("since", serverTime);
  await store.setSetting("lastSync", new Date().toISOString());
}

