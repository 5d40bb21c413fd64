"""Importing a unit's own activity sheet: columns found or chosen, the unit's words taught, every row
checked and shown with what it replaces and what it matches, logged on confirmation; and the template."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl.utils import get_column_letter

from switchoff.campaigns.models import Campaign
from switchoff.lib.text import is_id
from switchoff.lib.uploads import find_upload, read_upload, remove_upload, store_upload
from switchoff.people.access import access_campaign, access_reporting_unit, can
from switchoff.people.roles import Perm
from switchoff.reports import services
from switchoff.reports.forms import SheetForm
from switchoff.reports.spreadsheets import (
    FIELD_LABELS,
    FIELDS,
    ActivityMapping,
    ParsedSheet,
    mapping_headers,
    parse_activity_sheet,
    shown_cell,
)
from switchoff.reports.spreadsheets import activity_template as activity_template_xlsx
from switchoff.reports.views.common import user_of

TEACH_MOST = 50  # wordings taught in one check


def _posted_mapping(request: HttpRequest) -> ActivityMapping | None:
    """The sheet, header row and columns the person chose on the preview page."""
    sheet, header = request.POST.get("sheet", ""), request.POST.get("header_row", "")
    if not is_id(sheet) or not is_id(header):
        return None
    columns = {name: int(request.POST[f"map-{name}"]) for name in FIELDS if is_id(request.POST.get(f"map-{name}", ""))}
    return ActivityMapping(sheet=int(sheet), header_row=int(header), columns=columns)


def _posted_taught(request: HttpRequest, campaign: Campaign) -> list[services.Taught]:
    """The unit's wordings the person mapped to a form or a medium of the catalogue at this check."""
    forms = {f.pk: f for f in campaign.forms.all()}
    media = {m.pk: m for m in campaign.media.all()}
    taught = []
    count = request.POST.get("teach-n", "")
    for index in range(min(int(count) if is_id(count) else 0, TEACH_MOST)):
        words, text = request.POST.get(f"teach-{index}-words", ""), request.POST.get(f"teach-{index}-text", "")
        target = request.POST.get(f"teach-{index}-target", "")
        if not words or not is_id(target):
            continue
        if request.POST.get(f"teach-{index}-kind") == "medium" and int(target) in media:
            taught.append(services.Taught(text=text[:160], words=words[:160], medium=media[int(target)]))
        elif int(target) in forms:
            taught.append(services.Taught(text=text[:160], words=words[:160], form=forms[int(target)]))
    return taught


def _import_context(parsed: ParsedSheet, campaign: Campaign, taught: list[services.Taught]) -> dict[str, Any]:
    mapping = parsed.mapping
    head = parsed.sheets[mapping.sheet].head if mapping and mapping.sheet < len(parsed.sheets) else []
    if not head and parsed.sheets:
        head = parsed.sheets[0].head
    width = max((len(row) for row in head), default=0)
    # Each column by its header as written (a title row's "1.0" or "2024-11-02 00:00:00" as 1 and 02/11/2024).
    header_row = head[mapping.header_row] if mapping and mapping.header_row < len(head) else []
    above = head[mapping.header_row - 1] if mapping and 0 < mapping.header_row <= len(head) else []
    headers = [
        shown_cell(header_row[i] if i < len(header_row) else None) or shown_cell(above[i] if i < len(above) else None)
        for i in range(width)
    ]
    # The wordings to teach: those taught at this check (to change them), then those not known yet.
    teach = [(t.words, t.text, "medium" if t.medium else "form", (t.form or t.medium).pk) for t in taught]  # type: ignore[union-attr]
    seen = {(words, kind) for words, _text, kind, _pk in teach}
    teach += [(w, text, "form", None) for w, text in parsed.unknown_forms.items() if (w, "form") not in seen]
    teach += [(w, text, "medium", None) for w, text in parsed.unknown_media.items() if (w, "medium") not in seen]
    return {
        "field_choices": [
            (name, FIELD_LABELS[name], (mapping.columns if mapping else {}).get(name)) for name in FIELDS
        ],
        "column_choices": [
            (index, f"{get_column_letter(index + 1)} — {headers[index] if index < len(headers) else ''}".rstrip(" —"))
            for index in range(width)
        ],
        # Each row as the person wrote it: "1 | 02/11/2024 | 3", not "1.0 | 2024-11-02 | 3.0".
        "header_choices": [
            (index, f"{index + 1}: " + " | ".join(shown_cell(c) for c in row if c not in (None, ""))[:80])
            for index, row in enumerate(head[:25])
        ],
        "sheet_choices": [(index, sheet.name or "—") for index, sheet in enumerate(parsed.sheets)],
        "teach": [(index, *item) for index, item in enumerate(teach[:TEACH_MOST])],
        "teach_forms": services.typed_forms(list(campaign.forms.all())),
        "teach_media": list(campaign.media.all()),
        "expected": f"{len(parsed.rows)}-{len(parsed.matches)}",
        "import_key": uuid.uuid4().hex,
    }


