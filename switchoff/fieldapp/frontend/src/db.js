// What the phone keeps, in IndexedDB: the device's sign-in, the member's own cases (only those
// the server sends for this device), the visits and calls waiting to be sent, the sync token, and
// after a sign-out a short note of what happened (no case, no number).
import { deleteDB, openDB } from "idb";

export const DB_NAME = "switchoff-field";

function open() {
  return openDB(DB_NAME, 4, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        // "device": {token, member, device}; "language"; "lastSync"; "syncToken"; "clockOffset" (ms, the
        // server's clock minus the phone's at the last contact); "villages"; "signedOut": what happened.
        db.createObjectStore("settings");
        db.createObjectStore("cases", { keyPath: "id" });
        db.createObjectStore("outbox", { keyPath: "id" }); // visits: {id, visit, who, queuedAt, state, code, message}
        db.createObjectStore("calls", { keyPath: "id" });
      }
      // Photos taken with the person's consent, downscaled: {id, visit_id, blob, queuedAt, state, message};
      // each is sent once its visit has been accepted, then leaves the phone.
      if (oldVersion < 2) db.createObjectStore("photos", { keyPath: "id" });
      // Banners hung, waiting to be sent: {id, placement, photo (a blob or null), queuedAt, state: pending |
      // photo (recorded, its photo still to send) | refused, message}; take-downs waiting: {id, day, label}.
      if (oldVersion < 3) {
        db.createObjectStore("placements", { keyPath: "id" });
        db.createObjectStore("takedowns", { keyPath: "id" });
      }
      // Referrals to a programme and shop inspections, waiting to be sent: {id, body, label, queuedAt, state:
      // pending | refused, message}; each leaves the phone once the server answered it created or same.
      if (oldVersion < 4) {
        db.createObjectStore("referrals", { keyPath: "id" });
        db.createObjectStore("inspections", { keyPath: "id" });
      }
    },
  });
}

let connection = null;
function db() {
  if (!connection) connection = open();
  return connection;
}

export async function getSetting(key) {
  return (await db()).get("settings", key);
}
export async function setSetting(key, value) {
  return (await db()).put("settings", value, key);
}
export async function deleteSetting(key) {
  return (await db()).delete("settings", key);
}
export async function allCases() {
  return (await db()).getAll("cases");
}
export async function getCase(id) {
  return (await db()).get("cases", id);
}
// A visit's answer may carry only part of the case (id, version, status…): merged into the stored one.
export async function mergeCases(parts) {
  const tx = (await db()).transaction("cases", "readwrite");
  await Promise.all([
    ...parts.map(async (part) => {
      const stored = await tx.store.get(part.id);
      if (stored) await tx.store.put({ ...stored, ...part });
    }),
    tx.done,
  ]);
}
// The member's whole list from the server: what left the member's scope goes (the outbox stays).
export async function replaceCases(cases) {
  const tx = (await db()).transaction("cases", "readwrite");
  await tx.store.clear();
  await Promise.all([...cases.map((item) => tx.store.put(item)), tx.done]);
}
// The changes since the last sync: new and changed cases put, removed ones deleted, in one transaction.
export async function applyChanges(items, removed) {
  const tx = (await db()).transaction("cases", "readwrite");
  await Promise.all([...items.map((item) => tx.store.put(item)), ...removed.map((id) => tx.store.delete(id)), tx.done]);
}
export async function outbox() {
  const items = await (await db()).getAll("outbox");
  return items.sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
}
export async function queued(id) {
  return (await db()).get("outbox", id);
}
// The visit and its photos in one transaction: a photo never waits on the phone without its visit.
export async function queueVisit(visit, who = "", photos = []) {
  const queuedAt = new Date().toISOString();
  const tx = (await db()).transaction(["outbox", "photos"], "readwrite");
  await Promise.all([
    tx.objectStore("outbox").put({ id: visit.id, visit, who, queuedAt, state: "pending", code: null, message: null }),
    ...photos.map((photo) => tx.objectStore("photos").put({ id: photo.id, visit_id: visit.id, blob: photo.blob, queuedAt, state: "pending", message: null })),
    tx.done,
  ]);
}
// A visit the member corrected (refused, or not sent yet): the same id, sent again; its photos stay with it.
export async function requeueVisit(entry, visit, who) {
  return (await db()).put("outbox", { ...entry, visit, who, state: "pending", code: null, message: null });
}
export async function queuedPhotos() {
  const items = await (await db()).getAll("photos");
  return items.sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
}
export async function updatePhoto(entry) {
  return (await db()).put("photos", entry);
}
export async function unqueuePhoto(id) {
  return (await db()).delete("photos", id);
}
export async function updateQueued(entry) {
  return (await db()).put("outbox", entry);
}
// A visit discarded by the member takes its photos with it.
export async function unqueue(id, { withPhotos = false } = {}) {
  const tx = (await db()).transaction(["outbox", "photos"], "readwrite");
  const photos = withPhotos ? (await tx.objectStore("photos").getAll()).filter((photo) => photo.visit_id === id) : [];
  await Promise.all([tx.objectStore("outbox").delete(id), ...photos.map((photo) => tx.objectStore("photos").delete(photo.id)), tx.done]);
}
export async function queuedCalls() {
  return (await db()).getAll("calls");
}
export async function queueCall(call) {
  return (await db()).put("calls", call);
}
export async function unqueueCall(id) {
  return (await db()).delete("calls", id);
}

