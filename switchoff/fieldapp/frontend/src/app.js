// The field app: a team member's cases on the phone, visits recorded without signal and sent
// when the connection returns. Screens are drawn from IndexedDB (db.js); sync.js talks to the API.
// Nothing recorded is dropped without the member being told: a refused visit waits with its reason
// (to correct or discard), unsent work is retried by itself, and a sign-out says what became of it.
import * as store from "./db.js";
import { SignedOut, handOver, sync } from "./sync.js";
import { drawBannerNew, drawBanners } from "./banners.js";
import { drawInspect, drawRefer, drawShops, supportProblems } from "./support.js";
import { dialDigits, fold, formatClock, formatDate, formatTime, h, localIso, uuid } from "./ui.js";

const STRINGS = JSON.parse(document.getElementById("field-strings").textContent);
const SETTINGS = JSON.parse(document.getElementById("field-settings").textContent);
const LIMITS = SETTINGS.limits;
const OPEN = new Set(SETTINGS.open);
const OUTCOMES = ["not_home", "informed", "agrees", "needs_support", "switched", "refuses", "not_used", "moved", "deceased", "wrong_number"];
const FILTERS = ["all", "due", "not_visited", "refused", "mine"];
const SHOWN = 100;
const root = document.getElementById("app");
const statusBar = document.getElementById("status");

let language = "vi";
let device = null; // {token, member, device}
let syncing = null;
let flash = null;
let expired = false;
let revokedToken = null; // a revoked phone still handing over its visits
// Retrying by itself: how many attempts failed in a row, and when the next one is.
let failures = 0;
let retryTimer = null;
let nextAttempt = null;
// The list's search and filter, kept across redraws.
let query = "";
let filter = "all";
let shown = SHOWN;

function t(key, values = {}) {
  const text = (STRINGS[language] && STRINGS[language][key]) || STRINGS.vi[key] || key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in values ? values[name] : `{${name}}`));
}

// The status in the app's language (the server's label is in the member's account language).
function statusLabel(item) {
  const key = `status_${item.status}`;
  return (STRINGS[language] && STRINGS[language][key]) || item.status_label;
}

function collator() {
  return new Intl.Collator(language === "vi" ? "vi" : "en", { sensitivity: "base", numeric: true });
}

// "Số 5, Khối 1" and the village: without a leading "·" when there is no address, and the
// village only once when the address already names it.
function place(item) {
  const address = (item.address || "").trim();
  const village = item.village ? item.village.name : "";
  if (!village || address.toLocaleLowerCase().includes(village.toLocaleLowerCase())) return address;
  return address ? `${address} · ${village}` : village;
}

// Follow-ups due (today or overdue) first, then by village and address, as the member walks.
function ordered(cases) {
  const compare = collator().compare;
  return [...cases].sort((a, b) =>
    (b.due ? 1 : 0) - (a.due ? 1 : 0) ||
    (a.due && b.due ? (a.follow_up_on || "").localeCompare(b.follow_up_on || "") : 0) ||
    compare(a.village ? a.village.name : "\uffff", b.village ? b.village.name : "\uffff") ||
    compare(a.address || "", b.address || "") ||
    compare(a.name || "", b.name || ""),
  );
}

// ---------------------------------------------------------------- the bar at the top

async function drawStatus() {
  const counts = await store.unsentCounts();
  const lastSync = await store.getSetting("lastSync");
  const online = navigator.onLine;
  const when = nextAttempt && (counts.pending || counts.photosPending || counts.calls || counts.support || revokedToken)
    ? t("next_try", { time: formatClock(nextAttempt) })
    : lastSync ? t("last_sync", { time: formatTime(lastSync) }) : t("never_synced");
  // Three short lines beside the button: under 80 px on a 360 px phone; the network's state never cut.
  statusBar.replaceChildren(
    h("div", { className: "lines" },
      h("div", { className: "first" }, h("strong", { className: "name" }, t("title")),
        h("span", { className: online ? "net on" : "net off", id: "network" }, online ? t("online") : t("offline"))),
      h("div", {}, h("span", { id: "unsent", "data-count": counts.pending, "data-photos": counts.photosPending, "data-refused": counts.refused, "data-support": counts.support, className: counts.pending || counts.photosPending || counts.support || counts.refused || counts.supportRefused ? "unsent some" : "unsent" },
        [
          counts.pending ? t("unsent", { n: counts.pending }) : "",
          counts.photosPending ? t("unsent_photos", { n: counts.photosPending }) : "",
          counts.support ? t("unsent_support", { n: counts.support }) : "",
          counts.refused ? t("refused_visits", { n: counts.refused }) : "",
          counts.supportRefused ? t("refused_support", { n: counts.supportRefused }) : "",
        ].filter(Boolean).join(" · ") || t("all_sent"))),
      h("div", { id: "last-sync", "data-next": nextAttempt || "" }, when)),
    h("button", { type: "button", id: "send-now", onclick: () => syncNow(true), disabled: syncing ? true : null }, syncing ? t("sending") : t("send_now")),
  );
}

// A message stays for a few seconds, whatever redraws the screen meanwhile (the sync that
// follows a save redraws the list at once), then goes at the next redraw after that.
const FLASH_MS = 4000;
let flashTimer = null;

function show(message, kind = "ok", ms = FLASH_MS) {
  flash = { message, kind, until: Date.now() + ms };
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => {
    flash = null;
    const shown = document.getElementById("flash");
    if (shown) shown.remove();
  }, ms);
}

