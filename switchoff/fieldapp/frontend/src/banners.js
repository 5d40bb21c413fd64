// Banners and posters from the field: the ones the member's teams hung that still hang (expiring, expired), a
// new placement with its photo and a take-down, all kept on the phone and sent with the visits' sync.
import * as store from "./db.js";
import { formatDate, h, localIso, uuid } from "./ui.js";

const KINDS = ["bang_ron", "phuon", "banner", "pano", "ap_phich"];

function today() {
  return localIso().slice(0, 10);
}

// app: {t, show, syncNow, downscale, dataUrl, takeFlash, collator, root}
export async function drawBanners(app) {
  const { t } = app;
  const listed = (await store.getSetting("banners")) || { items: [] };
  const queued = await store.queuedPlacements();
  const downs = new Map((await store.queuedTakedowns()).map((down) => [down.id, down]));
  const kind = (code) => t(`banner_kind_${code}`);
  const stateTag = (state) => (state === "expired" ? h("span", { className: "tag late" }, t("banner_expired")) : state === "expiring" ? h("span", { className: "tag" }, t("banner_expiring")) : "");
  const refused = queued.filter((entry) => entry.state === "refused");
  const waiting = queued.filter((entry) => entry.state !== "refused");
  const rows = listed.items.map((item) =>
    h("li", { className: `placement ${item.state}`, "data-id": item.id },
      h("b", {}, `${item.quantity} × ${kind(item.kind)}`), " — ", item.place, item.address ? `, ${item.address}` : "",
      h("br"),
      h("small", { className: "muted" }, t("banner_until", { day: formatDate(item.last_day) })), " ", stateTag(item.state),
      downs.has(item.id)
        ? h("span", { className: "tag" }, t("banner_down_unsent"))
        : h("button", { type: "button", className: "link take-down", onclick: async () => {
          await store.queueTakedown({ id: item.id, day: today(), label: `${item.quantity} × ${kind(item.kind)}` });
          app.show(t("banner_down_saved"));
          await drawBanners(app);
          app.syncNow(false);
        } }, t("banner_taken_down"))));
  app.root.replaceChildren(
    h("a", { href: "#/", className: "back" }, "← ", t("back")),
    h("div", { className: "list-head" },
      h("h1", {}, t("banners_title")),
      h("a", { className: "button", href: "#/banner-new", id: "add-banner" }, t("banner_new"))),
    ...app.takeFlash(),
    refused.length ? h("section", { className: "card problems", id: "banner-problems" },
      h("ul", { className: "plain" }, refused.map((entry) =>
        h("li", { className: "invalid" }, `${entry.placement.quantity} × ${kind(entry.placement.kind)}: ${entry.message}`, " ",
          h("button", { type: "button", className: "link", onclick: async () => { await store.unqueuePlacement(entry.id); await drawBanners(app); } }, t("discard")))))) : "",
    waiting.length ? h("section", { className: "card", id: "banners-unsent" },
      h("h2", {}, t("banners_unsent", { n: waiting.length })),
      h("ul", { className: "plain" }, waiting.map((entry) =>
        h("li", {}, `${entry.placement.quantity} × ${kind(entry.placement.kind)}`, entry.placement.address ? ` — ${entry.placement.address}` : "")))) : "",
    // Nothing hanging: a sentence and what the list is for, not an empty list's lone bullet.
    rows.length
      ? h("ul", { className: "list", id: "banners-list" }, rows)
      : h("section", { className: "card empty-state", id: "banners-empty" },
        h("p", {}, t("banners_none")), h("p", { className: "muted" }, t("banners_none_help"))),
  );
}

export async function drawBannerNew(app) {
  const { t } = app;
  const villages = [...((await store.getSetting("villages")) || [])].sort((a, b) => app.collator().compare(a.name, b.name));
  const photo = { blob: null };
  const preview = h("div", { className: "photo-previews", id: "banner-preview" });
  const note = h("small", { className: "muted", role: "status" });
  const input = h("input", { type: "file", accept: "image/*", capture: "environment", id: "banner-photo", className: "photo-input", onchange: async () => {
    const file = input.files && input.files[0];
    input.value = "";
    if (!file) return;
    try {
      photo.blob = await app.downscale(file);
      preview.replaceChildren(h("figure", { className: "photo-preview" }, h("img", { src: await app.dataUrl(photo.blob), alt: t("banner_photo") })));
      note.textContent = t("banner_photo_taken");
    } catch (error) {
      note.textContent = t("photo_failed");
    }
  } });
  const error = h("p", { className: "form-error", role: "alert" });
  const form = h("form", { className: "visit", id: "banner-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const values = form.elements;
    const quantity = Number(values.quantity.value);
    const village = villages.find((v) => String(v.id) === values.place.value);
    if (!village) {
      error.textContent = t("village_needed");
      return;
    }
    if (!Number.isInteger(quantity) || quantity < 1) {
      error.textContent = t("banner_quantity_needed");
      return;
    }
    const placement = {
      id: uuid(),
      team_id: village.team_id,
      kind: values.kind.value,
      quantity,
      place_id: village.id,
      address: values.address.value.trim(),
      start: values.start.value || today(),
      until: values.until.value || null,
    };
    await store.queuePlacement(placement, photo.blob);
    app.show(t("banner_saved"));
    location.hash = "#/banners";
    app.syncNow(false);
  } });
  form.append(
    h("label", {}, t("banner_kind"), h("select", { name: "kind" }, KINDS.map((code) => h("option", { value: code }, t(`banner_kind_${code}`))))),
    h("label", {}, t("banner_quantity"), h("input", { name: "quantity", type: "number", inputmode: "numeric", min: 1, max: 10000, value: 1, required: true })),
    h("label", {}, t("village"), h("select", { name: "place", required: true }, h("option", { value: "" }, t("choose_village")), villages.map((v) => h("option", { value: v.id }, v.name)))),
    h("label", {}, t("banner_where"), h("input", { name: "address", maxlength: 200, autocomplete: "off" })),
    h("label", {}, t("banner_start"), h("input", { name: "start", type: "date", value: today(), max: today() })),
    h("label", {}, t("banner_last_day"), h("input", { name: "until", type: "date" }), h("small", { className: "muted" }, t("banner_until_help"))),
    h("label", { className: "button big take-photo", id: "take-banner-photo" }, input, h("span", {}, t("take_photo"))),
    preview,
    note,
    error,
    h("button", { type: "submit", className: "big primary", id: "save-banner" }, t("banner_save")),
  );
  app.root.replaceChildren(h("a", { href: "#/banners", className: "back" }, "← ", t("back")), h("h1", {}, t("banner_new")), form);
}
