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
from switchoff.lib.db import long_running
from switchoff.people.models import User
from switchoff.privacy import retention
from switchoff.privacy.erasure import erase_scope
from switchoff.privacy.models import CampaignRetention, Erasure
from switchoff.privacy.registry import Scope, chunks
from switchoff.reports.notify import coordinators_of, notify

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
    told = notify(coordinators_of(campaign), WARNING, values, subject=WARNING_SUBJECT,
                  url=reverse("privacy:retention", args=[campaign.pk]))  # fmt: skip
    row.warned_at = timezone.now()
    row.save(update_fields=["warned_at"])
    log_action("privacy.retention.warned", actor=None, obj=campaign, unit=campaign.area,
               data={"erase_from": day.isoformat(), "told": told})  # fmt: skip
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
        log_action("privacy.campaign.erased", actor=None, obj=campaign, unit=campaign.area,
                   data={"rows": sum(rows.values()), "files": files, "rule": erasure.rule})  # fmt: skip
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