// The message of the moment, and, while the sign-in must be renewed, the warning that says so (it stays).
function takeFlash() {
  if (flash && flash.until < Date.now()) flash = null;
  const shown = [];
  if (expired) shown.push(h("p", { className: "flash warn", role: "alert", id: "expired" }, expired === "password_changed" ? t("password_changed") : t("expired"), " ", h("a", { href: "/field/enrol/" }, t("set_up"))));
  if (flash) shown.push(h("p", { className: `flash ${flash.kind}`, role: "status", id: "flash" }, flash.message));
  return shown;
}

// ---------------------------------------------------------------- sending, and trying again

// The next attempt, while anything waits: the wait doubles after each failure, up to the longest, with
// jitter (phones of a team coming back to signal together do not all knock at once).
async function scheduleRetry() {
  clearTimeout(retryTimer);
  retryTimer = null;
  nextAttempt = null;
  const counts = await store.unsentCounts();
  if (!revokedToken && !(device && (counts.pending || counts.photosPending || counts.calls || counts.support))) return;
  const base = Math.min(SETTINGS.retry.max_s, SETTINGS.retry.first_s * 2 ** Math.max(0, failures - 1));
  const wait = base * (0.5 + Math.random() / 2) * 1000;
  nextAttempt = new Date(Date.now() + wait).toISOString();
  retryTimer = setTimeout(() => {
    retryTimer = null;
    if (revokedToken) finishRevoke();
    else syncNow(false);
  }, wait);
}

async function syncNow(asked) {
  if (revokedToken) return finishRevoke();
  if (!device || syncing) return syncing;
  if (!navigator.onLine) {
    if (asked) show(t("offline_kept"), "warn");
    failures += 1;
    await scheduleRetry();
    await refresh();
    return null;
  }
  syncing = (async () => {
    await drawStatus();
    try {
      const notices = await sync(device.token);
      failures = 0;
      expired = false;
      if (flash && flash.kind === "warn") flash = null;
      if (notices.length) show(notices.map((n) => `${n.who}: ${n.message}`).join(" "), "warn", 8000);
    } catch (error) {
      failures += 1;
      if (error instanceof SignedOut && error.code === "device_revoked" && error.reason !== "password_changed") {
        syncing = null;
        await revoked(error.reason);
        return;
      }
      if (error instanceof SignedOut) {
        // Expired (or unknown) sign-in, or a changed password: nothing is wiped, the member logs in again to send.
        expired = error.reason === "password_changed" ? "password_changed" : "expired";
      } else {
        show(error.status ? t("server_error") : t("server_unreachable"), "warn");
      }
    } finally {
      syncing = null;
    }
    if (!expired) await scheduleRetry();
    await refresh();
  })();
  return syncing;
}

// ---------------------------------------------------------------- signed out (revoked, logged out)

// A revoked phone (lost, or the member left the team): the member's cases leave it at once; the visits it
// holds are handed over first (those recorded before the revoke wait for the team leader), then it forgets
// everything and says what happened.
async function revoked(reason) {
  revokedToken = device.token;
  await store.setSetting("revoked", { token: revokedToken, member: device.member, reason: reason || "revoked", at: new Date().toISOString() });
  await store.replaceCases([]);
  device = null;
  await store.deleteSetting("device");
  await finishRevoke();
}

let handingOver = null;
function finishRevoke() {
  if (!handingOver) handingOver = handOverAndForget().finally(() => { handingOver = null; });
  return handingOver;
}

async function handOverAndForget() {
  const counts = await store.unsentCounts();
  const pending = counts.pending;
  drawSignedOut({ reason: "revoked", at: new Date().toISOString(), waiting: pending });
  let summary = { held: 0, refused: [], photos: counts.photosPending, alreadyRefused: [] };
  if (pending) {
    if (!navigator.onLine) {
      failures += 1;
      await scheduleRetry();
      return;
    }
    try {
      summary = await handOver(revokedToken);
    } catch (error) {
      failures += 1;
      await scheduleRetry();
      drawSignedOut({ reason: "revoked", at: new Date().toISOString(), waiting: pending });
      return;
    }
  } else {
    summary.alreadyRefused = (await store.outbox()).map((entry) => entry.who || "");
  }
  const token = revokedToken;
  revokedToken = null;
  clearTimeout(retryTimer);
  nextAttempt = null;
  const note = { reason: "revoked", at: new Date().toISOString(), held: summary.held, refused: summary.refused.map((r) => r.who), notSent: summary.alreadyRefused, photos: summary.photos };
  await store.forget(note);
  await clearBrowserData(token);
  drawSignedOut(note);
}

// The browser's HTTP cache and the site's cookies (Clear-Site-Data, which Chrome applies only to a request
// sent with its cookies); the shell and service worker stay, so the app opens offline to say what happened.
async function clearBrowserData(token) {
  try {
    await fetch("/field/signed-out/", { method: "POST", headers: { Authorization: `Device ${token}` }, credentials: "same-origin" });
  } catch (error) {
    // No signal: nothing of the member is left in the app's data all the same.
  }
}

function drawSignedOut(note) {
  statusBar.replaceChildren();
  document.querySelector(".top .brand").hidden = false;
  const lines = [];
  if (note.reason === "revoked") lines.push(t("revoked"));
  else if (note.reason === "logout") lines.push(t("logged_out", { time: formatTime(note.at) }));
  if (note.waiting) lines.push(t("hand_over_waiting", { n: note.waiting }));
  if (note.held) lines.push(t("handed_over", { n: note.held }));
  if (note.refused && note.refused.length) lines.push(t("refused_after", { names: note.refused.filter(Boolean).join(", ") || note.refused.length }));
  if (note.notSent && note.notSent.length) lines.push(t("lost_refused", { n: note.notSent.length, names: note.notSent.filter(Boolean).join(", ") }));
  if (note.lost) lines.push(t("lost_on_logout", { n: note.lost }));
  if (note.photos) lines.push(t("photos_lost", { n: note.photos }));
  root.replaceChildren(
    h("section", { className: "card", id: "signed-out", "data-reason": note.reason },
      h("h1", {}, t("signed_out_title")),
      lines.map((line) => h("p", {}, line)),
      note.waiting ? "" : h("a", { className: "button big primary", href: "/field/enrol/", id: "log-in-again" }, t("set_up"))),
  );
}

