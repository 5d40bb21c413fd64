"""Every action the audit trail records, in one place: its code, its label, what of its data to show.

A code reads ``app.noun.verb`` (``subscribers.list.exported``). ``log_action``
refuses a code that is not registered here, so a new action cannot reach the
trail without a label a person can read. Each action may also say, in a short
translated phrase, what in its ``data`` matters to the reader (an export:
masked or full numbers, how many rows); the audit page shows that phrase
instead of the raw data.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.utils.formats import date_format, number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from switchoff.audit.models import AuditEvent
from switchoff.lib.text import fold
from switchoff.people.roles import Role

Summary = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Action:
    label: Promise
    # What of the event's data matters, as a short phrase in the reader's language; "" when nothing does.
    summary: Summary | None = None

    def describe(self, data: dict[str, Any]) -> str:
        # Rows written before a key existed lack it: a summary that cannot be made is left out, not an error.
        try:
            return self.summary(data) if self.summary is not None else ""
        except (KeyError, TypeError, ValueError):
            return ""


def _n(value: Any) -> str:
    return number_format(int(value), force_grouping=True)


def _day(iso: str) -> str:
    return date_format(datetime.date.fromisoformat(iso[:10]), "d/m/Y")


def _month(text: str) -> str:
    return date_format(datetime.date.fromisoformat(f"{text[:7]}-01"), "m/Y")


def _parts(*parts: str) -> str:
    return ", ".join(part for part in parts if part)


def _counted(key: str, text: Promise, *, length: bool = False) -> Summary:
    """How many, read from ``data[key]`` (a number, or the length of a list), said by ``text``: a plural form
    (``ngettext_lazy(singular, plural, "count")``) whose ``%(n)s`` shows the number grouped."""

    def summary(data: dict[str, Any]) -> str:
        n = len(data[key]) if length else int(data[key])
        return str(text % {"count": n, "n": _n(n)})

    return summary


def _role(data: dict[str, Any]) -> str:
    role = data["role"]
    return str(Role(role).label) if role in Role.values else str(role)


def _province_loaded(data: dict[str, Any]) -> str:
    return _parts(
        _("%(n)s units created") % {"n": _n(data["created"])},
        _("%(n)s updated") % {"n": _n(data["updated"])},
        _("%(n)s former units created") % {"n": _n(data["legacy_created"])} if data.get("legacy_created") else "",
    )


def _unit_updated(data: dict[str, Any]) -> str:
    before = data["before"]
    return _parts(
        _("formerly %(name)s") % {"name": before["name"]} if before["name"] != data["name"] else "",
        _("kind changed") if before["kind"] != data["kind"] else "",
    )


def _unit_merged(data: dict[str, Any]) -> str:
    return _("into %(unit)s, last day %(day)s") % {"unit": data["into_name"], "day": _day(data["last_day"])}


def _kind_updated(data: dict[str, Any]) -> str:
    before = data["before"]["name"]
    return _("formerly %(name)s") % {"name": before} if before != data["name"] else ""


def _workbook_imported(data: dict[str, Any]) -> str:
    return _("%(villages)s villages created, %(teams)s teams created, %(updated)s teams updated") % {
        "villages": _n(data["villages_created"]),
        "teams": _n(data["teams_created"]),
        "updated": _n(data["teams_updated"]),
    }


def _search_throttled(data: dict[str, Any]) -> str:
    return _("limit of %(n)s searches a minute") % {"n": _n(data["limit"])}


_VIA = {
    "page": gettext_lazy("on the registry page"),
    "export": gettext_lazy("in an export"),
    "api": gettext_lazy("through the API"),
}


def _number_searched(data: dict[str, Any]) -> str:
    n = len(data["matches"])
    return _parts(
        data["number"],
        ngettext("%(n)s subscriber found", "%(n)s subscribers found", n) % {"n": _n(n)},
        str(_VIA.get(data.get("via", ""), "")),
    )


def _number_revealed(data: dict[str, Any]) -> str:
    return str(data["number"])


def _list_exported(data: dict[str, Any]) -> str:
    n = int(data["rows"])
    rows = ngettext("%(n)s row", "%(n)s rows", n) % {"n": _n(n)}
    return _parts(_("full numbers") if data["full_numbers"] else _("numbers masked"), rows)


def _devices_imported(data: dict[str, Any]) -> str:
    return _parts(
        str(data.get("file", "")),
        _("%(n)s new") % {"n": _n(data.get("created", 0))},
        _("%(n)s replaced") % {"n": _n(data.get("replaced", 0))},
        _("%(n)s unchanged") % {"n": _n(data.get("unchanged", 0))},
        _("%(n)s subscribers' device class changed") % {"n": _n(data["reclassified"])}
        if data.get("reclassified")
        else "",
    )


def _list_imported(data: dict[str, Any]) -> str:
    return _parts(
        _("%(n)s rows read") % {"n": _n(data["rows_read"])},
        _("%(n)s new") % {"n": _n(data.get("new", 0))},
        _("%(n)s moved") % {"n": _n(data["moved"])} if data.get("moved") else "",
        _("%(n)s left the list") % {"n": _n(data.get("left", 0))},
        _("%(n)s rows with errors") % {"n": _n(data["errors"])} if data.get("errors") else "",
    )


def _import_queued(data: dict[str, Any]) -> str:
    return _parts(str(data["file"]), str(_VIA["api"]) if data.get("via") == "api" else "")


def _activity(data: dict[str, Any]) -> str:
    n = int(data["count"])
    return ngettext("%(n)s time on %(day)s", "%(n)s times on %(day)s", n) % {"n": _n(n), "day": _day(data["date"])}


def _sheet_imported(data: dict[str, Any]) -> str:
    return _parts(
        _("%(file)s: %(created)s of %(rows)s rows logged")
        % {"file": data.get("file") or "—", "created": _n(data["created"]), "rows": _n(data["rows"])},
        ngettext("%(n)s row of earlier imports replaced", "%(n)s rows of earlier imports replaced", data["replaced"])
        % {"n": _n(data["replaced"])}
        if data.get("replaced")
        else "",
        ngettext(
            "%(n)s row already logged another way left out",
            "%(n)s rows already logged another way left out",
            len(data["skipped"]),
        )
        % {"n": _n(len(data["skipped"]))}
        if data.get("skipped")
        else "",
    )


def _synonym(data: dict[str, Any]) -> str:
    return _("“%(text)s” read as %(target)s") % {"text": data["text"], "target": data["target"]}


def _report_saved(data: dict[str, Any]) -> str:
    if "lines" in data:
        # Counts in different units (broadcasts, articles...) are not added up.
        n = int(data["lines"])
        return ngettext("%(n)s line with figures", "%(n)s lines with figures", n) % {"n": _n(n)}
    return _("total %(n)s") % {"n": _n(data["total"])}


def _report_submitted(data: dict[str, Any]) -> str:
    confirmed = len(data.get("warnings_confirmed") or [])
    return _parts(
        _("late") if data["late"] else _("on time"),
        ngettext("%(n)s warning confirmed", "%(n)s warnings confirmed", confirmed) % {"n": _n(confirmed)}
        if confirmed
        else "",
        _("no activity this month") if data.get("no_activity") else "",
        _("on the unit's behalf: %(reason)s") % {"reason": data["on_behalf"]} if data.get("on_behalf") else "",
    )


def _line_followed(data: dict[str, Any]) -> str:
    return _("%(form)s: %(was)s → %(now)s (from the activity log)") % {
        "form": data["form"],
        "was": _n(data["was"][0]),
        "now": _n(data["now"][0]),
    }


def _level_report_submitted(data: dict[str, Any]) -> str:
    return _parts(
        _("month %(month)s") % {"month": _month(data["month"])},
        _("late") if data["late"] else _("on time"),
        _("%(accepted)s of %(assigned)s units' reports accepted")
        % {"accepted": _n(data["accepted"]), "assigned": _n(data["assigned"])},
    )


def _reason(data: dict[str, Any]) -> str:
    return _("reason: %(reason)s") % {"reason": data["reason"]} if data["reason"] else ""


def _aggregate_exported(data: dict[str, Any]) -> str:
    return _parts(
        _("month %(month)s") % {"month": _month(data["month"])},
        str(data["format"]).upper(),
        _("cumulative") if data.get("cumulative") else "",
        _("reports not yet reviewed included") if data.get("unreviewed") else "",
    )


def _rule_changed(data: dict[str, Any]) -> str:
    return _("switch-off date was %(day)s, reports were due on day %(due)s") % {
        "day": _day(data["before"]["cutoff_date"]),
        "due": data["before"]["due_day"],
    }


def _token_created(data: dict[str, Any]) -> str:
    return _("%(name)s (%(prefix)s…), expires %(day)s") % {
        "name": data["name"],
        "prefix": data["prefix"],
        "day": _day(data["expires_at"]),
    }


def _token_revoked(data: dict[str, Any]) -> str:
    return f"{data['prefix']}…"


def _tokens_revoked_with_password(data: dict[str, Any]) -> str:
    prefixes, phones = data["prefixes"], data.get("devices", [])
    parts = []
    if prefixes or not phones:
        parts.append(
            ngettext("%(n)s token: %(prefixes)s", "%(n)s tokens: %(prefixes)s", len(prefixes))
            % {"n": _n(len(prefixes)), "prefixes": ", ".join(f"{p}…" for p in prefixes)}
        )
    if phones:
        parts.append(
            ngettext("%(n)s field phone: %(prefixes)s", "%(n)s field phones: %(prefixes)s", len(phones))
            % {"n": _n(len(phones)), "prefixes": ", ".join(f"{p}…" for p in phones)}
        )
    return "; ".join(parts)


def _reminder_sent(data: dict[str, Any]) -> str:
    return _("report of %(month)s; %(people)s notified, %(emails)s by e-mail") % {
        "month": _month(data["month"]),
        "people": _n(data["people"]),
        "emails": _n(data["emails"]),
    }


def _visits_recorded(data: dict[str, Any]) -> str:
    return ngettext("%(n)s visit, %(c)s in conflict", "%(n)s visits, %(c)s in conflict", data["visits"]) % {
        "n": _n(data["visits"]),
        "c": _n(data["conflicts"]),
    }


def _photo(data: dict[str, Any]) -> str:
    return _("case no. %(case)s") % {"case": data["case"]}


def _cases_assigned(data: dict[str, Any]) -> str:
    cases = ngettext("%(n)s case", "%(n)s cases", data["cases"]) % {"n": _n(data["cases"])}
    if data.get("member"):
        return _("%(cases)s to %(team)s, %(member)s") % {"cases": cases, "team": data["team"], "member": data["member"]}
    if data.get("team"):
        return _("%(cases)s to %(team)s") % {"cases": cases, "team": data["team"]}
    return _("%(cases)s taken from their team") % {"cases": cases}


def _case_resolved(data: dict[str, Any]) -> str:
    from switchoff.fieldwork.rules import Status

    return _("now: %(status)s") % {"status": Status(data["to"]).label}


def _device(data: dict[str, Any]) -> str:
    return f"{data['name']} ({data['prefix']}…)"


def _team_member(data: dict[str, Any]) -> str:
    return f"{data['person']} ({Role(data['role']).label})"


def _programme(data: dict[str, Any]) -> str:
    return str(data.get("name") or data.get("programme") or "")


def _delivery(data: dict[str, Any]) -> str:
    return _parts(str(data["programme"]), _day(data["day"]), str(data.get("verdict") or ""))


def _deliveries_imported(data: dict[str, Any]) -> str:
    return _parts(
        str(data["programme"]),
        ngettext("%(n)s delivery", "%(n)s deliveries", int(data["delivered"])) % {"n": _n(data["delivered"])},
        ngettext("%(n)s row left", "%(n)s rows left", int(data["left"])) % {"n": _n(data["left"])},
    )


def _shops_imported(data: dict[str, Any]) -> str:
    return ngettext("%(n)s shop registered", "%(n)s shops registered", int(data["created"])) % {
        "n": _n(data["created"])
    }


def _household_match(data: dict[str, Any]) -> str:
    return _parts(str(data.get("year") or ""), str(data.get("category") or ""))


def _households_imported(data: dict[str, Any]) -> str:
    return _parts(
        str(data["year"]),
        ngettext("%(n)s household", "%(n)s households", int(data["rows"])) % {"n": _n(data["rows"])},
        ngettext("%(n)s matched to the registry", "%(n)s matched to the registry", int(data["matched"]))
        % {"n": _n(data["matched"])},
    )


def _shop(data: dict[str, Any]) -> str:
    return _parts(
        str(data["name"]),
        ngettext("%(n)s phone without 4G", "%(n)s phones without 4G", data.get("found", 0))
        % {"n": data.get("found", 0)}
        if "found" in data
        else "",
    )


def _placement(data: dict[str, Any]) -> str:
    kinds = dict(apps.get_model("banners", "Placement").Kind.choices)
    return _("%(n)s × %(kind)s") % {"n": _n(data["quantity"]), "kind": kinds.get(data["kind"], data["kind"])}


def _material(data: dict[str, Any]) -> str:
    return _("%(title)s, version %(n)s") % {"title": data["title"], "n": data["version"]}


def _retention_set(data: dict[str, Any]) -> str:
    return _("%(months)s months, erased from %(day)s") % {"months": _n(data["months"]), "day": _day(data["erase_from"])}


def _erase_from(data: dict[str, Any]) -> str:
    return _("erased from %(day)s") % {"day": _day(data["erase_from"])}


def _erased(data: dict[str, Any]) -> str:
    return _parts(
        ngettext("%(n)s row", "%(n)s rows", int(data["rows"])) % {"n": _n(data["rows"])},
        ngettext("%(n)s file", "%(n)s files", int(data["files"])) % {"n": _n(data["files"])},
    )


def _corrected(data: dict[str, Any]) -> str:
    return _parts(str(data["field"]), str(data.get("reason", "")))


_HELD = _counted("visits", ngettext_lazy("%(n)s visit", "%(n)s visits", "count"))
_RECORDS = _counted("records", ngettext_lazy("%(n)s record", "%(n)s records", "count"))


def _a(label: Promise, summary: Summary | None = None) -> Action:
    return Action(label=label, summary=summary)


ACTIONS: dict[str, Action] = {
    # units
    "units.province.loaded": _a(gettext_lazy("Province's units loaded"), _province_loaded),
    "units.country.loaded": _a(gettext_lazy("Country's units loaded"), _province_loaded),
    "units.unit.created": _a(gettext_lazy("Unit created")),
    "units.unit.updated": _a(gettext_lazy("Unit changed"), _unit_updated),
    "units.unit.merged": _a(gettext_lazy("Unit merged"), _unit_merged),
    "units.team.coverage_set": _a(
        gettext_lazy("Team's villages set"),
        _counted("villages", ngettext_lazy("covers %(n)s village", "covers %(n)s villages", "count"), length=True),
    ),
    "units.kind.updated": _a(gettext_lazy("Unit kind renamed"), _kind_updated),
    "units.commune.workbook_imported": _a(gettext_lazy("Villages and teams imported"), _workbook_imported),
    "units.commune.workbook_exported": _a(gettext_lazy("Villages and teams workbook downloaded")),
    "maps.boundaries.imported": _a(
        gettext_lazy("Boundaries imported"),
        _counted("units", ngettext_lazy("%(n)s unit", "%(n)s units", "count")),
    ),
    # subscribers
    "subscribers.household.confirmed": _a(
        gettext_lazy("Household confirmed"),
        _counted("subscribers", ngettext_lazy("%(n)s number", "%(n)s numbers", "count"), length=True),
    ),
    "subscribers.household.dismissed": _a(gettext_lazy("Household suggestion dismissed")),
    "subscribers.subscriber.assigned": _a(gettext_lazy("Subscriber put in a unit")),
    "subscribers.number.search_throttled": _a(
        gettext_lazy("Searches by number refused by the limit"), _search_throttled
    ),
    "subscribers.number.searched": _a(gettext_lazy("Searched by full number"), _number_searched),
    "subscribers.number.revealed": _a(gettext_lazy("Full number shown"), _number_revealed),
    "subscribers.list.exported": _a(gettext_lazy("Subscriber list exported"), _list_exported),
    "subscribers.list.imported": _a(gettext_lazy("Subscriber list imported"), _list_imported),
    "subscribers.import.checking": _a(gettext_lazy("List sent to be checked"), _import_queued),
    "subscribers.import.queued": _a(gettext_lazy("Import started"), _import_queued),
    "subscribers.import.cancelled": _a(gettext_lazy("Import cancelled")),
    "subscribers.import.restarted": _a(gettext_lazy("Import started again")),
    # field work
    "fieldwork.visits.recorded": _a(gettext_lazy("Visits recorded"), _visits_recorded),
    "fieldwork.case.called": _a(
        gettext_lazy("Called from the field (number shown)"),
        _counted("calls", ngettext_lazy("%(n)s call", "%(n)s calls", "count")),
    ),
    "fieldwork.cases.downloaded": _a(
        gettext_lazy("Cases with full numbers sent to a member"),
        _counted("cases", ngettext_lazy("%(n)s case", "%(n)s cases", "count")),
    ),
    "banners.placement.recorded": _a(gettext_lazy("Banners or posters recorded as hung"), _placement),
    "banners.placement.taken_down": _a(gettext_lazy("Banners or posters checked off as taken down"), _placement),
    "banners.photo.added": _a(gettext_lazy("Photo of banners or posters kept")),
    "library.material.created": _a(gettext_lazy("Material added to the content library"), _material),
    "library.version.added": _a(gettext_lazy("New version of a material"), _material),
    "library.version.downloaded": _a(gettext_lazy("Material downloaded"), _material),
    "library.material.reminded": _a(gettext_lazy("Units reminded to download a material"), _material),
    "sms.batch.created": _a(gettext_lazy("SMS to subscribers prepared")),
    "sms.batch.sent": _a(gettext_lazy("SMS to subscribers sent")),
    "sms.number.opted_out": _a(gettext_lazy("A number asked for no more SMS")),
    "sms.opt_outs.imported": _a(gettext_lazy("Operator's list of numbers that want no more SMS imported")),
    "fieldwork.photo.added": _a(gettext_lazy("Photo of a visit kept (with the person's consent)"), _photo),
    "fieldwork.photo.viewed": _a(gettext_lazy("Photo of a visit shown"), _photo),
    "fieldwork.cases.assigned": _a(gettext_lazy("Cases handed to a team"), _cases_assigned),
    "fieldwork.case.resolved": _a(gettext_lazy("Case in conflict resolved"), _case_resolved),
    "fieldwork.device.enrolled": _a(gettext_lazy("Phone signed in for field work"), _device),
    "fieldwork.device.revoked": _a(gettext_lazy("Field phone revoked"), _device),
    "fieldwork.visits.held": _a(
        gettext_lazy("Visits of a revoked phone held for the team leader"),
        _HELD,
    ),
    "fieldwork.held.accepted": _a(
        gettext_lazy("Visits of a revoked phone accepted by the team leader"),
        _HELD,
    ),
    "fieldwork.held.discarded": _a(
        gettext_lazy("Visits of a revoked phone discarded by the team leader"),
        _HELD,
    ),
    "fieldwork.team.member_added": _a(gettext_lazy("Person added to a team"), _team_member),
    "fieldwork.team.member_removed": _a(gettext_lazy("Person taken out of a team"), _team_member),
    # programmes
    "programmes.programme.created": _a(gettext_lazy("Support programme defined"), _programme),
    "programmes.programme.updated": _a(gettext_lazy("Support programme changed"), _programme),
    "programmes.referral.created": _a(gettext_lazy("Person referred to a support programme"), _programme),
    "programmes.referral.approved": _a(gettext_lazy("Referral to a support programme approved"), _programme),
    "programmes.referral.refused": _a(gettext_lazy("Referral to a support programme refused"), _programme),
    "programmes.delivery.recorded": _a(gettext_lazy("Support programme delivery recorded"), _delivery),
    "programmes.households.imported": _a(
        gettext_lazy("Commune's list of poor and near-poor households imported"), _households_imported
    ),
    "programmes.deliveries.imported": _a(gettext_lazy("Operator's delivery list imported"), _deliveries_imported),
    "programmes.households.match_confirmed": _a(
        gettext_lazy("Household on the commune's list confirmed as a registry subscriber"), _household_match
    ),
    "programmes.households.match_dismissed": _a(
        gettext_lazy("Proposed registry match of a listed household dismissed"), _household_match
    ),
    # shops
    "shops.shop.registered": _a(gettext_lazy("Phone shop registered"), _shop),
    "shops.inspection.recorded": _a(gettext_lazy("Phone shop inspected"), _shop),
    "shops.commitment.viewed": _a(gettext_lazy("Shop's signed commitment shown"), _shop),
    "shops.shops.imported": _a(gettext_lazy("Commune's workbook of phone shops imported"), _shops_imported),
    # devices
    "devices.table.imported": _a(gettext_lazy("Device table imported"), _devices_imported),
    # reports
    "reports.activity.created": _a(gettext_lazy("Activity recorded"), _activity),
    "reports.activity.deleted": _a(gettext_lazy("Activity deleted"), _activity),
    "reports.activity_sheet.imported": _a(gettext_lazy("Activity sheet imported"), _sheet_imported),
    "reports.activity.changed": _a(gettext_lazy("Activity count changed in the grid"), _activity),
    "reports.report.created": _a(gettext_lazy("Monthly report created")),
    "reports.report.refilled": _a(gettext_lazy("Monthly report refilled from activities")),
    "reports.report.line_followed": _a(gettext_lazy("Report line updated from the activity log"), _line_followed),
    "reports.report.saved": _a(gettext_lazy("Monthly report saved"), _report_saved),
    "reports.report.submitted": _a(gettext_lazy("Monthly report submitted"), _report_submitted),
    "reports.report.returned": _a(gettext_lazy("Monthly report returned"), _reason),
    "reports.report.accepted": _a(gettext_lazy("Monthly report accepted")),
    "reports.report.reopened": _a(gettext_lazy("Monthly report reopened"), _reason),
    "reports.level_report.submitted": _a(
        gettext_lazy("Province's report submitted to the country"), _level_report_submitted
    ),
    "reports.report.return_requested": _a(gettext_lazy("Unit asked to have its report returned"), _reason),
    "reports.aggregate.exported": _a(gettext_lazy("Aggregated report downloaded"), _aggregate_exported),
    "reports.reminder.sent": _a(gettext_lazy("Unit reminded of its report"), _reminder_sent),
    # dashboard
    "dashboard.target.set": _a(gettext_lazy("Target of subscribers still listed set")),
    "dashboard.target.deleted": _a(gettext_lazy("Target of subscribers still listed deleted")),
    # campaigns
    "campaigns.campaign.created": _a(gettext_lazy("Campaign created")),
    "campaigns.campaign.rule_changed": _a(gettext_lazy("Campaign dates or reporting rule changed"), _rule_changed),
    "campaigns.campaign.device_check_changed": _a(gettext_lazy("Device check support contacts or 3G date changed")),
    "campaigns.assignments.added": _a(
        gettext_lazy("Reporting units added"),
        _counted("added", ngettext_lazy("%(n)s unit added", "%(n)s units added", "count")),
    ),
    "campaigns.assignments.removed": _a(gettext_lazy("Reporting unit removed")),
    "campaigns.form.saved": _a(gettext_lazy("Communication form saved")),
    "campaigns.medium.added": _a(gettext_lazy("Medium added")),
    "campaigns.synonym.saved": _a(gettext_lazy("Other name of the catalogue saved"), _synonym),
    "campaigns.synonym.deleted": _a(gettext_lazy("Other name of the catalogue deleted"), _synonym),
    "campaigns.synonym.proposed": _a(gettext_lazy("Other name proposed by a unit"), _synonym),
    "campaigns.synonym.dismissed": _a(gettext_lazy("Other name proposed by a unit dismissed"), _synonym),
    # people
    "people.membership.granted": _a(gettext_lazy("Role granted"), _role),
    "people.membership.revoked": _a(gettext_lazy("Role removed"), _role),
    "people.user.invited": _a(gettext_lazy("Person invited"), _role),
    "people.user.logged_in": _a(gettext_lazy("Logged in")),
    "people.password.reset_link_created": _a(gettext_lazy("Password reset link created")),
    "people.password.changed": _a(gettext_lazy("Password changed")),
    # ``people.<OneTimeLink.Purpose>.redeemed``
    "people.invitation.redeemed": _a(gettext_lazy("Invitation accepted")),
    "people.reset.redeemed": _a(gettext_lazy("Password reset link used")),
    "people.two_factor.enabled": _a(gettext_lazy("Two-factor login turned on")),
    "people.two_factor.disabled": _a(gettext_lazy("Two-factor login turned off")),
    "people.api_token.created": _a(gettext_lazy("API token created"), _token_created),
    "people.api_token.revoked": _a(gettext_lazy("API token revoked"), _token_revoked),
    "people.api_token.revoked_with_password": _a(
        gettext_lazy("API tokens and field phones revoked with the password"), _tokens_revoked_with_password
    ),
    # privacy
    "privacy.retention.set": _a(gettext_lazy("Retention of a campaign's personal data set"), _retention_set),
    "privacy.retention.warned": _a(gettext_lazy("Coordinators told a campaign's personal data goes soon"), _erase_from),
    "privacy.campaign.erased": _a(gettext_lazy("Personal data of a campaign erased"), _erased),
    "privacy.person.looked_up": _a(
        gettext_lazy("Person looked up for their request"),
        _RECORDS,
    ),
    "privacy.person.exported": _a(
        gettext_lazy("File of what is held about a person downloaded"),
        _RECORDS,
    ),
    "privacy.person.corrected": _a(gettext_lazy("Person's data corrected at their request"), _corrected),
    "privacy.person.erased": _a(gettext_lazy("Person's data erased at their request"), _erased),
    # demo
    "demo.data.loaded": _a(gettext_lazy("Demo data loaded")),
}

# Codes renamed to the ``app.noun.verb`` pattern (migration audit 0003 rewrote the rows);
# an event written under an old code by a server not yet restarted still reads under its new label.
FORMER_CODES: dict[str, str] = {
    "subscribers.exported": "subscribers.list.exported",
    "subscribers.assigned": "subscribers.subscriber.assigned",
    "demo.loaded": "demo.data.loaded",
}

UNKNOWN = Action(label=gettext_lazy("Unrecognised action"))


def action_for(code: str) -> Action:
    """The registered action of ``code`` (a former code reads as its new one); ``UNKNOWN`` otherwise."""
    return ACTIONS.get(FORMER_CODES.get(code, code), UNKNOWN)


def codes_matching(code: str) -> list[str]:
    """``code`` and the former codes that now mean the same action, to filter the trail by."""
    return [code, *(old for old, new in FORMER_CODES.items() if new == code)]


@dataclass(frozen=True)
class EventLine:
    """An event as the audit page shows it: its label and the phrase of what its data says."""

    event: AuditEvent
    label: str
    summary: str
    known: bool


def event_line(event: AuditEvent) -> EventLine:
    action = action_for(event.action)
    return EventLine(
        event=event, label=str(action.label), summary=action.describe(event.data), known=action is not UNKNOWN
    )


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The registered actions for a filter, by app (in the order of INSTALLED_APPS) then by label."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, action in ACTIONS.items():
        groups.setdefault(code.split(".")[0], []).append((code, str(action.label)))
    return [
        (str(config.verbose_name), sorted(groups[config.label], key=lambda choice: fold(choice[1])))
        for config in apps.get_app_configs()
        if config.label in groups
    ]
