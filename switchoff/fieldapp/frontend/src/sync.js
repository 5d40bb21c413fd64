// Talking to the server: the device token on every request, the outbox sent in batches, the
// member's whole list fetched again (it replaces the stored cases), and a revoked device wiped.
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

// One photo, multipart: 201 or 200 (already there) is sent; 409, 413, 422 (no consent, not an image) or 404
// (the visit is not the member's) will never go through, so it is marked with the server's message.
async function sendPhoto(token, photo) {
  const body = new FormData();
  body.append("id", photo.id);
  body.append("photo", photo.blob, `${photo.id}.jpg`);
  const response = await fetch(`${API}/visits/${photo.visit_id}/photos`, {
    method: "POST",
    headers: { Authorization: `Device ${token}`, Accept: "application/json" },
    body,
    cache: "no-store",
    credentials: "omit",
  });
  const answer = await response.json().catch(() => ({}));
  const error = answer.error || {};
  if (response.status === 401) throw new SignedOut(error.code || "unauthenticated", error.message || "");
  if (response.ok) return { ok: true };
  if ([404, 409, 413, 422].includes(response.status)) return { ok: false, message: error.message || `HTTP ${response.status}` };
  throw new Error(`HTTP ${response.status}`);
}

export async function me(token) {
  return call(token, "GET", "/me");
}

// Sends what waits, then fetches the member's whole list. Visits answered
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
  // Photos once their visit has been accepted (it left the outbox): idempotent by the photo's id.
  const waiting = new Set((await store.outbox()).map((entry) => entry.id));
  for (const photo of await store.queuedPhotos()) {
    if (photo.state !== "pending" || waiting.has(photo.visit_id)) continue;
    const result = await sendPhoto(token, photo);
    if (result.ok) await store.unqueuePhoto(photo.id);
    else await store.updatePhoto({ ...photo, state: "refused", message: result.message });
  }
  const calls = await store.queuedCalls();
  if (calls.length) {
    const answer = await call(token, "POST", "/calls", { calls });
    for (const result of answer.results) await store.unqueueCall(result.id);
  }
  // The whole list, every sync (no "since"): a team joined or left, a case handed to another
  // member, all show at once, and no case the member may no longer see stays on the phone.
  let cursor = null;
  const items = [];
  do {
    const query = new URLSearchParams({ limit: "500" });
    if (cursor) query.set("cursor", cursor);
    const page = await call(token, "GET", `/cases?${query}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  await store.replaceCases(items);
  await store.setSetting("lastSync", new Date().toISOString());
}