// ---------------------------------------------------------------- the list

function caseRow(item, waiting) {
  const badges = [];
  if (item.due) badges.push(h("span", { className: "badge due" }, t("due")));
  if (item.conflict) badges.push(h("span", { className: "badge conflict" }, t("conflict_badge")));
  if (waiting) badges.push(h("span", { className: "badge waiting" }, t("waiting")));
  if (item.found_in_field) badges.push(h("span", { className: "badge" }, t("found_badge")));
  return h("li", {},
    h("a", { className: "case", href: `#/case/${item.id}`, "data-case": item.id },
      h("strong", {}, item.name || item.number_masked),
      h("span", { className: "address" }, place(item)),
      h("span", { className: "state" }, statusLabel(item), badges)));
}

// A person found at the door, saved on the phone and not sent yet: in the list already, marked.
function pendingFoundRow(entry) {
  const found = entry.visit.found;
  return h("li", {},
    h("a", { className: "case pending-found", href: `#/edit/${entry.id}`, "data-visit": entry.id },
      h("strong", {}, found.name),
      h("span", { className: "address" }, [found.address, entry.village].filter(Boolean).join(" · ")),
      h("span", { className: "state" }, t(`outcome_${entry.visit.outcome}`), h("span", { className: "badge waiting" }, t("waiting")), h("span", { className: "badge" }, t("found_badge")))));
}

const searchKeys = new Map();
function searchKey(item) {
  const cached = searchKeys.get(item.id);
  if (cached && cached.version === item.version) return cached.key;
  const key = fold([item.name, item.address, item.village ? item.village.name : "", item.number_masked].join(" "));
  searchKeys.set(item.id, { version: item.version, key, digits: dialDigits(item.number) });
  return key;
}

function matches(item) {
  if (filter === "due" && !item.due) return false;
  if (filter === "not_visited" && item.last_visit) return false;
  if (filter === "refused" && item.status !== "refused") return false;
  if (filter === "mine" && !(item.follow_up_on && item.last_visit && item.last_visit.member_id === device.member.id)) return false;
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const key = searchKey(item);
  const digits = searchKeys.get(item.id).digits;
  return words.every((word) => key.includes(word) || (/^\+?\d+$/.test(word) && digits.includes(dialDigits(word))));
}

function problemRow(entry, cases) {
  const item = cases.find((c) => c.id === entry.visit.case_id);
  const who = item ? item.name : entry.who || (entry.visit.found ? entry.visit.found.name : "");
  const text = entry.state === "conflict" ? t("conflict_message", { message: entry.message }) : t("invalid_message", { message: entry.message });
  return h("li", { className: entry.state, "data-visit": entry.id, "data-code": entry.code || "" },
    h("strong", {}, who), " ", h("span", {}, text),
    h("span", { className: "row-actions" },
      entry.state === "invalid" ? h("a", { className: "button small", href: `#/edit/${entry.id}` }, t("correct")) : "",
      h("button", { type: "button", className: "link", onclick: () => discard(entry) }, t("discard"))));
}

async function discard(entry) {
  if (!window.confirm(t("discard_confirm"))) return;
  await store.unqueue(entry.id, { withPhotos: true });
  await draw();
}

function pendingRow(entry, cases) {
  const item = cases.find((c) => c.id === entry.visit.case_id);
  const who = item ? item.name : entry.who || (entry.visit.found ? entry.visit.found.name : "");
  return h("li", { "data-visit": entry.id },
    h("strong", {}, who), " ", h("span", { className: "muted" }, `${t(`outcome_${entry.visit.outcome}`)}, ${formatTime(entry.visit.visited_at)}`),
    h("span", { className: "row-actions" },
      h("a", { className: "button small", href: `#/edit/${entry.id}` }, t("correct")),
      h("button", { type: "button", className: "link", onclick: () => discard(entry) }, t("discard"))));
}

function filterBar() {
  const search = h("input", { type: "search", id: "search", value: query, placeholder: t("search"), "aria-label": t("search"), autocomplete: "off", oninput: () => {
    query = search.value;
    shown = SHOWN;
    drawListBody();
  } });
  return h("div", { className: "finder" },
    search,
    h("div", { className: "chips", role: "radiogroup", "aria-label": t("filter") },
      FILTERS.map((code) => h("button", { type: "button", className: code === filter ? "chip on" : "chip", "data-filter": code, role: "radio", "aria-checked": String(code === filter), onclick: () => {
        filter = code;
        shown = SHOWN;
        drawList();
      } }, t(`filter_${code}`)))));
}

let listState = null;

