"""Phone shops (point 3 of the letter): the shops of each commune and their inspections.

The commune tells its shops not to sell phones without 4G; inspections record whether the shop
was told, whether it signed a commitment (a scan, in the private storage as visit photos are), and
each phone without 4G found on sale, as written (a model or an IMEI) with the device check's
verdict kept as it was that day.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from switchoff.devices.verdicts import Verdict


class Shop(models.Model):
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune"))
    village = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    name = models.CharField(_("shop's name"), max_length=200)
    owner_name = models.CharField(_("owner"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    # The operator whose dealer the shop is (None: independent).
    dealer_of = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("dealer of")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["unit", "name"], name="shop_unit_name")]

    def __str__(self) -> str:
        return self.name


def commitment_storage() -> Storage:
    return storages["photos"]  # the private folder of visit photos: served only through a checked view


def commitment_path(inspection: Inspection, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "bin"
    return f"shops/{timezone.now():%Y/%m}/{uuid.uuid4()}.{suffix}"


class Inspection(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="inspections")
    inspected_on = models.DateField(_("inspected on"))
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    informed = models.BooleanField(_("shop informed"), default=False)
    commitment_signed = models.BooleanField(_("commitment signed"), default=False)
    commitment = models.FileField(
        _("commitment (scan)"), storage=commitment_storage, upload_to=commitment_path, max_length=200, blank=True
    )
    found = models.PositiveIntegerField(_("phones without 4G found"), default=0)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    client_key = models.UUIDField(unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-inspected_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.inspected_on}"


class InspectionItem(models.Model):
    """A phone found on sale, as written, with the device check's answer that day."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items")
    written = models.CharField(_("model or IMEI"), max_length=100)
    imei = models.CharField(max_length=15, blank=True)
    device = models.CharField(_("model"), max_length=330, blank=True)
    verdict = models.CharField(_("verdict"), max_length=12, choices=Verdict.choices)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.written
