"""Writes of personal-data retention and erasure: the coordinator's period, the daily job, a person's request."""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from switchoff.audit.services import log_action
from switchoff.campaigns.models import Campaign
from switchoff.fieldwork.models import Case
from switchoff.lib.db import long_running
from switchoff.lib.phones import mask_phone, normalize_phone
from switchoff.lib.text import fold
from switchoff.people.models import User
from switchoff.privacy import retention
from switchoff.privacy.erasure import erase_scope
from switchoff.privacy.models import CampaignRetention, Erasure, PersonRequest
from switchoff.privacy.person import held, person_scope
from switchoff.privacy.registry import Scope, chunks
from switchoff.reports.notify import coordinators_of, notify
from switchoff.subscribers.models import NumberView, Subscriber

WARNING = _(
    "The personal data of the campaign %(campaign)s (names, numbers, addresses, visits' notes and photos) will be "
    "erased on %(day)s, %(months)s months after its end. Its figures stay. Download what may be kept before then."
)
WARNING_SUBJECT = _("switchoff: personal data of %(campaign)s erased on %(day)s")


class RetentionError(ValueError):
    pass


@transaction.atomic
def retention_set(*, actor: User, campaign: Campaign, months: int) -> CampaignRetention:
    """The coordinator's period, within ``RETENTION_MONTHS_MIN``–``RETENTION_MONTHS_MAX``; a new date warns again."""
    low, high = settings.RETENTION_MONTHS_MIN, settings.RETENTION_MONTHS_MAX
    if not low <= months <= high:
        raise RetentionError(
            _("Keep personal data between %(low)s and %(high)s months after the campaign's end.")
            % {"low": low, "high": high}
        )
    row, _created = CampaignRetention.objects.select_for_update().get_or_create(campaign=campaign)
    if row.erased_at is not None:
        raise RetentionError(_("This campaign's personal data has already been erased."))
    before = row.months
    row.months, row.set_by, row.set_at = months, actor, timezone.now()
    if before != months:
        row.warned_at = None  # the coordinators hear of the new date
    row.save()
    day = retention.erase_from(campaign).isoformat()
    data = {"months": months, "before": before, "erase_from": day}
    log_action("privacy.retention.set", actor=actor, obj=campaign, unit=campaign.area, data=data)
    return row


@transaction.atomic
def retention_warn(*, campaign: Campaign) -> int:
    """Tell the campaign's coordinators, once, what goes and when; how many were told."""
    row, _created = CampaignRetention.objects.select_for_update().get_or_create(campaign=campaign)
    if row.warned_at is not None or row.erased_at is not None:
        return 0
    day = retention.erase_from(campaign)
    values = {
        "campaign": campaign.name,
        "day": day.strftime("%d/%m/%Y"),
        "months": retention.retention_months(campaign),
    }
    told = notify(
        coordinators_of(campaign),
        WARNING,
        values,
        subject=WARNING_SUBJECT,
        url=reverse("privacy:retention", args=[campaign.pk]),
    )
    row.warned_at = timezone.now()
    row.save(update_fields=["warned_at"])
    log_action(
        "privacy.retention.warned",
        actor=None,
        obj=campaign,
        unit=campaign.area,
        data={"erase_from": day.isoformat(), "told": told},
    )
    return told


def campaign_erase(*, campaign: Campaign, today: datetime.date) -> Erasure:
    """Erase the campaign's personal data (``retention`` says whose), a chunk per transaction, then record it.

    A run stopped half-way is taken up by the next: erased subscribers are left out, erased fields stay erased.
    """
    rows: Counter[str] = Counter()
    files = 0
    subscriber_ids = list(retention.erasable_subscriber_ids(campaign, today))
    case_ids = list(retention.campaign_case_ids(campaign))
    for batch in chunks(case_ids):
        with long_running(), transaction.atomic():
            done, deleted = erase_scope(Scope(case_ids=batch))
            rows.update(done)
            files += deleted
    for batch in chunks(subscriber_ids):
        with long_running(), transaction.atomic():
            done, deleted = erase_scope(Scope(subscriber_ids=batch))
            rows.update(done)
            files += deleted
    with transaction.atomic():
        row, _created = CampaignRetention.objects.select_for_update().get_or_create(campaign=campaign)
        row.erased_at = timezone.now()
        row.save(update_fields=["erased_at"])
        erasure = Erasure.objects.create(
            rule=Erasure.Rule.CAMPAIGN_RETENTION, campaign=campaign, rows=dict(rows), files=files
        )
        log_action(
            "privacy.campaign.erased",
            actor=None,
            obj=campaign,
            unit=campaign.area,
            data={"rows": sum(rows.values()), "files": files, "rule": erasure.rule},
        )
    return erasure


def retention_run(*, today: datetime.date | None = None) -> list[Erasure]:
    """The daily job: warn the coordinators of campaigns whose data goes soon, erase those past their period."""
    today = today or timezone.localdate()
    erased: list[Erasure] = []
    for campaign in Campaign.objects.filter(end_date__lt=today).order_by("end_date", "pk"):
        if retention.is_erased(campaign):
            continue
        if today >= retention.erase_from(campaign):
            erased.append(campaign_erase(campaign=campaign, today=today))
        elif today >= retention.warn_from(campaign):
            retention_warn(campaign=campaign)
    return erased