async function drawList() {
  const cases = ordered(await store.allCases());
  const queued = await store.outbox();
  const waitingFor = new Set(queued.filter((e) => e.state === "pending").map((e) => e.visit.case_id));
  const pending = queued.filter((entry) => entry.state === "pending");
  const problems = queued.filter((entry) => entry.state !== "pending");
  const refusedPhotos = (await store.queuedPhotos()).filter((photo) => photo.state !== "pending");
  const villages = new Map(((await store.getSetting("villages")) || []).map((v) => [v.id, v.name]));
  const sections = [];
  if (problems.length || refusedPhotos.length) {
    sections.push(h("section", { className: "card problems", id: "problems" },
      h("h2", {}, t("problems_title")),
      h("ul", { className: "plain" }, refusedPhotos.map((photo) =>
        h("li", { className: "invalid" },
          h("span", {}, t("photo_refused", { message: photo.message })),
          h("button", { type: "button", className: "link", onclick: async () => { await store.unqueuePhoto(photo.id); await draw(); } }, t("discard")))),
      problems.map((entry) => problemRow(entry, cases)))));
  }
  if (pending.length) {
    sections.push(h("details", { className: "card unsent-list", id: "unsent-list" },
      h("summary", {}, t("unsent_title", { n: pending.length })),
      h("ul", { className: "plain" }, pending.map((entry) => pendingRow(entry, cases)))));
  }
  const found = pending.filter((entry) => entry.visit.found).map((entry) => ({ ...entry, village: villages.get(entry.visit.found.village_id) || "" }));
  listState = { cases, waitingFor, found };
  root.replaceChildren(
    h("div", { className: "list-head" },
      h("h1", {}, t("my_cases"), " ", h("small", { id: "case-count" }, String(cases.length))),
      h("a", { className: "button", href: "#/found", id: "add-found" }, t("add_found"))),
    h("div", { className: "actions" },
      h("a", { className: "button secondary", href: "#/banners", id: "banners" }, t("banners_title")),
      h("a", { className: "button secondary", href: "#/shops", id: "shops" }, t("shops_title"))),
    ...takeFlash(),
    await supportProblems(supportApp()),
    ...sections,
    cases.length || found.length ? filterBar() : "",
    h("div", { id: "list-body" }),
    h("footer", { className: "app-foot" },
      h("span", { className: "who" }, device.member.name),
      h("button", { type: "button", className: "link", id: "language", lang: language === "vi" ? "en" : "vi", onclick: switchLanguage }, language === "vi" ? "English" : "Tiếng Việt"),
      h("button", { type: "button", className: "link", id: "logout", onclick: logOut }, t("logout"))),
  );
  drawListBody();
}

// The cases that match the search and the filter: the open ones (due first, then by village), the
// finished ones (switched, verified, closed, with the leader) folded away below.
function drawListBody() {
  const body = document.getElementById("list-body");
  if (!body || !listState) return;
  const { cases, waitingFor, found } = listState;
  if (!cases.length && !found.length) {
    body.replaceChildren(h("p", { className: "muted", id: "no-cases" }, t("no_cases")));
    return;
  }
  const matching = cases.filter(matches);
  const foundMatching = filter === "all" || filter === "not_visited" ? found.filter((entry) => !query || fold(`${entry.visit.found.name} ${entry.visit.found.address} ${entry.village}`).includes(fold(query).trim())) : [];
  const open = matching.filter((item) => OPEN.has(item.status));
  const finished = matching.filter((item) => !OPEN.has(item.status));
  const list = [...foundMatching.map(pendingFoundRow)];
  let village;
  const due = open.filter((item) => item.due);
  const rest = open.filter((item) => !item.due);
  if (due.length) list.push(h("li", { className: "village", id: "due-title" }, t("due_today")));
  for (const item of due.slice(0, shown)) list.push(caseRow(item, waitingFor.has(item.id)));
  for (const item of rest.slice(0, Math.max(0, shown - due.length))) {
    const name = item.village ? item.village.name : t("no_village");
    if (name !== village) {
      village = name;
      list.push(h("li", { className: "village" }, name));
    }
    list.push(caseRow(item, waitingFor.has(item.id)));
  }
  const hidden = open.length - Math.min(open.length, shown);
  body.replaceChildren(
    list.length ? h("ul", { className: "cases", id: "cases", "data-matching": matching.length }, list) : h("p", { className: "muted", id: "no-match" }, t("no_match")),
    hidden > 0 ? h("button", { type: "button", className: "big", id: "show-more", onclick: () => { shown += SHOWN; drawListBody(); } }, t("show_more", { n: Math.min(hidden, SHOWN) })) : "",
    finished.length
      ? h("details", { className: "finished", id: "finished" },
          h("summary", {}, t("finished_title", { n: finished.length })),
          h("ul", { className: "cases" }, finished.map((item) => caseRow(item, waitingFor.has(item.id)))))
      : "",
  );
}

// ---------------------------------------------------------------- a visit

function outcomeChoices(onChange, chosen) {
  return h("fieldset", { className: "outcomes" },
    h("legend", {}, t("what_happened")),
    OUTCOMES.map((code) =>
      h("label", { className: `outcome ${code}` },
        h("input", { type: "radio", name: "outcome", value: code, required: true, onchange: onChange, checked: code === chosen }),
        h("span", {}, t(`outcome_${code}`)))));
}

function extraFields(visit) {
  const value = (name) => (visit ? visit[name] || "" : "");
  return [
    h("label", { className: "extra", "data-for": "refuses" }, t("reason"), h("input", { name: "reason", maxlength: LIMITS.reason, value: value("reason") })),
    h("label", { className: "extra", "data-for": "moved" }, t("moved_to"), h("input", { name: "moved_to", maxlength: LIMITS.moved_to, value: value("moved_to") })),
    h("label", { className: "extra", "data-for": "switched" }, t("device_model"), h("input", { name: "device_model", maxlength: LIMITS.device_model, value: value("device_model") })),
    h("label", {}, t("note"), (() => { const area = h("textarea", { name: "note", rows: 3, maxlength: LIMITS.note }); area.value = value("note"); return area; })()),
  ];
}

