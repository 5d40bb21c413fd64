"""The activity log and the monthly report of each unit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Activity(models.Model):
    """One communication activity a unit carried out (a broadcast, an article, a meeting...)."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="activities")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("reporting unit"))
    date = models.DateField(_("date"), db_index=True)
    form = models.ForeignKey("campaigns.CommunicationForm", on_delete=models.PROTECT, verbose_name=_("form"))
    medium = models.ForeignKey(
        "campaigns.Medium", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("medium")
    )
    count = models.PositiveIntegerField(_("count"))
    people_reached = models.PositiveIntegerField(_("people reached"), null=True, blank=True)
    place = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("place")
    )
    description = models.CharField(_("description"), max_length=500, blank=True)
    evidence_url = models.URLField(_("evidence (link)"), blank=True)
    evidence_file = models.FileField(_("evidence (photo or file)"), upload_to="evidence/%Y/%m/", blank=True)
    # A retried submission carries the same key and finds the first one.
    client_key = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("activity")
        indexes = [models.Index(fields=["campaign", "unit", "date"])]
        constraints = [models.CheckConstraint(condition=Q(count__gte=1), name="activity_count_positive")]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.form} × {self.count}"


class MonthlyReport(models.Model):
    """The report of one unit for one month of a campaign."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        ACCEPTED = "accepted", _("Accepted")

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="reports")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    comment = models.TextField(_("comment"), blank=True)
    other_results = models.TextField(_("other results"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    late = models.BooleanField(_("late"), default=False)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when the coordinator reopened a locked report.
    reopened_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month", "unit__search_name"]
        verbose_name = _("monthly report")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit", "month"], name="report_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "returned"]) | Q(submitted_at__isnull=False),
                name="report_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%m/%Y}"


class ReportLine(models.Model):
    """A total in a report: how many times a form was carried out through a medium."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="lines")
    form = models.ForeignKey("campaigns.CommunicationForm", on_delete=models.PROTECT)
    medium = models.ForeignKey("campaigns.Medium", null=True, blank=True, on_delete=models.PROTECT)
    count = models.PositiveIntegerField(_("count"), default=0)
    # Empty: nobody said how many people were reached ("not reported"), which is not 0.
    people_reached = models.PositiveIntegerField(_("people reached"), null=True, blank=True)
    # False: the line follows the activity log (a draft shows the log's totals
    # and the submission writes them). True: a person typed the figures.
    edited = models.BooleanField(_("edited by hand"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "form", "medium"], name="line_unique"),
            models.UniqueConstraint(
                fields=["report", "form"], condition=Q(medium__isnull=True), name="line_unique_no_medium"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form} / {self.medium or '-'}: {self.count}"


class Reminder(models.Model):
    """A reminder sent, so that the same event never reminds twice."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("Before the deadline")
        MISSING = "missing", _("Missing after the deadline")
        SUMMARY = "summary", _("Summary for the coordinator")
        BY_HAND = "by_hand", _("Sent by the coordinator")

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The day a reminder sent by hand went out: the coordinator may remind a unit again, once a day.
    day = models.DateField(null=True, blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit", "month", "kind"], condition=~Q(kind="by_hand"), name="reminder_once"
            ),
            models.UniqueConstraint(
                fields=["campaign", "unit", "month", "day"], condition=Q(kind="by_hand"), name="reminder_by_hand_daily"
            ),
            models.CheckConstraint(condition=~Q(kind="by_hand") | Q(day__isnull=False), name="reminder_by_hand_day"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.unit_id} {self.month:%m/%Y}"


class Notification(models.Model):
    """A message in the app, shown on the home page until read."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text


class ActivitySheetMapping(models.Model):
    """The columns a unit's people chose for its own activity sheet, by header text, used for the next file."""

    unit = models.OneToOneField("units.Unit", on_delete=models.CASCADE, related_name="+")
    headers = models.JSONField(default=dict)  # field -> folded words of its header
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.headers}"
