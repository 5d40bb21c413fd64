// The enrol page hands the device token to the app: it is stored in IndexedDB, then the page
// is left for the app (replace: the token's page is not kept in the history).
import { getSetting, setSetting, wipe } from "./db.js";

const handoff = document.getElementById("field-device");
if (handoff) {
  const data = JSON.parse(handoff.textContent);
  (async () => {
    // Another member on this phone starts clean; the same member signing in again (an expired
    // sign-in) keeps the visits not sent yet.
    const before = await getSetting("device");
    if (!before || before.member.id !== data.member.id) await wipe({ everything: false });
    await setSetting("device", { token: data.token, member: data.member, device: data.device });
    await setSetting("language", data.language);
    location.replace("/field/");
  })();
}