// The field of the chosen outcome (reason, moved to, phone model) opens below the ten buttons,
// off a 360 px screen: it is brought into view and focused when the member taps the outcome.
function showExtras(form, reveal = false) {
  const chosen = form.elements.outcome.value;
  for (const label of form.querySelectorAll(".extra")) {
    label.hidden = label.dataset.for !== chosen;
    if (reveal && !label.hidden) {
      label.scrollIntoView({ block: "center" });
      label.querySelector("input").focus({ preventScroll: true });
    }
  }
}

// A household member who refuses gets a reason field of their own.
function householdRow(other) {
  const reason = h("label", { className: "household-reason", hidden: true }, t("household_reason", { name: other.name }),
    h("input", { name: `household-reason-${other.id}`, "data-household-reason": other.id, maxlength: LIMITS.reason }));
  const select = h("select", { "data-household": other.id, name: `household-${other.id}`, onchange: () => {
    reason.hidden = select.value !== "refuses";
    if (!reason.hidden) reason.querySelector("input").focus();
  } },
    h("option", { value: "" }, t("not_recorded")),
    OUTCOMES.map((code) => h("option", { value: code }, t(`outcome_${code}`))));
  return h("div", { className: "household-person" }, h("label", {}, `${other.name} · ${other.number_masked}`, select), reason);
}

// Location is asked for only once the person has agreed (the checkbox), and only then.
function locationConsent(form, visit) {
  const note = h("small", { className: "muted", id: "location-note" });
  const box = h("input", { type: "checkbox", name: "consent_location", checked: Boolean(visit && visit.consent_location), onchange: () => {
    form.dataset.lat = ""; form.dataset.lon = "";
    note.textContent = "";
    if (!box.checked || !navigator.geolocation) return;
    note.textContent = t("locating");
    navigator.geolocation.getCurrentPosition(
      (position) => {
        form.dataset.lat = String(position.coords.latitude);
        form.dataset.lon = String(position.coords.longitude);
        note.textContent = t("location_taken");
      },
      () => { note.textContent = t("location_unavailable"); },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
    );
  } });
  if (visit && visit.lat !== null && visit.lat !== undefined) {
    form.dataset.lat = String(visit.lat);
    form.dataset.lon = String(visit.lon);
  }
  return h("div", { className: "consent" }, h("label", { className: "check" }, box, t("consent_location")), note);
}

const PHOTO_SIDE = 1280;
const PHOTO_QUALITY = 0.7;
const PHOTOS_MAX = 3;

