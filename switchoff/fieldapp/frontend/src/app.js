// The field app: a team member's cases on the phone, visits recorded without signal and sent
// when the connection returns. Screens are drawn from IndexedDB (db.js); sync.js talks to the API.
import * as store from "./db.js";
import { SignedOut, sync } from "./sync.js";
import { formatDate, formatTime, h, localIso, uuid } from "./ui.js";

const STRINGS = JSON.parse(document.getElementById("field-strings").textContent);
const OUTCOMES = ["not_home", "informed", "agrees", "needs_support", "switched", "refuses", "not_used", "moved", "deceased", "wrong_number"];
const root = document.getElementById("app");
const statusBar = document.getElementById("status");

let language = "vi";
let device = null; // {token, member, device, teams}
let syncing = null;
let flash = null;
let expired = false;

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

async function drawStatus() {
  const queued = await store.outbox();
  const waiting = queued.filter((entry) => entry.state === "pending").length;
  const photos = await store.queuedPhotos();
  const photosWaiting = photos.filter((photo) => photo.state === "pending").length;
  const refused = queued.length - waiting + photos.length - photosWaiting;
  const lastSync = await store.getSetting("lastSync");
  // Three short lines beside the button: under 80 px on a 360 px phone.
  statusBar.replaceChildren(
    h("div", { className: "lines" },
      h("div", {}, h("strong", { className: "name" }, t("title")), " ",
        h("span", { className: navigator.onLine ? "net on" : "net off", id: "network" }, navigator.onLine ? t("online") : t("offline"))),
      h("div", {}, h("span", { id: "unsent", "data-count": waiting, "data-photos": photosWaiting, "data-refused": refused, className: waiting || photosWaiting || refused ? "unsent some" : "unsent" },
        [
          waiting ? t("unsent", { n: waiting }) : "",
          photosWaiting ? t("unsent_photos", { n: photosWaiting }) : "",
          refused ? t("refused_visits", { n: refused }) : "",
        ].filter(Boolean).join(" · ") || t("all_sent"))),
      h("div", { id: "last-sync" }, lastSync ? t("last_sync", { time: formatTime(lastSync) }) : t("never_synced"))),
    h("button", { type: "button", id: "send-now", onclick: () => syncNow(true), disabled: syncing ? true : null }, syncing ? t("sending") : t("send_now")),
  );
}

// A message stays for a few seconds, whatever redraws the screen meanwhile (the sync that
// follows a save redraws the list at once), then goes at the next redraw after that.
const FLASH_MS = 4000;
let flashTimer = null;

function show(message, kind = "ok") {
  flash = { message, kind, until: Date.now() + FLASH_MS };
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => {
    flash = null;
    const shown = document.getElementById("flash");
    if (shown) shown.remove();
  }, FLASH_MS);
}

function takeFlash() {
  if (flash && flash.until < Date.now()) flash = null;
  if (!flash && expired) return h("p", { className: "flash warn", role: "status" }, t("expired"), " ", h("a", { href: "/field/enrol/" }, t("set_up")));
  if (!flash) return null;
  return h("p", { className: `flash ${flash.kind}`, role: "status", id: "flash" }, flash.message);
}

async function syncNow(asked) {
  if (!device || syncing) return syncing;
  if (!navigator.onLine) {
    if (asked) show(t("offline_kept"), "warn");
    await draw();
    return null;
  }
  syncing = (async () => {
    await drawStatus();
    try {
      await sync(device.token);
    } catch (error) {
      if (error instanceof SignedOut && error.code === "device_revoked") {
        await revoked();
        return;
      }
      if (error instanceof SignedOut) {
        // Expired (or unknown) sign-in: nothing is wiped, the member logs in again to send.
        show(t("expired"), "warn");
        expired = true;
      } else {
        show(t("server_unreachable"), "warn");
      }
    } finally {
      syncing = null;
    }
    await draw();
  })();
  return syncing;
}

// A revoked phone (lost, or the member left the team): everything of the member goes, then say why.
async function revoked() {
  await store.wipe();
  device = null;
  root.replaceChildren(
    h("section", { className: "card", id: "signed-out" },
      h("h1", {}, t("signed_out_title")),
      h("p", {}, t("revoked")),
      h("a", { className: "button big", href: "/field/enrol/" }, t("set_up"))),
  );
  statusBar.replaceChildren();
}

function caseRow(item, waiting) {
  const badges = [];
  if (item.due) badges.push(h("span", { className: "badge due" }, t("due")));
  if (item.conflict) badges.push(h("span", { className: "badge conflict" }, t("conflict_badge")));
  if (waiting) badges.push(h("span", { className: "badge waiting" }, t("waiting")));
  if (item.found_in_field) badges.push(h("span", { className: "badge" }, t("found_badge")));
  return h("li", {},
    h("a", { className: "case", href: `#/case/${item.id}`, "data-case": item.id },
      h("strong", {}, item.name || item.number_masked),
      h("span", { className: "address" }, item.address),
      h("span", { className: "state" }, statusLabel(item), badges)));
}

