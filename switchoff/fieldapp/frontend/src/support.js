// Support from the field: a person referred to a programme from their case, and a phone shop inspected. Both are
// kept on the phone (the programmes and shops came with the last sync) and sent with the visits' sync, each once
// by its id; the server judges them there (who qualifies, each phone's verdict) and the phone shows its answer.
import * as store from "./db.js";
import { formatDate, h, localIso, uuid } from "./ui.js";

function today() {
  return localIso().slice(0, 10);
}

// The referrals and inspections the server refused, with its reason, until the member discards them.
export async function supportProblems(app) {
  const { t } = app;
  const refused = [
    ...(await store.queuedSupport("referrals")).map((entry) => ({ kind: "referrals", entry })),
    ...(await store.queuedSupport("inspections")).map((entry) => ({ kind: "inspections", entry })),
  ].filter(({ entry }) => entry.state === "refused");
  if (!refused.length) return "";
  return h("section", { className: "card problems", id: "support-problems" },
    h("h2", {}, t("support_refused_title")),
    h("ul", { className: "plain" }, refused.map(({ kind, entry }) =>
      h("li", { className: "invalid", "data-support": entry.id },
        h("strong", {}, entry.label), " ", h("span", {}, entry.message), " ",
        h("button", { type: "button", className: "link", onclick: async () => {
          await store.unqueueSupport(kind, entry.id);
          await app.redraw();
        } }, t("discard"))))));
}

// app: {t, show, syncNow, takeFlash, collator, root, redraw}
export async function drawRefer(app, item) {
  const { t } = app;
  const programmes = (await store.getSetting("programmes")) || [];
  const mine = (await store.queuedSupport("referrals")).filter((entry) => entry.body.case_id === item.id);
  const names = new Map(programmes.map((p) => [p.id, p.name]));
  const error = h("p", { className: "form-error", role: "alert" });
  const form = h("form", { className: "visit", id: "refer-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const programme = programmes.find((p) => String(p.id) === form.elements.programme.value);
    if (!programme) {
      error.textContent = t("programme_needed");
      return;
    }
    const body = { id: uuid(), programme_id: programme.id, case_id: item.id, note: form.elements.note.value.trim() };
    await store.queueSupport("referrals", body, `${item.name} → ${programme.name}`);
    app.show(t("referral_saved"));
    location.hash = `#/case/${item.id}`;
    app.syncNow(false);
  } });
  const documents = h("p", { className: "muted", id: "programme-documents" });
  const select = h("select", { name: "programme", required: true, onchange: () => {
    const chosen = programmes.find((p) => String(p.id) === select.value);
    documents.textContent = chosen && chosen.documents ? t("programme_documents", { documents: chosen.documents }) : "";
  } }, h("option", { value: "" }, t("choose_programme")),
  programmes.map((p) => h("option", { value: p.id }, `${p.name} (${p.sponsor_name})`)));
  form.append(
    h("label", {}, t("programme"), select),
    documents,
    h("label", {}, t("referral_note"), h("input", { name: "note", maxlength: 300, autocomplete: "off" })),
    error,
    h("button", { type: "submit", className: "big primary", id: "save-referral" }, t("referral_save")),
  );
  app.root.replaceChildren(
    h("a", { href: `#/case/${item.id}`, className: "back" }, "← ", t("back")),
    h("h1", {}, t("refer_title")),
    h("section", { className: "card person" }, h("h2", {}, item.name), h("p", { className: "muted" }, t("refer_help"))),
    mine.length ? h("ul", { className: "plain", id: "referrals-waiting" }, mine.map((entry) =>
      h("li", { className: entry.state === "refused" ? "invalid" : "" },
        names.get(entry.body.programme_id) || entry.label, " — ",
        entry.state === "refused" ? entry.message : t("referral_unsent")))) : "",
    programmes.length ? form : h("p", { className: "muted", id: "no-programmes" }, t("no_programmes")),
  );
}

function verdictTag(item) {
  return h("span", { className: item.verdict === "fine" ? "badge waiting" : "badge conflict", "data-verdict": item.verdict }, item.verdict_label);
}

