"""Retention per campaign, the record of every erasure (never whose data), and people's requests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CampaignRetention(models.Model):
    """How long a campaign keeps personal data after its end, and where its erasure stands.

    A campaign without a row keeps it ``RETENTION_MONTHS_DEFAULT`` months; the daily job adds the row when it
    warns the coordinator or erases.
    """

    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.CASCADE, primary_key=True, related_name="retention"
    )
    months = models.PositiveSmallIntegerField(_("months personal data is kept after the campaign's end"), null=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.months}"


class Erasure(models.Model):
    """One erasure: when, by which rule, how many rows of which kind and how many files. Never whose."""

    class Rule(models.TextChoices):
        CAMPAIGN_RETENTION = "campaign_retention", _("The campaign's retention period ended")
        PERSON_REQUEST = "person_request", _("A person asked for their data to be erased")

    at = models.DateTimeField(auto_now_add=True)
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices)
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rows = models.JSONField(default=dict)  # model label -> rows erased
    files = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.rule}"

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


class PersonRequest(models.Model):
    """A person's request about their data, answered by an official: what was asked, by which reference, what was
    done. The number is kept only as a keyed digest (``privacy.services.number_digest``): enough to show that the
    same number asked before, never the number; the people found are ids, which say nothing once erased."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("What is held (a file of every record)")
        CORRECTION = "correction", _("Correction")
        ERASURE = "erasure", _("Erasure")

    kind = models.CharField(_("request"), max_length=12, choices=Kind.choices, default=Kind.ACCESS)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("request reference (letter, form or ticket number)"), max_length=100, blank=True)
    number_digest = models.CharField(max_length=64, db_index=True)
    subscriber_ids = models.JSONField(default=list)
    case_ids = models.JSONField(default=list)
    # The phone shops whose owner's phone is the number.
    shop_ids = models.JSONField(default=list)
    # What was done, as plain data: rows per kind in the file, the field corrected, the erasure.
    answer = models.JSONField(default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    erasure = models.ForeignKey(Erasure, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk}"


class DisclosureMonth(models.Model):
    """What remains of the disclosure log (``NumberView``) after ``NUMBER_VIEW_KEEP_MONTHS``: per person, month and
    kind of look, how many looks and how many people they named. Who looked at whom goes; how much each looked stays.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    purpose = models.CharField(max_length=20)
    views = models.PositiveIntegerField(default=0)
    people = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "month", "purpose"], name="disclosure_month_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.month:%Y-%m} {self.purpose}: {self.views}"