// The camera's photo made small on the phone (longest side 1280 px, JPEG): a few hundred KB to keep
// and send on a weak signal, and the canvas drops the file's metadata (the place, the camera).
async function downscale(file) {
  let source;
  let width;
  let height;
  if (self.createImageBitmap) {
    source = await createImageBitmap(file, { imageOrientation: "from-image" });
    ({ width, height } = source);
  } else {
    source = await new Promise((ok, ko) => {
      const reader = new FileReader();
      reader.onload = () => {
        const image = new Image();
        image.onload = () => ok(image);
        image.onerror = ko;
        image.src = reader.result;
      };
      reader.onerror = ko;
      reader.readAsDataURL(file);
    });
    width = source.naturalWidth;
    height = source.naturalHeight;
  }
  const scale = Math.min(1, PHOTO_SIDE / Math.max(width, height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  canvas.getContext("2d").drawImage(source, 0, 0, canvas.width, canvas.height);
  if (source.close) source.close();
  return new Promise((ok, ko) => canvas.toBlob((blob) => (blob ? ok(blob) : ko(new Error("toBlob"))), "image/jpeg", PHOTO_QUALITY));
}

function dataUrl(blob) {
  return new Promise((ok, ko) => {
    const reader = new FileReader();
    reader.onload = () => ok(reader.result);
    reader.onerror = ko;
    reader.readAsDataURL(blob);
  });
}

// A photo only with the person's consent: the big "take photo" control shows once the box is ticked,
// and unticking it drops the photos taken. They wait on the phone with the visit (form.photos).
// A visit being corrected keeps the photos it has on the phone (not shown again here).
function photoConsent(form, visit) {
  form.photos = [];
  const previews = h("div", { className: "photo-previews", id: "photo-previews" });
  const note = h("small", { className: "muted", id: "photo-note", role: "status" });
  const input = h("input", { type: "file", accept: "image/*", capture: "environment", id: "photo-input", className: "photo-input", onchange: async () => {
    const file = input.files && input.files[0];
    input.value = "";
    if (!file) return;
    try {
      const blob = await downscale(file);
      form.photos.push({ id: uuid(), blob, preview: await dataUrl(blob) });
      note.textContent = t("photo_taken");
    } catch (error) {
      note.textContent = t("photo_failed");
    }
    drawPreviews();
  } });
  const take = h("label", { className: "button big primary take-photo", id: "take-photo", hidden: true }, input, h("span", { id: "take-photo-text" }, t("take_photo")));
  function drawPreviews() {
    previews.replaceChildren(...form.photos.map((photo) =>
      h("figure", { className: "photo-preview" },
        h("img", { src: photo.preview, alt: t("photo_preview") }),
        h("button", { type: "button", className: "link", onclick: () => { form.photos = form.photos.filter((p) => p !== photo); note.textContent = ""; drawPreviews(); } }, t("remove_photo")))));
    take.hidden = !box.checked || form.photos.length >= PHOTOS_MAX || Boolean(visit);
    take.querySelector("span").textContent = form.photos.length ? t("take_another") : t("take_photo");
    // Filled until a photo is taken, then plain: "Save the visit" stays the one filled button.
    take.classList.toggle("primary", !form.photos.length);
  }
  const box = h("input", { type: "checkbox", name: "consent_photo", id: "consent-photo", checked: Boolean(visit && visit.consent_photo), onchange: () => {
    if (!box.checked) form.photos = [];
    note.textContent = "";
    drawPreviews();
    if (box.checked) take.scrollIntoView({ block: "center" });
  } });
  return h("div", { className: "consent", id: "photo-consent" }, h("label", { className: "check" }, box, t("consent_photo")), take, previews, note);
}

// The visit, and one more visit for each household member who refuses: the API's household
// entry has no reason, so a refusal with its reason is recorded as that person's own visit.
function visitsFrom(form, item, cases) {
  const main = visitFrom(form, item);
  const refusals = [...form.querySelectorAll("select[data-household]")].filter((select) => select.value === "refuses");
  return [
    { visit: main, who: item ? item.name : main.found.name },
    ...refusals.map((select) => {
      const other = cases.find((c) => c.id === Number(select.dataset.household));
      const reason = form.querySelector(`[data-household-reason="${other.id}"]`).value.trim();
      return {
        who: other.name,
        visit: { ...main, id: uuid(), case_id: other.id, case_version: other.version, outcome: "refuses", reason, moved_to: "", device_model: "", household: [], note: "", consent_photo: false },
      };
    }),
  ];
}

async function clockOffsetSeconds() {
  const offset = await store.getSetting("clockOffset");
  return typeof offset === "number" ? Math.round(offset / 1000) : null;
}

function visitFrom(form, item, base = null) {
  const value = (name) => (form.elements[name] ? form.elements[name].value.trim() : "");
  const outcome = form.elements.outcome.value;
  const household = [...form.querySelectorAll("select[data-household]")]
    .filter((select) => select.value && select.value !== "refuses")
    .map((select) => ({ case_id: Number(select.dataset.household), outcome: select.value }));
  const consentLocation = form.elements.consent_location.checked;
  const consentPhoto = form.elements.consent_photo.checked;
  const found = item || (base && base.case_id)
    ? null
    : { name: value("name"), number: value("number"), address: value("address"), village_id: value("village") ? Number(value("village")) : null };
  return {
    id: base ? base.id : uuid(),
    case_id: base ? base.case_id : item ? item.id : null,
    case_version: base ? base.case_version : item ? item.version : null,
    // The time it happened, kept when the visit is corrected later.
    visited_at: base ? base.visited_at : localIso(),
    outcome,
    note: value("note"),
    reason: outcome === "refuses" ? value("reason") : "",
    moved_to: outcome === "moved" ? value("moved_to") : "",
    device_model: outcome === "switched" ? value("device_model") : "",
    household: base ? base.household : household,
    found,
    consent_photo: consentPhoto,
    consent_location: consentLocation,
    lat: consentLocation && form.dataset.lat ? Number(form.dataset.lat) : null,
    lon: consentLocation && form.dataset.lon ? Number(form.dataset.lon) : null,
    clock_offset_s: base ? base.clock_offset_s : form.clockOffset,
  };
}

// What the form still needs, said below it and beside the field, which is brought into view.
function refuse(form, message, field) {
  form.querySelector(".form-error").textContent = message;
  for (const old of form.querySelectorAll(".field-error")) old.remove();
  if (field) {
    field.after(h("p", { className: "form-error field-error", role: "alert" }, message));
    field.scrollIntoView({ block: "center" });
    if (field.focus) field.focus({ preventScroll: true });
  }
}

async function save(event, item) {
  event.preventDefault();
  const form = event.target;
  if (!form.elements.outcome.value) {
    refuse(form, t("choose_outcome"), form.querySelector("fieldset.outcomes"));
    return;
  }
  form.clockOffset = await clockOffsetSeconds();
  const photos = form.elements.consent_photo.checked ? form.photos.map(({ id, blob }) => ({ id, blob })) : [];
  for (const [index, { visit, who }] of visitsFrom(form, item, await store.allCases()).entries()) {
    // The photos belong to the visit of the person met (the first); a household refusal carries none.
    await store.queueVisit(visit, who, index === 0 ? photos : []);
  }
  show(t("saved"));
  location.hash = "#/";
  if (navigator.onLine) syncNow(false);
  else scheduleRetry();
}

// The household at the same address: the case's own list, and the cases that list it (a case new since).
function householdOf(item, all) {
  const ids = new Set(item.household);
  for (const other of all) if (other.household && other.household.includes(item.id)) ids.add(other.id);
  ids.delete(item.id);
  return [...ids].map((id) => all.find((c) => c.id === id)).filter(Boolean);
}

async function drawCase(id) {
  const item = await store.getCase(id);
  if (!item) {
    location.hash = "#/";
    return;
  }
  const all = await store.allCases();
  const others = householdOf(item, all);
  const form = h("form", { className: "visit", id: "visit-form", novalidate: true, onsubmit: (event) => save(event, item) });
  form.append(
    outcomeChoices(() => showExtras(form, true)),
    ...extraFields(),
    others.length
      ? h("fieldset", { className: "household", id: "household" },
          h("legend", {}, t("household_title")),
          others.map(householdRow))
      : "",
    photoConsent(form),
    locationConsent(form),
    h("p", { className: "form-error", role: "alert" }),
    h("button", { type: "submit", className: "big primary", id: "save-visit" }, t("save_visit")),
  );
  showExtras(form);
  const last = item.last_visit;
  root.replaceChildren(
    h("a", { href: "#/", className: "back" }, "← ", t("back")),
    h("section", { className: "card person" },
      h("h1", {}, item.name),
      place(item) ? h("p", { id: "place" }, place(item)) : "",
      h("p", { className: "state" }, statusLabel(item),
        item.follow_up_on ? ` · ${t("follow_up_on", { date: formatDate(item.follow_up_on) })}` : "",
        item.operator ? ` · ${item.operator}` : ""),
      item.conflict ? h("p", { className: "flash warn", id: "case-conflict" }, t("conflict_case")) : "",
      last ? h("p", { className: "muted" }, t("last_visit", { outcome: last.outcome_label, date: formatTime(last.visited_at) })) : "",
      item.number
        ? h("a", { className: "button big call", id: "call", href: `tel:${item.number}`, onclick: () => store.queueCall({ id: uuid(), case_id: item.id, at: localIso() }) }, `${t("call")} ${item.number}`)
        : "",
      h("a", { className: "button secondary", id: "refer", href: `#/refer/${item.id}` }, t("refer_title"))),
    ...takeFlash(),
    form,
  );
}

// A visit not sent yet, or refused: the member corrects it (the same visit, sent again) or discards it.
async function drawEdit(id) {
  const entry = await store.queued(id);
  if (!entry) {
    location.hash = "#/";
    return;
  }
  const visit = entry.visit;
  const item = visit.case_id ? await store.getCase(visit.case_id) : null;
  const form = h("form", { className: "visit", id: "edit-form", novalidate: true });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!form.elements.outcome.value) return refuse(form, t("choose_outcome"), form.querySelector("fieldset.outcomes"));
    if (visit.found && !form.elements.name.value.trim()) return refuse(form, t("name_needed"), form.elements.name);
    if (visit.found && !form.elements.village.value) return refuse(form, t("village_needed"), form.elements.village);
    const corrected = visitFrom(form, item, visit);
    if (visit.found) corrected.found = { name: form.elements.name.value.trim(), number: form.elements.number.value.trim(), address: form.elements.address.value.trim(), village_id: Number(form.elements.village.value) };
    await store.requeueVisit(entry, corrected, corrected.found ? corrected.found.name : entry.who);
    show(t("corrected"));
    location.hash = "#/";
    if (navigator.onLine) syncNow(false);
    else scheduleRetry();
  });
  form.append(
    ...(visit.found ? await foundFields(visit.found) : []),
    outcomeChoices(() => showExtras(form, true), visit.outcome),
    ...extraFields(visit),
    photoConsent(form, visit),
    locationConsent(form, visit),
    h("p", { className: "form-error", role: "alert" }),
    h("button", { type: "submit", className: "big primary", id: "save-edit" }, t("save_visit")),
  );
  showExtras(form);
  root.replaceChildren(
    h("a", { href: "#/", className: "back" }, "← ", t("back")),
    h("h1", {}, t("edit_visit")),
    h("section", { className: "card person" },
      h("h2", {}, item ? item.name : entry.who),
      h("p", { className: "muted" }, formatTime(visit.visited_at)),
      entry.message ? h("p", { className: "flash warn", id: "refusal" }, entry.message) : ""),
    form,
  );
  const fieldOf = { reason_too_long: "reason", moved_to_too_long: "moved_to", device_model_too_long: "device_model", note_too_long: "note", village_required: "village", name_too_long: "name", address_too_long: "address", number_too_long: "number", bad_number: "number", already_a_case: "number", name_required: "name" }[entry.code];
  if (fieldOf && form.elements[fieldOf]) {
    form.elements[fieldOf].scrollIntoView({ block: "center" });
    form.elements[fieldOf].focus({ preventScroll: true });
  }
}

