"""A switch-off campaign: its dates, its reporting rule, who reports, and its catalogue of communication forms."""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.db import models
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from switchoff.campaigns.catalogue import COUNTED_BY_SYSTEM
from switchoff.lib.months import add_months, first_of_month, last_of_month


def in_language(name: str, name_en: str) -> str:
    """The English name when the page is in English and one was given; the Vietnamese name otherwise."""
    language = get_language() or ""
    return name_en if name_en and language.startswith("en") else name


class Campaign(models.Model):
    class Technology(models.TextChoices):
        G2 = "2G", "2G"
        G3 = "3G", "3G"

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    technology = models.CharField(_("technology switched off"), max_length=5, choices=Technology.choices, default="2G")
    area = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    coordinating_unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("coordinating unit")
    )
    # Names change (the Department of Information and Communications was
    # merged into Science and Technology in 2025): the recipient is text, with
    # a unit when one exists in the system.
    recipient_name = models.CharField(_("recipient of the aggregated report"), max_length=200)
    recipient_unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recipient unit"),
    )
    issuing_body = models.CharField(
        _("issuing body (document header)"), max_length=200, help_text=_("Several lines allowed, separated by |")
    )
    document_symbol = models.CharField(_("document symbol"), max_length=40, default="BC-VHTT")
    place_name = models.CharField(_("place name for the date line"), max_length=80)
    signer_title = models.CharField(_("signer's position"), max_length=120, blank=True)
    signer_name = models.CharField(_("signer's name"), max_length=120, blank=True)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    cutoff_date = models.DateField(_("switch-off date"))
    # When 3G stops, if known: the device check tells a 3G phone how long it has (None: not announced).
    g3_stop_date = models.DateField(_("3G switch-off date (if announced)"), null=True, blank=True)
    # Shown by the public device check: where people get help (hotlines, shops, the ward's team).
    support_contacts = models.TextField(_("support contacts for the public device check"), blank=True)
    due_day = models.PositiveSmallIntegerField(_("reports due before day"), default=10)
    # False: "before 00:00 on day N" (the letter's "trước ngày 10").
    # True: "by the end of day N".
    deadline_inclusive = models.BooleanField(_("the due day itself is still on time"), default=False)
    lock_days = models.PositiveSmallIntegerField(_("days after the deadline a report can still be changed"), default=5)
    # A month's report tells what was done in the whole month: it is sent from
    # its last day (empty), or from an earlier day the campaign chooses.
    submission_from_day = models.PositiveSmallIntegerField(
        _("reports can be submitted from day (empty: the month's last day)"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "name"]
        verbose_name = _("campaign")
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="campaign_dates"),
            models.CheckConstraint(condition=models.Q(due_day__gte=1, due_day__lte=28), name="campaign_due_day"),
            models.CheckConstraint(
                condition=models.Q(submission_from_day__isnull=True)
                | models.Q(submission_from_day__gte=1, submission_from_day__lte=31),
                name="campaign_submission_from_day",
            ),
        ]

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        return in_language(self.name, self.name_en)

    def months(self) -> list[datetime.date]:
        """The first day of every month the campaign runs."""
        month, last = first_of_month(self.start_date), first_of_month(self.end_date)
        result = []
        while month <= last:
            result.append(month)
            month = add_months(month, 1)
        return result

    def deadline(self, month: datetime.date) -> datetime.datetime:
        """The first instant that is late for the report of ``month``, in Asia/Ho_Chi_Minh.

        The report for July is due "before the 10th" of August: 00:00 on 10/08
        is late. With the inclusive reading, 00:00 on 11/08 is.
        """
        due = add_months(first_of_month(month), 1).replace(day=self.due_day)
        if self.deadline_inclusive:
            due += datetime.timedelta(days=1)
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        return datetime.datetime.combine(due, datetime.time.min, tzinfo=zone)

    def submission_opens(self, month: datetime.date) -> datetime.datetime:
        """The first instant the report of ``month`` can be submitted, in Asia/Ho_Chi_Minh.

        Day N of a shorter month is its last day (31 in February is the 28th or 29th).
        """
        last = last_of_month(month)
        day = last if self.submission_from_day is None else last.replace(day=min(self.submission_from_day, last.day))
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)

    def lock_time(self, month: datetime.date) -> datetime.datetime:
        """After this, only the coordinator can reopen the report."""
        return self.deadline(month) + datetime.timedelta(days=self.lock_days)

    def deadline_text(self, month: datetime.date) -> str:
        last_on_time = self.deadline(month) - datetime.timedelta(seconds=1)
        return gettext("Due before 00:00 on %(day)s (Asia/Ho_Chi_Minh): submitted up to %(last)s is on time.") % {
            "day": self.deadline(month).strftime("%d/%m/%Y"),
            "last": last_on_time.strftime("%H:%M:%S %d/%m/%Y"),
        }