def number_digest(e164: str) -> str:
    """A keyed digest of a number: the same number gives the same digest, the digest never gives the number."""
    return hmac.new(settings.SECRET_KEY.encode(), f"person-request:{e164}".encode(), hashlib.sha256).hexdigest()


class RequestError(ValueError):
    pass


@transaction.atomic
def person_lookup(*, actor: User, number: str, reference: str) -> PersonRequest:
    """An official looks a number up for the person's request: logged like a reveal (who, when, whom it found).

    The request keeps the number as a keyed digest only, and whom it found as ids.
    """
    e164 = normalize_phone(number)
    if e164 is None:
        raise RequestError(_("“%(value)s” is not a Vietnamese phone number.") % {"value": number[:40]})
    scope = person_scope(actor, e164)
    request = PersonRequest.objects.create(
        by=actor,
        reference=reference.strip()[:100],
        number_digest=number_digest(e164),
        subscriber_ids=sorted(scope.subscriber_ids),
        case_ids=sorted(scope.case_ids),
    )
    NumberView.objects.create(user=actor, purpose="request", subscriber_ids=sorted(scope.subscriber_ids))
    records = sum(len(kind.rows) for kind in held(scope))
    log_action(
        "privacy.person.looked_up",
        actor=actor,
        obj=request,
        data={"number": mask_phone(e164), "records": records, "request": request.pk},
    )
    return request


def request_scope(request: PersonRequest) -> Scope:
    return Scope(subscriber_ids=frozenset(request.subscriber_ids), case_ids=frozenset(request.case_ids))


@transaction.atomic
def person_file_record(*, actor: User, request: PersonRequest, records: int) -> None:
    """The file of what is held, downloaded: a disclosure like an export (the one write of its GET)."""
    NumberView.objects.create(user=actor, purpose="request", subscriber_ids=list(request.subscriber_ids))
    log_action("privacy.person.exported", actor=actor, obj=request, data={"records": records, "request": request.pk})


# What an official may correct: (model label, field) -> the kind's rows in the request.
CORRECTABLE = {
    "name": ("subscribers.subscriber", "name"),
    "address": ("subscribers.subscriber", "address"),
    "found_name": ("fieldwork.case", "found_name"),
    "found_address": ("fieldwork.case", "found_address"),
}


@transaction.atomic
def person_correct(*, actor: User, request: PersonRequest, field: str, value: str, reason: str) -> int:
    """Correct one field of the person's records (every row of theirs that holds it), with a reason; rows changed."""
    if field not in CORRECTABLE:
        raise RequestError(_("This field cannot be corrected here."))
    if not reason.strip():
        raise RequestError(_("Say why (the person's request)."))
    if request.closed_at is not None:
        raise RequestError(_("This request was closed by an erasure."))
    scope = request_scope(request)
    label, name = CORRECTABLE[field]
    if label == "subscribers.subscriber":
        changes: dict[str, str] = {name: value.strip()[:200]}
        if name == "name":
            changes["search_name"] = fold(value.strip())[:200]
        changed = Subscriber.objects.filter(pk__in=scope.subscriber_ids).update(**changes)
    else:
        changed = Case.objects.filter(pk__in=scope.case_ids, found_in_field=True).update(**{name: value.strip()[:200]})
    PersonRequest.objects.create(
        kind=PersonRequest.Kind.CORRECTION,
        by=actor,
        reference=request.reference,
        number_digest=request.number_digest,
        subscriber_ids=request.subscriber_ids,
        case_ids=request.case_ids,
        reason=reason.strip()[:300],
        answer={"field": field, "rows": changed, "request": request.pk},
        closed_at=timezone.now(),
    )
    # The value itself stays out of the trail: the record is which field, how many rows, why.
    log_action(
        "privacy.person.corrected",
        actor=actor,
        obj=request,
        data={"field": field, "rows": changed, "reason": reason.strip()[:300]},
    )
    return changed


@transaction.atomic
def person_erase(*, actor: User, request: PersonRequest, reason: str) -> Erasure:
    """Erase everything held about the person in every table (the figures stay), with a reason; the request is
    closed, keeping the keyed digest of the number, the reference, who answered and when."""
    if not reason.strip():
        raise RequestError(_("Say why (the person's request)."))
    locked = PersonRequest.objects.select_for_update().get(pk=request.pk)
    if locked.erasure is not None:
        return locked.erasure  # a retried request erases nothing twice
    rows, files = erase_scope(request_scope(locked))
    erasure = Erasure.objects.create(rule=Erasure.Rule.PERSON_REQUEST, rows=dict(rows), files=files)
    locked.kind, locked.erasure, locked.closed_at = PersonRequest.Kind.ERASURE, erasure, timezone.now()
    locked.reason = reason.strip()[:300]
    locked.answer = {**locked.answer, "rows": sum(rows.values()), "files": files}
    locked.save(update_fields=["kind", "erasure", "closed_at", "reason", "answer"])
    log_action(
        "privacy.person.erased",
        actor=actor,
        obj=locked,
        data={"rows": sum(rows.values()), "files": files, "rule": erasure.rule},
    )
    return erasure
