"""Writes of personal-data retention and erasure: the coordinator's period, the daily job, a person's request."""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections import Counter
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from switchoff.audit.models import AuditEvent
from switchoff.audit.services import log_action
from switchoff.campaigns.models import Campaign
from switchoff.fieldwork.models import Case
from switchoff.lib.db import long_running
from switchoff.lib.months import add_months
from switchoff.lib.phones import mask_phone, normalize_phone
from switchoff.lib.text import fold
from switchoff.people.models import User
from switchoff.privacy import retention
from switchoff.privacy.erasure import erase_scope
from switchoff.privacy.models import CampaignRetention, DisclosureMonth, Erasure, PersonRequest
from switchoff.privacy.person import Candidate, candidates, candidates_by_pick, held, person_scope
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


def campaign_erase(*, campaign: Campaign, today: datetime.date, chunk_size: int = 2000) -> Erasure:
    """Erase the campaign's personal data (``retention`` says whose), a chunk per transaction, then record it.

    A run stopped half-way is taken up by the next: erased subscribers are left out, erased fields stay erased.
    """
    rows: Counter[str] = Counter()
    files = 0
    subscriber_ids = list(retention.erasable_subscriber_ids(campaign, today))
    case_ids = list(retention.campaign_case_ids(campaign))
    shop_ids = list(retention.erasable_shop_ids(campaign, today))

    def scopes() -> Iterator[Scope]:
        yield from (Scope(case_ids=batch) for batch in chunks(case_ids, chunk_size))
        yield from (Scope(subscriber_ids=batch) for batch in chunks(subscriber_ids, chunk_size))
        yield from (Scope(shop_ids=batch) for batch in chunks(shop_ids, chunk_size))
        # Found once the subscribers' own are erased: an entry matched to one of them is not counted twice.
        category_ids = list(retention.erasable_category_ids(campaign, today))
        yield from (Scope(category_ids=batch) for batch in chunks(category_ids, chunk_size))
        # The files of the campaign's own rows: its activities' evidence, its banners' photos.
        yield Scope(campaign_ids=frozenset({campaign.pk}))

    for scope in scopes():
        with long_running(), transaction.atomic():
            done, deleted = erase_scope(scope)
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
def person_candidates(*, actor: User, name: str) -> list[Candidate]:
    """The people of the official's area with this name (written with or without diacritics), for the official to
    pick the one who asks; logged like a search (who searched, whom it showed)."""
    found = candidates(actor, name)
    NumberView.objects.create(user=actor, purpose="request", subscriber_ids=[c.pk for c in found if c.kind == "s"])
    log_action("privacy.person.looked_up", actor=actor, data={"number": "", "records": len(found), "by_name": True})
    return found


def _picked_number(actor: User, pick: str) -> str:
    """The number of the person the official picked among the candidates (checked to be in their area)."""
    numbers = candidates_by_pick(actor, pick)
    if not numbers:
        raise RequestError(_("This person is not in your area."))
    return numbers[0]


@transaction.atomic
def person_lookup(*, actor: User, number: str, reference: str, pick: str = "") -> PersonRequest:
    """An official looks a number up for the person's request (or picks them among the people of a name): logged
    like a reveal (who, when, whom it found).

    The request keeps the number as a keyed digest only, and whom it found as ids.
    """
    e164 = _picked_number(actor, pick) if pick else normalize_phone(number)
    if e164 is None:
        raise RequestError(_("“%(value)s” is not a Vietnamese phone number.") % {"value": number[:40]})
    scope = person_scope(actor, e164)
    request = PersonRequest.objects.create(
        by=actor,
        reference=reference.strip()[:100],
        number_digest=number_digest(e164),
        subscriber_ids=sorted(scope.subscriber_ids),
        case_ids=sorted(scope.case_ids),
        shop_ids=sorted(scope.shop_ids),
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
    return Scope(
        subscriber_ids=frozenset(request.subscriber_ids),
        case_ids=frozenset(request.case_ids),
        shop_ids=frozenset(request.shop_ids),
    )


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
        shop_ids=request.shop_ids,
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


def disclosure_log_roll_up(*, today: datetime.date | None = None, batch: int = 5000) -> tuple[int, int]:
    """Roll the disclosure log (``NumberView``) older than ``NUMBER_VIEW_KEEP_MONTHS`` up into ``DisclosureMonth``
    (per person, month, kind: looks and people named) and delete it; delete audit rows older than
    ``AUDIT_KEEP_MONTHS``. Batches of ``batch`` rows, each its own transaction. Returns (views rolled up, audit rows
    deleted)."""
    today = today or timezone.localdate()
    zone = timezone.get_current_timezone()
    views_before = datetime.datetime.combine(
        add_months(today.replace(day=1), -settings.NUMBER_VIEW_KEEP_MONTHS), datetime.time.min, tzinfo=zone
    )
    audit_before = datetime.datetime.combine(
        add_months(today.replace(day=1), -settings.AUDIT_KEEP_MONTHS), datetime.time.min, tzinfo=zone
    )
    rolled = 0
    while True:
        with transaction.atomic():
            old = list(
                NumberView.objects.select_for_update(skip_locked=True)
                .filter(at__lt=views_before)
                .order_by("pk")
                .values_list("pk", "user_id", "at", "purpose", "subscriber_ids")[:batch]
            )
            if not old:
                break
            sums: dict[tuple[int, datetime.date, str], list[int]] = {}
            for _pk, user_id, at, purpose, ids in old:
                key = (user_id, timezone.localtime(at, zone).date().replace(day=1), purpose)
                total = sums.setdefault(key, [0, 0])
                total[0] += 1
                total[1] += len(ids)
            for (user_id, month, purpose), (views, people) in sums.items():
                row, _created = DisclosureMonth.objects.select_for_update().get_or_create(
                    user_id=user_id, month=month, purpose=purpose
                )
                row.views += views
                row.people += people
                row.save(update_fields=["views", "people"])
            NumberView.objects.filter(pk__in=[row[0] for row in old]).delete()
            rolled += len(old)
    deleted = 0
    while True:
        with transaction.atomic():
            pks = list(
                AuditEvent.objects.filter(at__lt=audit_before).order_by("pk").values_list("pk", flat=True)[:batch]
            )
            if not pks:
                break
            deleted += AuditEvent.objects.filter(pk__in=pks).delete()[0]
    return rolled, deleted
