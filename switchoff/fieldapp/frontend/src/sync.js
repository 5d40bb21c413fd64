// Talking to the server: the device token on every request; the outbox sent in batches and answered
// visit by visit; the member's list kept current by the changes since the last sync token (the whole
// list only when the server answers 412); the phone's clock offset measured at each contact.
import * as store from "./db.js";
import { localIso } from "./ui.js";

const API = "/api/v1/field";
const BATCH = 50;
const PAGE = 500;

// The phone is signed out: code device_revoked (reason: password_changed, …) or unauthenticated (expired).
export class SignedOut extends Error {
  constructor(code, message, reason = "") {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

// The server answered, but not with success: 5xx, or a 4xx other than those handled.
export class ServerError extends Error {
  constructor(status) {
    super(`HTTP ${status}`);
    this.status = status;
  }
}

async function signedOut(response) {
  const answer = await response.json().catch(() => ({}));
  const error = answer.error || answer;
  const details = error.details || {};
  return new SignedOut(error.code || "unauthenticated", error.message || "", details.reason || error.reason || "");
}

async function call(token, method, path, body, extraHeaders = {}) {
  const response = await fetch(API + path, {
    method,
    headers: { Authorization: `Device ${token}`, "Content-Type": "application/json", Accept: "application/json", ...extraHeaders },
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
    credentials: "omit",
  });
  if (response.status === 401) throw await signedOut(response);
  return response;
}

async function json(response) {
  if (!response.ok) throw new ServerError(response.status);
  return response.json();
}

// The answers to one batch, visit by visit: sent ones leave the outbox, refused ones stay with why.
// Returns the messages worth telling the member (a visit recorded while the case had changed).
async function settle(entries, results) {
  const notices = [];
  const changed = [];
  for (const [index, result] of results.entries()) {
    const entry = entries[index];
    if (!entry) continue;
    if (result.result === "created" || result.result === "same") {
      await store.unqueue(entry.id);
      if (result.code === "case_changed") notices.push({ who: entry.who, message: result.message });
    } else {
      await store.updateQueued({ ...entry, state: result.result, code: result.code || null, message: result.message || "" });
    }
    if (result.case) changed.push(result.case);
  }
  if (changed.length) await store.mergeCases(changed);
  return notices;
}

// One visit alone (PUT), when its batch made the server fail: a visit that breaks the server waits alone.
async function sendOne(token, entry) {
  const response = await call(token, "PUT", `/visits/${entry.visit.id}`, entry.visit);
  if ([200, 201, 409, 422].includes(response.status)) {
    const answer = await response.json().catch(() => null);
    if (answer && answer.result) return settle([entry], [answer]);
  }
  throw new ServerError(response.status);
}

// Every visit waiting (not those refused: they wait for the member). Returns notices for the member.
export async function sendVisits(token) {
  const pending = (await store.outbox()).filter((entry) => entry.state === "pending");
  const notices = [];
  let failed = null;
  for (let start = 0; start < pending.length; start += BATCH) {
    const batch = pending.slice(start, start + BATCH);
    const response = await call(token, "POST", "/visits", { visits: batch.map((entry) => entry.visit), sent_at: localIso() });
    if (response.ok) {
      notices.push(...(await settle(batch, (await response.json()).results)));
      continue;
    }
    if (response.status < 500) throw new ServerError(response.status);
    // The server failed on the batch: each visit alone, so that one cannot hold back the others.
    for (const entry of batch) {
      try {
        notices.push(...(await sendOne(token, entry)));
      } catch (error) {
        if (!(error instanceof ServerError)) throw error;
        failed = error;
      }
    }
  }
  if (failed) throw failed;
  return notices;
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
  if (response.status === 401) throw await signedOut(response);
  const answer = await response.json().catch(() => ({}));
  const error = answer.error || {};
  if (response.ok) return { ok: true };
  if ([404, 409, 413, 422].includes(response.status)) return { ok: false, message: error.message || `HTTP ${response.status}` };
  throw new ServerError(response.status);
}

// Photos once their visit has been accepted (it left the outbox): idempotent by the photo's id.
export async function sendPhotos(token) {
  const waiting = new Set((await store.outbox()).map((entry) => entry.id));
  for (const photo of await store.queuedPhotos()) {
    if (photo.state !== "pending" || waiting.has(photo.visit_id)) continue;
    const result = await sendPhoto(token, photo);
    if (result.ok) await store.unqueuePhoto(photo.id);
    else await store.updatePhoto({ ...photo, state: "refused", message: result.message });
  }
}

export async function sendCalls(token) {
  const calls = await store.queuedCalls();
  if (!calls.length) return;
  const answer = await json(await call(token, "POST", "/calls", { calls }));
  for (const result of answer.results) await store.unqueueCall(result.id);
}

// Banners hung (each once by its id: a retry answers "same"), then their photos, then the take-downs.
export async function sendBanners(token) {
  const pending = (await store.queuedPlacements()).filter((entry) => entry.state === "pending");
  for (let start = 0; start < pending.length; start += BATCH) {
    const batch = pending.slice(start, start + BATCH);
    const answer = await json(await call(token, "POST", "/banners", { placements: batch.map((entry) => entry.placement) }));
    for (const [index, result] of answer.results.entries()) {
      const entry = batch[index];
      if (result.result === "refused") await store.updatePlacement({ ...entry, state: "refused", message: result.message || "" });
      else if (entry.photo) await store.updatePlacement({ ...entry, state: "photo" });
      else await store.unqueuePlacement(entry.id);
    }
  }
  for (const entry of (await store.queuedPlacements()).filter((item) => item.state === "photo")) {
    const body = new FormData();
    body.append("photo", entry.photo, `${entry.id}.jpg`);
    const response = await fetch(`${API}/banners/${entry.id}/photo`, {
      method: "POST",
      headers: { Authorization: `Device ${token}`, Accept: "application/json" },
      body,
      cache: "no-store",
      credentials: "omit",
    });
    if (response.status === 401) throw await signedOut(response);
    if (response.ok) await store.unqueuePlacement(entry.id);
    else if ([404, 409, 413, 422].includes(response.status)) {
      const answer = await response.json().catch(() => ({}));
      await store.updatePlacement({ ...entry, state: "refused", photoOnly: true, message: (answer.error || {}).message || `HTTP ${response.status}` });
    } else throw new ServerError(response.status);
  }
  for (const down of await store.queuedTakedowns()) {
    const response = await call(token, "POST", `/banners/${down.id}/take-down`, { day: down.day });
    // 404 (no longer the team's) and 422 (a day the server refuses) will never go through: dropped.
    if (response.ok || [404, 422].includes(response.status)) await store.unqueueTakedown(down.id);
    else throw new ServerError(response.status);
  }
}

// The banners the member's teams hung and that still hang, with the kinds' names.
export async function pullBanners(token) {
  await store.setSetting("banners", await json(await call(token, "GET", "/banners")));
}

// Referrals and shop inspections, each once by its id (a retry answers "same"): created or same leave the
// phone, refused ones stay with the server's reason until the member discards them. An inspection's answer
// (the phones found with their verdicts) is kept to show the inspector.
const SUPPORT = [
  { kind: "referrals", path: "/programmes/referrals", field: "referrals" },
  { kind: "inspections", path: "/shops/inspections", field: "inspections" },
];

export async function sendSupport(token) {
  for (const { kind, path, field } of SUPPORT) {
    const pending = (await store.queuedSupport(kind)).filter((entry) => entry.state === "pending");
    for (let start = 0; start < pending.length; start += BATCH) {
      const batch = pending.slice(start, start + BATCH);
      const answer = await json(await call(token, "POST", path, { [field]: batch.map((entry) => entry.body) }));
      for (const [index, result] of answer.results.entries()) {
        const entry = batch[index];
        if (!entry) continue;
        if (result.result === "refused") {
          await store.updateSupport(kind, { ...entry, state: "refused", code: result.code || "", message: result.message || "" });
          continue;
        }
        if (kind === "inspections") {
          const done = (await store.getSetting("inspectionsDone")) || [];
          done.unshift({ id: entry.id, shop_id: entry.body.shop_id, label: entry.label, day: entry.body.inspected_on, found: result.found, items: result.items });
          await store.setSetting("inspectionsDone", done.filter((item, i) => i < 20));
        }
        await store.unqueueSupport(kind, entry.id);
      }
    }
  }
}

// The programmes open to referrals and the shops the member inspects: kept for use without signal.
export async function pullSupport(token) {
  await store.setSetting("programmes", (await json(await call(token, "GET", "/programmes"))).items);
  await store.setSetting("shops", (await json(await call(token, "GET", "/shops"))).items);
}

// Everything the phone holds for the server (visits, photos, calls, banners, referrals, inspections).
export async function sendAll(token) {
  const notices = await sendVisits(token);
  await sendPhotos(token);
  await sendCalls(token);
  await sendBanners(token);
  await sendSupport(token);
  return notices;
}

async function measure(token, path, headers) {
  const before = Date.now();
  const response = await call(token, "GET", path, undefined, headers);
  const after = Date.now();
  return { response, before, after };
}

// The member's list: with the last sync token, only what changed (new, changed, removed); without one, or
// when the server answers 412 (too old, or the member's teams changed), the whole list, which replaces it.
// Returns whether the whole list came.
export async function pullCases(token) {
  const counts = await store.unsentCounts();
  const headers = { "X-Field-Unsent": String(counts.total) };
  // Without the teams' villages (a phone that synced before they came with the list) the whole list comes.
  let syncToken = (await store.getSetting("villages")) ? await store.getSetting("syncToken") : null;
  for (let attempt = 0; attempt < 2; attempt++) {
    let cursor = null;
    const items = [];
    let removed = [];
    let last = null;
    let stale = false;
    do {
      const query = new URLSearchParams({ limit: String(PAGE) });
      if (syncToken) query.set("token", syncToken);
      if (cursor) query.set("cursor", cursor);
      const { response, before, after } = await measure(token, `/cases?${query}`, headers);
      if (response.status === 412 && syncToken) {
        stale = true;
        break;
      }
      const page = await json(response);
      // The server's clock against the phone's, at the middle of the request.
      await store.setSetting("clockOffset", Date.parse(page.server_time) - (before + after) / 2);
      items.push(...page.items);
      if (!cursor) removed = page.removed;
      // The teams' villages come with the first page of a whole list (a person found is placed in one).
      if (page.villages) await store.setSetting("villages", page.villages);
      cursor = page.next_cursor;
      last = page;
    } while (cursor);
    if (stale) {
      syncToken = null;
      continue;
    }
    if (syncToken) await store.applyChanges(items, removed);
    else await store.replaceCases(items);
    await store.setSetting("syncToken", last.sync_token);
    await store.setSetting("lastSync", new Date().toISOString());
    return !syncToken;
  }
  return true;
}

// Sends what waits, then brings the list up to date. Returns notices for the member.
export async function sync(token) {
  const notices = await sendAll(token);
  await pullCases(token);
  await pullBanners(token);
  await pullSupport(token);
  return notices;
}

// A revoked phone hands over the visits it still holds: those recorded before the revoke wait for the
// team leader. Returns what became of each ({held, refused: [{who, message}], photos}), or throws.
export async function handOver(token) {
  const pending = (await store.outbox()).filter((entry) => entry.state === "pending");
  const summary = { held: 0, refused: [], photos: (await store.queuedPhotos()).length, alreadyRefused: [] };
  summary.alreadyRefused = (await store.outbox()).filter((entry) => entry.state !== "pending").map((entry) => entry.who || "");
  for (let start = 0; start < pending.length; start += BATCH) {
    const batch = pending.slice(start, start + BATCH);
    const response = await fetch(`${API}/revoked/visits`, {
      method: "POST",
      headers: { Authorization: `Device ${token}`, "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ visits: batch.map((entry) => entry.visit), sent_at: localIso() }),
      cache: "no-store",
      credentials: "omit",
    });
    const answer = await json(response);
    for (const [index, result] of answer.results.entries()) {
      const entry = batch[index];
      if (result.result === "held" || result.result === "same") summary.held += 1;
      else summary.refused.push({ who: entry.who || "", message: result.message || "" });
    }
  }
  return summary;
}
