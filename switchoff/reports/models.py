"""The activity log and the monthly report of each unit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Activity(models.Model):
    """One communication activity a unit carried out (a broadcast, an article, a meeting...).

    Its identity is the unit, the campaign, the day, the form, the medium and the reporter's own
    reference where a sheet gives one (``identity``): the same activity arriving through the form,
    the grid and a sheet is recognised by it. ``source`` says which way it came.
    """

    class Source(models.TextChoices):
        FORM = "form", _("logged one by one")
        GRID = "grid", _("the grid")
        SHEET = "sheet", _("an imported sheet")
        API = "api", _("the API")

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
    # The version of the library's material it used ("read script v3 on the loudspeakers").
    material = models.ForeignKey(
        "library.MaterialVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("material used"),
    )
    # A retried submission carries the same key and finds the first one.
    client_key = models.CharField(max_length=64, unique=True)
    source = models.CharField(_("logged through"), max_length=8, choices=Source.choices, default=Source.FORM)
    # The import that brought it: a later import of the same unit and month replaces its rows.
    sheet_import = models.ForeignKey(
        "ActivityImport", null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    # The reporter's own reference for the activity, where their sheet has a column for it.
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("activity")
        indexes = [models.Index(fields=["campaign", "unit", "date"])]
        constraints = [models.CheckConstraint(condition=Q(count__gte=1), name="activity_count_positive")]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.form} × {self.count}"

    @property
    def identity(self) -> tuple[object, ...]:
        return activity_identity(
            campaign_id=self.campaign_id,
            unit_id=self.unit_id,
            day=self.date,
            form_id=self.form_id,
            medium_id=self.medium_id,
            reference=self.reference,
        )


def activity_identity(
    *,
    campaign_id: int,
    unit_id: int,
    day: object,
    form_id: int,
    medium_id: int | None,
    reference: str = "",
) -> tuple[object, ...]:
    """What makes two logged activities the same one, however each arrived (form, grid, sheet, API)."""
    return (campaign_id, unit_id, day, form_id, medium_id, " ".join(reference.split()).casefold())


class ActivityImport(models.Model):
    """One confirmed import of a unit's own activity sheet: the rows it logged are its activities.

    Importing the unit's sheet again (corrected or not) replaces what earlier imports logged in the
    months the new sheet covers, so figures never double; the earlier import stays as a record.
    """

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    digest = models.CharField(max_length=64, blank=True)
    # The check's key: a retried confirmation finds the import it already made.
    client_key = models.CharField(max_length=64, unique=True)
    months = models.JSONField(default=list)  # "YYYY-MM" of the months its rows fall in
    rows = models.PositiveIntegerField(default=0)
    replaced = models.PositiveIntegerField(default=0)  # earlier imports' rows it replaced
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = _("activity sheet import")

    def __str__(self) -> str:
        return f"{self.unit_id} {self.file_name} {self.imported_at:%d/%m/%Y}"


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
    # The unit said it carried out no activity this month: an empty report is a statement, not an accident.
    no_activity = models.BooleanField(_("no activity this month"), default=False)
    # Why the coordinator submitted it on the unit's behalf (empty: the unit submitted it).
    on_behalf_reason = models.TextField(_("reason for submitting on the unit's behalf"), blank=True)
    # The unit asked the coordinator to return its submitted report, and why.
    return_requested_at = models.DateTimeField(null=True, blank=True)
    return_request_reason = models.TextField(_("reason for asking to have it returned"), blank=True)
    return_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month", "pk"]
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
    # How much of ``count`` the people reached speak for: 85 people for 3 meetings of which only one
    # said how many came covers 1, and reads as partial. A figure typed for the line covers it all.
    people_covers = models.PositiveIntegerField(default=0)
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

    @property
    def covers(self) -> int:
        return self.people_covers

    @property
    def people_partial(self) -> bool:
        """People reached were given for a part of the count only: shown as such, never as the whole."""
        return self.people_reached is not None and self.people_covers < self.count


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
    """What a unit's people taught the import of their own sheet, used for the next file: the columns
    they chose (by header text) and the forms and media their own wordings mean."""

    unit = models.OneToOneField("units.Unit", on_delete=models.CASCADE, related_name="+")
    headers = models.JSONField(default=dict)  # field -> folded words of its header
    # The unit's own wordings its people mapped at the check: folded words -> form id / medium id.
    forms = models.JSONField(default=dict)
    media = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.headers}"