async function foundFields(found = null) {
  const villages = (await store.getSetting("villages")) || [];
  const value = (name) => (found ? found[name] || "" : "");
  const select = h("select", { name: "village", required: true },
    h("option", { value: "" }, t("choose_village")),
    [...villages].sort((a, b) => collator().compare(a.name, b.name)).map((v) => h("option", { value: v.id, selected: found && found.village_id === v.id }, v.name)));
  return [
    h("label", {}, t("full_name"), h("input", { name: "name", required: true, maxlength: LIMITS.name, autocomplete: "off", value: value("name") })),
    h("label", {}, t("phone_number"), h("input", { name: "number", type: "tel", inputmode: "tel", maxlength: Math.min(20, LIMITS.number), autocomplete: "off", value: value("number") })),
    h("label", {}, t("address"), h("input", { name: "address", maxlength: LIMITS.address, autocomplete: "off", value: value("address") })),
    h("label", {}, t("village"), select),
  ];
}

async function drawFound() {
  const form = h("form", { className: "visit", id: "found-form", novalidate: true, onsubmit: (event) => {
    if (!form.elements.name.value.trim()) {
      event.preventDefault();
      refuse(form, t("name_needed"), form.elements.name);
      return;
    }
    if (!form.elements.village.value) {
      event.preventDefault();
      refuse(form, t("village_needed"), form.elements.village);
      return;
    }
    save(event, null);
  } });
  form.append(
    ...(await foundFields()),
    outcomeChoices(() => showExtras(form, true)),
    ...extraFields(),
    photoConsent(form),
    locationConsent(form),
    h("p", { className: "form-error", role: "alert" }),
    h("button", { type: "submit", className: "big primary", id: "save-found" }, t("save_visit")),
  );
  showExtras(form);
  root.replaceChildren(h("a", { href: "#/", className: "back" }, "← ", t("back")), h("h1", {}, t("add_found")), h("p", { className: "muted" }, t("found_help")), form);
}