export async function drawShops(app) {
  const { t } = app;
  const shops = [...((await store.getSetting("shops")) || [])].sort((a, b) => app.collator().compare(a.name, b.name));
  const waiting = (await store.queuedSupport("inspections")).filter((entry) => entry.state === "pending");
  const waitingFor = new Set(waiting.map((entry) => entry.body.shop_id));
  const done = (await store.getSetting("inspectionsDone")) || [];
  const now = today();
  const rows = shops.map((shop) =>
    h("li", { "data-shop": shop.id },
      h("a", { className: "case", href: `#/inspect/${shop.id}` },
        h("strong", {}, shop.name),
        h("span", { className: "address" }, [shop.address, shop.village || shop.commune].filter(Boolean).join(" · ")),
        h("span", { className: "state" },
          shop.last_inspected_on ? t("shop_last", { day: formatDate(shop.last_inspected_on) }) : t("shop_never"),
          !shop.informed ? h("span", { className: "badge due" }, t("shop_not_informed")) : "",
          shop.last_found ? h("span", { className: "badge conflict" }, t("shop_found", { n: shop.last_found })) : "",
          shop.follow_up_on && shop.follow_up_on <= now ? h("span", { className: "badge due" }, t("shop_follow_up_due")) : "",
          waitingFor.has(shop.id) ? h("span", { className: "badge waiting" }, t("waiting")) : ""))));
  app.root.replaceChildren(
    h("a", { href: "#/", className: "back" }, "← ", t("back")),
    h("h1", {}, t("shops_title")),
    ...app.takeFlash(),
    await supportProblems(app),
    waiting.length ? h("section", { className: "card", id: "inspections-unsent" },
      h("h2", {}, t("inspections_unsent", { n: waiting.length })),
      h("ul", { className: "plain" }, waiting.map((entry) => h("li", {}, entry.label)))) : "",
    done.length ? h("section", { className: "card", id: "inspections-done" },
      h("h2", {}, t("inspections_done")),
      h("ul", { className: "plain" }, done.slice(0, 5).map((item) =>
        h("li", { "data-inspection": item.id },
          h("strong", {}, item.label), ` · ${formatDate(item.day)} · `, t("shop_found", { n: item.found }),
          item.items.length ? h("ul", { className: "plain verdicts" }, item.items.map((found) =>
            h("li", {}, h("code", {}, found.written), found.device ? ` — ${found.device} ` : " ", verdictTag(found)))) : "")))) : "",
    h("ul", { className: "cases", id: "shops-list" }, rows.length ? rows : h("li", { className: "muted" }, t("shops_none"))),
  );
}

export async function drawInspect(app, shopId) {
  const { t } = app;
  const shop = ((await store.getSetting("shops")) || []).find((s) => s.id === shopId);
  if (!shop) {
    location.hash = "#/shops";
    return;
  }
  const error = h("p", { className: "form-error", role: "alert" });
  const form = h("form", { className: "visit", id: "inspect-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const values = form.elements;
    const day = values.inspected_on.value || today();
    if (values.follow_up_on.value && values.follow_up_on.value < day) {
      error.textContent = t("follow_up_before");
      return;
    }
    const phones = values.phones.value.split("\n").map((line) => line.trim()).filter(Boolean);
    const body = {
      id: uuid(),
      shop_id: shop.id,
      inspected_on: day,
      informed: values.informed.checked,
      commitment_signed: values.commitment_signed.checked,
      phones,
      follow_up_on: values.follow_up_on.value || null,
      note: values.note.value.trim(),
    };
    await store.queueSupport("inspections", body, shop.name);
    app.show(t("inspection_saved"));
    location.hash = "#/shops";
    app.syncNow(false);
  } });
  form.append(
    h("label", { className: "inline" }, h("input", { type: "checkbox", name: "informed", checked: true }), " ", t("shop_informed")),
    h("label", { className: "inline" }, h("input", { type: "checkbox", name: "commitment_signed" }), " ", t("shop_commitment")),
    h("label", {}, t("shop_phones"), h("textarea", { name: "phones", rows: 4, autocomplete: "off", spellcheck: "false" }),
      h("small", { className: "muted" }, t("shop_phones_help"))),
    h("label", {}, t("inspected_on"), h("input", { name: "inspected_on", type: "date", value: today(), max: today() })),
    h("label", {}, t("follow_up_date"), h("input", { name: "follow_up_on", type: "date" })),
    h("label", {}, t("note"), h("input", { name: "note", maxlength: 500, autocomplete: "off" })),
    error,
    h("button", { type: "submit", className: "big primary", id: "save-inspection" }, t("inspection_save")),
  );
  app.root.replaceChildren(
    h("a", { href: "#/shops", className: "back" }, "← ", t("back")),
    h("h1", {}, t("inspect_title")),
    h("section", { className: "card person" }, h("h2", {}, shop.name),
      h("p", { className: "muted" }, [shop.address, shop.village || shop.commune].filter(Boolean).join(" · "))),
    form,
  );
}
