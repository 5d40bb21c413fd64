"""Banners and posters hung for the campaign (the letter, point 2: "treo băng rôn, phướn, banner đến ngày 16/9")."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from switchoff.lib.storage import NamedStorage

EXPIRING_DAYS = 7  # a placement whose last day is this close is listed as expiring


BANNERS = NamedStorage("banners")  # settings.STORAGES: a private folder or the bucket's "banners/", no URL


def banner_storage() -> Storage:
    return BANNERS  # type: ignore[return-value]  # a lazy Storage


def banner_photo_path(placement: Placement, _filename: str) -> str:
    return f"{placement.created_at:%Y/%m}/{placement.pk}.jpg"


class Placement(models.Model):
    """Pieces of one kind hung at one place from one day, until a day or, by default, the campaign's cut-off.

    Its id comes from the phone or the page's form, so a retried sync or a form sent twice never
    makes a second one. ``until`` empty means "until the switch-off": the campaign's cut-off read
    at every use, so a cut-off moved moves every placement that kept the default.
    """

    class Kind(models.TextChoices):
        CLOTH_BANNER = "bang_ron", _("Cloth banner (băng rôn)")
        STREAMER = "phuon", _("Streamer (phướn)")
        BANNER = "banner", _("Vinyl banner")
        BILLBOARD = "pano", _("Billboard (pano)")
        POSTER = "ap_phich", _("Poster (áp phích)")

    id = models.UUIDField(primary_key=True, editable=False)
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    # Who hung it: a unit (a commune's committee, a team) or an operator's branch.
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("hung by"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    quantity = models.PositiveIntegerField(_("how many"))
    place = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("place"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    start = models.DateField(_("hung on"))
    until = models.DateField(_("until"), null=True, blank=True)
    photo = models.FileField(storage=banner_storage, upload_to=banner_photo_path, max_length=200, blank=True)
    photo_digest = models.CharField(max_length=64, blank=True)
    # The activity of the unit's log that counts it into the monthly report (form "banner"); empty when no
    # unit reports for the place it was hung by.
    activity = models.OneToOneField(
        "reports.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="placement"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    taken_down_on = models.DateField(_("taken down on"), null=True, blank=True)
    taken_down_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-start", "pk"]
        indexes = [models.Index(fields=["campaign", "taken_down_on"], name="placement_up")]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="placement_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(until__isnull=True) | models.Q(until__gte=models.F("start")),
                name="placement_until_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.get_kind_display()} — {self.place}"

    @property
    def last_day(self) -> datetime.date:
        """The last day it may hang: its own ``until``, else the campaign's cut-off (read now, so it follows a move)."""
        return self.until or self.campaign.cutoff_date

    def state(self, today: datetime.date) -> str:
        """``down``, ``expired`` (past its last day, still hanging), ``expiring`` (within 7 days) or ``up``."""
        if self.taken_down_on is not None:
            return "down"
        if self.last_day < today:
            return "expired"
        if self.last_day <= today + datetime.timedelta(days=EXPIRING_DAYS):
            return "expiring"
        return "up"