async function drawList() {
  const cases = ordered(await store.allCases());
  const queued = await store.outbox();
  const waitingFor = new Set(queued.filter((e) => e.state === "pending").map((e) => e.visit.case_id));
  const problems = queued.filter((entry) => entry.state !== "pending");
  const refusedPhotos = (await store.queuedPhotos()).filter((photo) => photo.state !== "pending");
  const due = cases.filter((item) => item.due);
  const rest = cases.filter((item) => !item.due);
  const sections = [];
  if (problems.length || refusedPhotos.length) {
    sections.push(h("section", { className: "card problems", id: "problems" },
      h("h2", {}, t("problems_title")),
      h("ul", { className: "plain" }, refusedPhotos.map((photo) =>
        h("li", { className: "invalid" },
          h("span", {}, t("photo_refused", { message: photo.message })),
          h("button", { type: "button", className: "link", onclick: async () => { await store.unqueuePhoto(photo.id); await draw(); } }, t("discard")))),
      problems.map((entry) => {
        const item = cases.find((c) => c.id === entry.visit.case_id);
        const who = item ? item.name : entry.who || (entry.visit.found ? entry.visit.found.name : "");
        return h("li", { className: entry.state },
          h("strong", {}, who), " ",
          h("span", {}, entry.state === "conflict" ? t("conflict_message", { message: entry.message }) : t("invalid_message", { message: entry.message })),
          h("button", { type: "button", className: "link", onclick: async () => { await store.unqueue(entry.id, { withPhotos: true }); await draw(); } }, t("discard")));
      }))));
  }
  if (due.length) {
    sections.push(h("h2", { id: "due-title" }, t("due_today")), h("ul", { className: "cases", id: "due-cases" }, due.map((item) => caseRow(item, waitingFor.has(item.id)))));
  }
  let village = undefined;
  const list = [];
  for (const item of rest) {
    const name = item.village ? item.village.name : t("no_village");
    if (name !== village) {
      village = name;
      list.push(h("li", { className: "village" }, name));
    }
    list.push(caseRow(item, waitingFor.has(item.id)));
  }
  root.replaceChildren(
    h("div", { className: "list-head" },
      h("h1", {}, t("my_cases"), " ", h("small", { id: "case-count" }, String(cases.length))),
      h("a", { className: "button", href: "#/found", id: "add-found" }, t("add_found"))),
    takeFlash() || "",
    ...sections,
    cases.length ? h("ul", { className: "cases", id: "cases" }, list) : h("p", { className: "muted", id: "no-cases" }, t("no_cases")),
    h("footer", { className: "app-foot" },
      h("span", { className: "who" }, device.member.name),
      h("button", { type: "button", className: "link", id: "language", lang: language === "vi" ? "en" : "vi", onclick: switchLanguage }, language === "vi" ? "English" : "Tiếng Việt"),
      h("button", { type: "button", className: "link", id: "logout", onclick: logOut }, t("logout"))),
  );
}

function outcomeChoices(onChange) {
  return h("fieldset", { className: "outcomes" },
    h("legend", {}, t("what_happened")),
    OUTCOMES.map((code) =>
      h("label", { className: `outcome ${code}` },
        h("input", { type: "radio", name: "outcome", value: code, required: true, onchange: onChange }),
        h("span", {}, t(`outcome_${code}`)))));
}

function extraFields() {
  return [
    h("label", { className: "extra", "data-for": "refuses" }, t("reason"), h("input", { name: "reason", maxlength: 500 })),
    h("label", { className: "extra", "data-for": "moved" }, t("moved_to"), h("input", { name: "moved_to", maxlength: 500 })),
    h("label", { className: "extra", "data-for": "switched" }, t("device_model"), h("input", { name: "device_model", maxlength: 200 })),
    h("label", {}, t("note"), h("textarea", { name: "note", rows: 3, maxlength: 2000 })),
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
    h("input", { name: `household-reason-${other.id}`, "data-household-reason": other.id, maxlength: 500 }));
  const select = h("select", { "data-household": other.id, name: `household-${other.id}`, onchange: () => {
    reason.hidden = select.value !== "refuses";
    if (!reason.hidden) reason.querySelector("input").focus();
  } },
    h("option", { value: "" }, t("not_recorded")),
    OUTCOMES.map((code) => h("option", { value: code }, t(`outcome_${code}`))));
  return h("div", { className: "household-person" }, h("label", {}, `${other.name} · ${other.number_masked}`, select), reason);
}