@login_required
def activity_import(request: HttpRequest, campaign_id: int, unit_id: int) -> HttpResponse:
    """Import the unit's own sheet: columns found or chosen, every row checked and shown, logged on confirmation."""
    user = user_of(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id, Perm.REPORT)
    form = SheetForm(request.POST or None, request.FILES or None)
    owner = campaign.pk * 1_000_000_000 + unit.pk
    upload_id = request.POST.get("upload_id", "")
    file_name = request.POST.get("file_name", "")[:255]
    parsed = None
    taught: list[services.Taught] = []
    if request.method == "POST" and upload_id:
        stored = find_upload("activities", owner, upload_id)
        if stored is None:
            messages.error(request, _("The uploaded file has expired. Upload it again."))
            return redirect("reports:activity_import", campaign_id=campaign.pk, unit_id=unit.pk)
        taught = _posted_taught(request, campaign)
        parsed = parse_activity_sheet(
            read_upload(stored),
            file_name,
            campaign=campaign,
            unit=unit,
            mapping=_posted_mapping(request),
            taught_forms={t.words: t.form for t in taught if t.form is not None},
            taught_media={t.words: t.medium for t in taught if t.medium is not None},
        )
        if "confirm" in request.POST and parsed.rows and parsed.mapping is not None and not parsed.mapping.missing():
            if f"{len(parsed.rows)}-{len(parsed.matches)}" != request.POST.get("expected", ""):
                # Between the check and the confirmation a month was submitted or locked, the columns
                # changed, or an activity of the same day and form was logged another way.
                messages.error(request, _("The rows to log have changed since the check. Check them again below."))
            else:
                try:
                    done = services.activities_import(
                        actor=user,
                        campaign=campaign,
                        unit=unit,
                        rows=parsed.rows,
                        client_key=request.POST.get("import_key", "")[:64] or uuid.uuid4().hex,
                        digest=parsed.digest,
                        headers=mapping_headers(parsed.mapping),
                        file_name=file_name,
                        also={int(n) for n in request.POST.getlist("also") if is_id(n)},
                        taught=taught,
                    )
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
                else:
                    remove_upload(stored)
                    messages.success(request, _imported_message(done))
                    # The log of the month the sheet's rows fall in (its last, when they span several).
                    shown = f"?month={done.sheet_import.months[-1]}" if done.sheet_import.months else ""
                    return redirect(reverse("reports:activities", args=[campaign.pk, unit.pk]) + shown)
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        file_name = (upload.name or "")[:255]
        upload_id, stored = store_upload("activities", owner, upload)
        parsed = parse_activity_sheet(read_upload(stored), file_name, campaign=campaign, unit=unit)
    context = {
        "form": form,
        "campaign": campaign,
        "unit": unit,
        "parsed": parsed,
        "upload_id": upload_id,
        "file_name": file_name,
        "can_manage": can(user, Perm.MANAGE_CAMPAIGNS, campaign.area),
        **(_import_context(parsed, campaign, taught) if parsed is not None else {}),
    }
    return render(request, "reports/import.html", context)


def _imported_message(done: services.SheetImported) -> str:
    parts = [
        ngettext("%(n)s activity was logged.", "%(n)s activities were logged.", done.created) % {"n": done.created}
    ]
    if done.replaced:
        parts.append(
            ngettext(
                "It replaces %(n)s row of the earlier import.",
                "It replaces %(n)s rows of earlier imports.",
                done.replaced,
            )
            % {"n": done.replaced}
        )
    if done.skipped:
        parts.append(
            ngettext(
                "%(n)s row already logged another way was left out.",
                "%(n)s rows already logged another way were left out.",
                len(done.skipped),
            )
            % {"n": len(done.skipped)}
        )
    return " ".join(parts)


@login_required
def activity_template(request: HttpRequest, campaign_id: int, unit_id: int) -> HttpResponse:
    """An activity sheet to fill in, with the campaign's forms and media as drop-down lists."""
    user = user_of(request)
    campaign = access_campaign(user, campaign_id)
    unit = access_reporting_unit(user, campaign, unit_id, Perm.REPORT)
    response = HttpResponse(
        activity_template_xlsx(campaign, unit),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="nhat-ky-hoat-dong-{campaign.pk}.xlsx"'
    return response