async function switchLanguage() {
  language = language === "vi" ? "en" : "vi";
  await store.setSetting("language", language);
  await draw();
}

// ---------------------------------------------------------------- logging out

// With unsent work the member chooses: send it first, log out and lose it, or stay.
async function logOut() {
  const counts = await store.unsentCounts();
  if (!counts.pending && !counts.photosPending && !counts.support) return leave(0);
  const what = (c) => [c.pending ? t("unsent", { n: c.pending }) : "", c.photosPending ? t("unsent_photos", { n: c.photosPending }) : "", c.support ? t("unsent_support", { n: c.support }) : ""].filter(Boolean).join(", ");
  const message = h("p", { id: "logout-message" }, t("logout_waiting", { what: what(counts) }));
  const panel = h("section", { className: "card warning", id: "logout-panel", role: "alertdialog", "aria-labelledby": "logout-title" },
    h("h2", { id: "logout-title" }, t("logout_title")),
    message,
    h("button", { type: "button", className: "big primary", id: "send-then-logout", onclick: async () => {
      await syncNow(true);
      const left = await store.unsentCounts();
      if (!left.pending && !left.photosPending && !left.support) return leave(0);
      message.textContent = t("still_unsent", { what: what(left) });
      root.prepend(panel);
    } }, t("send_then_logout")),
    h("button", { type: "button", className: "big", id: "logout-anyway", onclick: () => leave(counts.pending + counts.photosPending + counts.support) }, t("logout_anyway", { n: counts.pending + counts.photosPending + counts.support })),
    h("button", { type: "button", className: "link", id: "logout-cancel", onclick: () => draw() }, t("cancel")));
  root.prepend(panel);
  panel.scrollIntoView({ block: "start" });
}

async function leave(lost) {
  const token = device.token;
  try {
    await fetch("/field/logout/", { method: "POST", headers: { Authorization: `Device ${token}` }, credentials: "omit" });
  } catch (error) {
    // No signal: the phone forgets all the same; the team leader can revoke it from the team page.
  }
  const note = { reason: "logout", at: new Date().toISOString(), lost };
  device = null;
  clearTimeout(retryTimer);
  nextAttempt = null;
  await store.forget(note);
  await clearBrowserData(token);
  location.hash = "#/";
  drawSignedOut(note);
}

// ---------------------------------------------------------------- drawing

// After a sync or a change of the network: the bar, and the list if it is on screen. A visit being typed is
// never drawn again under the member's fingers (a retry in the background would wipe what they chose).
async function refresh() {
  if (!device || revokedToken) return draw();
  const route = location.hash.replace(/^#\/?/, "");
  // The banners' and shops' lists have nothing typed on them: drawn again with what the sync brought.
  if (route && route !== "banners" && route !== "shops") {
    await drawStatus();
    return;
  }
  await draw();
}

async function draw() {
  document.documentElement.lang = language;
  document.title = t("title");
  document.querySelector(".top .brand").textContent = t("title");
  document.querySelector(".top .brand").hidden = Boolean(device);
  if (revokedToken) {
    const counts = await store.unsentCounts();
    drawSignedOut({ reason: "revoked", at: new Date().toISOString(), waiting: counts.pending });
    return;
  }
  if (!device) {
    const note = await store.getSetting("signedOut");
    if (note) {
      drawSignedOut(note);
      return;
    }
    statusBar.replaceChildren();
    root.replaceChildren(
      h("section", { className: "card", id: "not-enrolled" },
        h("h1", {}, t("title")),
        h("p", {}, t("not_enrolled")),
        h("a", { className: "button big primary", href: "/field/enrol/" }, t("set_up"))),
    );
    return;
  }
  await drawStatus();
  const route = location.hash.replace(/^#\/?/, "");
  const [screen, id] = route.split("/");
  if (screen === "case" && id) await drawCase(Number(id));
  else if (screen === "edit" && id) await drawEdit(id);
  else if (screen === "found") await drawFound();
  else if (screen === "banners") await drawBanners(bannerApp());
  else if (screen === "banner-new") await drawBannerNew(bannerApp());
  else if (screen === "refer" && id) {
    const item = await store.getCase(Number(id));
    if (item) await drawRefer(supportApp(), item);
    else location.hash = "#/";
  } else if (screen === "shops") await drawShops(supportApp());
  else if (screen === "inspect" && id) await drawInspect(supportApp(), Number(id));
  else await drawList();
}

// What the banners' screens (banners.js) use of the app.
function bannerApp() {
  return { t, show, syncNow, downscale, dataUrl, takeFlash, collator, root };
}

// What the referral and shop screens (support.js) use of the app.
function supportApp() {
  return { t, show, syncNow, takeFlash, collator, root, redraw: draw };
}

async function start() {
  device = (await store.getSetting("device")) || null;
  const revoke = await store.getSetting("revoked");
  if (revoke && !device) revokedToken = revoke.token;
  language = (await store.getSetting("language")) || document.documentElement.lang || "vi";
  if (!(language in STRINGS)) language = "vi";
  window.addEventListener("hashchange", () => { window.scrollTo(0, 0); draw(); });
  window.addEventListener("online", () => { failures = 0; syncNow(false); });
  window.addEventListener("offline", () => refresh());
  await draw();
  if ((device || revokedToken) && navigator.onLine) await syncNow(false);
  else if (device || revokedToken) await scheduleRetry();
  // The shell is kept for offline use once the member's cases are in: on a slow connection the
  // cases come first.
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" });
  document.body.dataset.ready = "1";
}

start();