// Location is asked for only once the person has agreed (the checkbox), and only then.
function locationConsent(form) {
  const note = h("small", { className: "muted", id: "location-note" });
  const box = h("input", { type: "checkbox", name: "consent_location", onchange: () => {
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
function photoConsent(form) {
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
    take.hidden = !box.checked || form.photos.length >= PHOTOS_MAX;
    take.querySelector("span").textContent = form.photos.length ? t("take_another") : t("take_photo");
    // Filled until a photo is taken, then plain: "Save the visit" stays the one filled button.
    take.classList.toggle("primary", !form.photos.length);
  }
  const box = h("input", { type: "checkbox", name: "consent_photo", id: "consent-photo", onchange: () => {
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
    { visit: main, who: item ? item.name : "" },
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

function visitFrom(form, item) {
  const value = (name) => (form.elements[name] ? form.elements[name].value.trim() : "");
  const outcome = form.elements.outcome.value;
  const household = [...form.querySelectorAll("select[data-household]")]
    .filter((select) => select.value && select.value !== "refuses")
    .map((select) => ({ case_id: Number(select.dataset.household), outcome: select.value }));
  const consentLocation = form.elements.consent_location.checked;
  const consentPhoto = form.elements.consent_photo.checked;
  return {
    id: uuid(),
    case_id: item ? item.id : null,
    case_version: item ? item.version : null,
    visited_at: localIso(),
    outcome,
    note: value("note"),
    reason: outcome === "refuses" ? value("reason") : "",
    moved_to: outcome === "moved" ? value("moved_to") : "",
    device_model: outcome === "switched" ? value("device_model") : "",
    household,
    found: item ? null : { name: value("name"), number: value("number"), address: value("address"), village_id: value("village") ? Number(value("village")) : null },
    consent_photo: consentPhoto,
    consent_location: consentLocation,
    lat: consentLocation && form.dataset.lat ? Number(form.dataset.lat) : null,
    lon: consentLocation && form.dataset.lon ? Number(form.dataset.lon) : null,
  };
}

async function save(event, item) {
  event.preventDefault();
  const form = event.target;
  if (!form.elements.outcome.value) {
    form.querySelector(".form-error").textContent = t("choose_outcome");
    return;
  }
  const photos = form.elements.consent_photo.checked ? form.photos.map(({ id, blob }) => ({ id, blob })) : [];
  for (const [index, { visit, who }] of visitsFrom(form, item, await store.allCases()).entries()) {
    // The photos belong to the visit of the person met (the first); a household refusal carries none.
    await store.queueVisit(visit, who, index === 0 ? photos : []);
  }
  show(t("saved"));
  location.hash = "#/";
  if (navigator.onLine) syncNow(false);
}

async function drawCase(id) {
  const item = await store.getCase(id);
  if (!item) {
    location.hash = "#/";
    return;
  }
  const all = await store.allCases();
  const others = item.household.map((other) => all.find((c) => c.id === other)).filter((c) => c && c.id !== item.id);
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
        : ""),
    form,
  );
}

async function drawFound() {
  const villages = new Map();
  for (const item of await store.allCases()) if (item.village) villages.set(item.village.id, item.village.name);
  const form = h("form", { className: "visit", id: "found-form", novalidate: true, onsubmit: (event) => {
    if (!form.elements.name.value.trim()) {
      event.preventDefault();
      form.querySelector(".form-error").textContent = t("name_needed");
      return;
    }
    save(event, null);
  } });
  form.append(
    h("label", {}, t("full_name"), h("input", { name: "name", required: true, maxlength: 200, autocomplete: "off" })),
    h("label", {}, t("phone_number"), h("input", { name: "number", type: "tel", inputmode: "tel", maxlength: 20, autocomplete: "off" })),
    h("label", {}, t("address"), h("input", { name: "address", maxlength: 300, autocomplete: "off" })),
    h("label", {}, t("village"),
      h("select", { name: "village" },
        h("option", { value: "" }, t("no_village")),
        [...villages].sort((a, b) => collator().compare(a[1], b[1])).map(([id, name]) => h("option", { value: id }, name)))),
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

async function logOut() {
  const waiting = (await store.outbox()).filter((entry) => entry.state === "pending").length;
  // Photos wait apart from their visits (sent once the visit is accepted): losing them is said too.
  const photosWaiting = (await store.queuedPhotos()).filter((photo) => photo.state === "pending").length;
  if (waiting && !window.confirm(t("logout_unsent", { n: waiting }))) return;
  if (!waiting && photosWaiting && !window.confirm(t("logout_unsent_photos", { n: photosWaiting }))) return;
  const token = device.token;
  try {
    await fetch("/field/logout/", { method: "POST", headers: { Authorization: `Device ${token}` }, credentials: "omit" });
  } catch (error) {
    // No signal: the phone is wiped all the same; the team leader can revoke it from the team page.
  }
  await store.wipe();
  device = null;
  location.replace("/field/enrol/");
}

async function draw() {
  document.documentElement.lang = language;
  document.title = t("title");
  document.querySelector(".top .brand").textContent = t("title");
  document.querySelector(".top .brand").hidden = Boolean(device);
  if (!device) {
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
  else if (screen === "found") await drawFound();
  else await drawList();
}

async function start() {
  device = (await store.getSetting("device")) || null;
  language = (await store.getSetting("language")) || document.documentElement.lang || "vi";
  if (!(language in STRINGS)) language = "vi";
  window.addEventListener("hashchange", () => { window.scrollTo(0, 0); draw(); });
  window.addEventListener("online", () => syncNow(false));
  window.addEventListener("offline", () => draw());
  await draw();
  if (device && navigator.onLine) await syncNow(false);
  // The shell is kept for offline use once the member's cases are in: on a slow connection the
  // cases come first.
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" });
  document.body.dataset.ready = "1";
}

start();
