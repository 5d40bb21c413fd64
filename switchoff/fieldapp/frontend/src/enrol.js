// The enrol page hands the device token to the app: it is stored in IndexedDB, then the page
// is left for the app (replace: the token's page is not kept in the history).
import { setSetting, wipe } from "./db.js";

const handoff = document.getElementById("field-device");
if (handoff) {
  const data = JSON.parse(handoff.textContent);
  (async () => {
    // A phone enrolled again (another member, or after a revoke) starts clean.
    await wipe();
    await setSetting("device", { token: data.token, member: data.member, device: data.device });
    await setSetting("language", data.language);
    location.replace("/field/");
  })();
}