class ReportingAssignment(models.Model):
    """A unit that must report monthly for a campaign (DHIS2's data-set assignment)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "unit"], name="assignment_unique")]

    def __str__(self) -> str:
        return f"{self.campaign} — {self.unit}"


class Medium(models.Model):
    """A medium of communication: the loudspeaker system, a website, Zalo..."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="media")
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="medium_unique")]

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        return in_language(self.name, self.name_en)


class CommunicationForm(models.Model):
    """A form of communication with the unit its count is in (lượt phát, bài, tin nhắn...)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="forms")
    code = models.SlugField(max_length=40)
    name = models.CharField(_("name"), max_length=160)
    name_en = models.CharField(_("name in English"), max_length=160, blank=True)
    count_unit = models.CharField(_("unit of count"), max_length=40)
    count_unit_en = models.CharField(_("unit of count in English"), max_length=40, blank=True)
    # English says "1 session" but "2 sessions": the singular, where it differs from the plural.
    count_unit_en_one = models.CharField(_("unit of count in English, for one"), max_length=40, blank=True)
    media = models.ManyToManyField(Medium, blank=True, related_name="forms", verbose_name=_("media"))
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="form_code_unique")]

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        return in_language(self.name, self.name_en)

    @property
    def shown_count_unit(self) -> str:
        return in_language(self.count_unit, self.count_unit_en)

    @property
    def counted_by_system(self) -> bool:
        """Whether the system counts this form from its own records (deliveries, inspections, banners): never typed."""
        return self.code in COUNTED_BY_SYSTEM

    def count_unit_for(self, count: int | None) -> str:
        """The unit of count to write after ``count``: "1 session", "2 sessions"; Vietnamese has one form."""
        if count == 1 and self.count_unit_en_one:
            return in_language(self.count_unit, self.count_unit_en_one)
        return self.shown_count_unit


class CatalogueSynonym(models.Model):
    """Another name a unit writes for a form or a medium of the catalogue ("Phát thanh loa").

    Matched on folded words (``header_words``): "PHÁT THANH LOA" and "phat thanh - loa" are the same.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="synonyms")
    text = models.CharField(_("name as written"), max_length=160)
    words = models.CharField(max_length=160)
    form = models.ForeignKey(
        CommunicationForm, null=True, blank=True, on_delete=models.CASCADE, related_name="synonyms"
    )
    medium = models.ForeignKey(Medium, null=True, blank=True, on_delete=models.CASCADE, related_name="synonyms")

    class Meta:
        ordering = ["words", "pk"]
        verbose_name = _("synonym")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(form__isnull=False, medium__isnull=True)
                | models.Q(form__isnull=True, medium__isnull=False),
                name="synonym_one_target",
            ),
            models.UniqueConstraint(
                fields=["campaign", "words"], condition=models.Q(form__isnull=False), name="synonym_form_unique"
            ),
            models.UniqueConstraint(
                fields=["campaign", "words"], condition=models.Q(medium__isnull=False), name="synonym_medium_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.text} → {self.form or self.medium}"


class SynonymProposal(models.Model):
    """A unit's own wording for a form or a medium, taught at its sheet's check, proposed to the coordinator.

    The unit's next files read it at once (``reports.ActivitySheetMapping``); the coordinator makes it a
    name of the whole campaign (a ``CatalogueSynonym``) or dismisses it.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="synonym_proposals")
    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("name as written"), max_length=160)
    words = models.CharField(max_length=160)
    form = models.ForeignKey(CommunicationForm, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    medium = models.ForeignKey(Medium, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["proposed_at", "pk"]
        verbose_name = _("proposed other name")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(form__isnull=False, medium__isnull=True)
                | models.Q(form__isnull=True, medium__isnull=False),
                name="proposal_one_target",
            ),
            models.UniqueConstraint(fields=["campaign", "unit", "words"], name="proposal_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.text} → {self.form or self.medium}"
