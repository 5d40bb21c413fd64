// What the phone keeps, in IndexedDB: the device's sign-in, the member's own cases (only those
// the server sends for this device), the visits and calls waiting to be sent, and when it last synced.
import { deleteDB, openDB } from "idb";

export const DB_NAME = "switchoff-field";

function open() {
  return openDB(DB_NAME, 1, {
    upgrade(db) {
      db.createObjectStore("settings"); // "device": {token, member, device, teams}; "language"; "lastSync"; "since"
      db.createObjectStore("cases", { keyPath: "id" });
      db.createObjectStore("outbox", { keyPath: "id" }); // visits: {id, visit, queuedAt, state, message}
      db.createObjectStore("calls", { keyPath: "id" });
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
export async function allCases() {
  return (await db()).getAll("cases");
}
export async function getCase(id) {
  return (await db()).get("cases", id);
}
export async function putCases(cases) {
  const tx = (await db()).transaction("cases", "readwrite");
  await Promise.all([...cases.map((item) => tx.store.put(item)), tx.done]);
}
// A visit's answer carries only what the visit changed (status, version, follow-up, conflict):
// merged into the case held; a case not held yet (found in the field) comes with the next GET /cases.
export async function mergeCases(changes) {
  const tx = (await db()).transaction("cases", "readwrite");
  const merge = async (change) => {
    const held = await tx.store.get(change.id);
    if (held) await tx.store.put({ ...held, ...change });
  };
  await Promise.all([...changes.map(merge), tx.done]);
}
export async function removeCases(ids) {
  const tx = (await db()).transaction("cases", "readwrite");
  await Promise.all([...ids.map((id) => tx.store.delete(id)), tx.done]);
}
export async function outbox() {
  const items = await (await db()).getAll("outbox");
  return items.sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
}
export async function queueVisit(visit) {
  return (await db()).put("outbox", { id: visit.id, visit, queuedAt: new Date().toISOString(), state: "pending", message: null });
}
export async function updateQueued(entry) {
  return (await db()).put("outbox", entry);
}
export async function unqueue(id) {
  return (await db()).delete("outbox", id);
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

// Logging out, or a revoked device: nothing of the member's stays on the phone, and the service
// worker goes too (it registers again, with a fresh copy of the shell, at the next enrol).
// Enrolling another member clears the data only (everything: true is for leaving).
export async function wipe({ everything = true } = {}) {
  if (connection) (await connection).close();
  connection = null;
  await deleteDB(DB_NAME);
  if (!everything) return;
  if (self.caches) {
    for (const name of await caches.keys()) await caches.delete(name);
  }
  if (navigator.serviceWorker) {
    for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
  }
}