export async function queuedPlacements() {
  const items = await (await db()).getAll("placements");
  return items.sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
}
export async function queuePlacement(placement, photo) {
  return (await db()).put("placements", { id: placement.id, placement, photo, queuedAt: new Date().toISOString(), state: "pending", message: null });
}
export async function updatePlacement(entry) {
  return (await db()).put("placements", entry);
}
export async function unqueuePlacement(id) {
  return (await db()).delete("placements", id);
}
export async function queuedTakedowns() {
  return (await db()).getAll("takedowns");
}
export async function queueTakedown(entry) {
  return (await db()).put("takedowns", entry);
}
export async function unqueueTakedown(id) {
  return (await db()).delete("takedowns", id);
}

// A referral ("referrals") or an inspection ("inspections") made on the phone, by the id it is sent with.
export async function queueSupport(kind, body, label) {
  return (await db()).put(kind, { id: body.id, body, label, queuedAt: new Date().toISOString(), state: "pending", message: null });
}
export async function queuedSupport(kind) {
  const items = await (await db()).getAll(kind);
  return items.sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
}
export async function updateSupport(kind, entry) {
  return (await db()).put(kind, entry);
}
export async function unqueueSupport(kind, id) {
  return (await db()).delete(kind, id);
}

// What waits to be sent: visits and photos not sent, and those the server refused (shown apart).
export async function unsentCounts() {
  const visits = await outbox();
  const photos = await queuedPhotos();
  const pending = visits.filter((entry) => entry.state === "pending").length;
  const photosPending = photos.filter((photo) => photo.state === "pending").length;
  const refused = visits.length - pending + photos.length - photosPending;
  const banners = (await queuedPlacements()).filter((entry) => entry.state !== "refused").length + (await queuedTakedowns()).length;
  const support = [...(await queuedSupport("referrals")), ...(await queuedSupport("inspections"))];
  const supportPending = support.filter((entry) => entry.state === "pending").length;
  return {
    pending, photosPending, refused, banners, support: supportPending, supportRefused: support.length - supportPending,
    calls: (await queuedCalls()).length, total: visits.length + photos.length + banners + support.length,
  };
}

// Everything of the member leaves the phone (logging out, revoked, another member): the database goes.
// The service worker and its copy of the shell stay (no one's data in them), so the app still opens
// offline; ``note`` (what happened, counts and the names of the households refused) is kept to say so.
export async function forget(note = null) {
  if (connection) (await connection).close();
  connection = null;
  await deleteDB(DB_NAME);
  if (note) await setSetting("signedOut", note);
}
