// The enrol pages. On the form: a phone that still holds another member's unsent visits sends them first
// (with that member's token), and cannot be handed to someone else until they are sent. After the form: the
// device token is stored in IndexedDB, then the page is left for the app (replace: the token's page is not
// kept in the history).
import { deleteSetting, forget, getSetting, setSetting, unsentCounts } from "./db.js";
import { SignedOut, handOver, sendAll } from "./sync.js";

const words = JSON.parse((document.getElementById("enrol-strings") || { textContent: "{}" }).textContent);
function t(key, values = {}) {
  return (words[key] || key).replace(/\{(\w+)\}/g, (_, name) => (name in values ? values[name] : `{${name}}`));
}

// Another member's work waiting on this phone: {before, counts} or null.
async function othersWork(memberId) {
  // Signed in, or revoked and still handing its visits over to the team leader.
  const revoked = await getSetting("revoked");
  const before = (await getSetting("device")) || revoked;
  if (!before || before.member.id === memberId) return null;
  const counts = await unsentCounts();
  return { before, counts, waiting: counts.pending + counts.photosPending, revoked: Boolean(revoked) };
}

// Tries to send the other member's work; answers what is still waiting (0: the phone may change hands).
async function sendTheirs(work, say) {
  if (!work.waiting) return 0;
  say(t("sending", { name: work.before.member.name }));
  try {
    if (work.revoked) {
      // What a revoked phone recorded before the revoke goes to the team leader; the rest is told and dropped.
      await handOver(work.before.token);
      return 0;
    }
    await sendAll(work.before.token);
  } catch (error) {
    const left = await unsentCounts();
    const waiting = left.pending + left.photosPending;
    if (error instanceof SignedOut && error.code !== "device_revoked") say(t("signed_in_again", { n: waiting, name: work.before.member.name }));
    else say(t("offline", { n: waiting, name: work.before.member.name }));
    return waiting;
  }
  const left = await unsentCounts();
  return left.pending + left.photosPending;
}

async function enrolForm() {
  const member = JSON.parse(document.getElementById("enrol-member").textContent);
  const box = document.getElementById("shared-phone");
  const text = document.getElementById("shared-phone-text");
  const button = document.getElementById("enrol");
  const say = (message) => { text.textContent = message; };
  let work = await othersWork(member.id);
  if (!work || !work.waiting) {
    if (work && work.counts.refused) {
      box.hidden = false;
      say(t("refused", { n: work.counts.refused, name: work.before.member.name }));
      document.getElementById("send-first").hidden = true;
    }
    return;
  }
  box.hidden = false;
  button.disabled = true;
  say(t("waiting", { n: work.waiting, name: work.before.member.name }));
  const attempt = async () => {
    work = await othersWork(member.id);
    const waiting = work ? await sendTheirs(work, say) : 0;
    if (!waiting) {
      say(t("sent", { name: work ? work.before.member.name : "" }));
      document.getElementById("send-first").hidden = true;
      button.disabled = false;
    }
  };
  document.getElementById("send-first").addEventListener("click", attempt);
  if (navigator.onLine) await attempt();
}

async function handOff(data) {
  const state = document.getElementById("enrol-state");
  const work = await othersWork(data.member.id);
  if (work) {
    // Another member's visits never leave with the phone: sent first, else the phone stays theirs.
    const waiting = await sendTheirs(work, (message) => { state.textContent = message; });
    if (waiting) {
      state.textContent = t("refused_switch", { n: waiting, name: work.before.member.name });
      state.after(Object.assign(document.createElement("a"), { href: "/field/", className: "button", textContent: t("back") }));
      // The new sign-in is not kept: its token is revoked (best effort; it expires anyway).
      fetch("/field/logout/", { method: "POST", headers: { Authorization: `Device ${data.token}` }, credentials: "omit" }).catch(() => {});
      return;
    }
    await forget();
  } else if (await getSetting("signedOut")) {
    // A fresh start after a sign-out: the note of what happened goes.
    await forget();
  }
  // The same member signing in again (an expired sign-in, a changed password, a revoked phone still holding
  // visits) keeps the visits not sent yet: they go with the new sign-in.
  await deleteSetting("revoked");
  await setSetting("device", { token: data.token, member: data.member, device: data.device });
  await setSetting("language", data.language);
  location.replace("/field/");
}

const handoff = document.getElementById("field-device");
if (handoff) handOff(JSON.parse(handoff.textContent));
else if (document.getElementById("enrol-member")) enrolForm();
