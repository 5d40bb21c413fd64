"""Device models by TAC (the first 8 digits of an IMEI) and their radio capabilities, with their history.

No device data is shipped as truth: every row comes from a table an operator or
the ministry handed over (``source``, ``imported_at``, ``imported_by``), or is a
fictitious demo row (``is_demo``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from switchoff.devices.verdicts import Verdict
from switchoff.jobs.models import LeasedJob


class DeviceFields(models.Model):
    """What a device table says about one TAC (shared by the current row and its replaced versions)."""

    tac = models.CharField(_("TAC"), max_length=8)
    brand = models.CharField(_("brand"), max_length=120, blank=True)
    model = models.CharField(_("model"), max_length=200, blank=True)
    # Folded brand and model words, for the public search without diacritics.
    search_name = models.CharField(max_length=330, blank=True)
    # Bits of radio.Radio: GSM=1, UMTS=2, LTE=4, VOLTE=8, NR=16.
    radio = models.IntegerField(_("radio capabilities"), default=0)
    device_type = models.CharField(_("device type"), max_length=60, blank=True)
    # None: the table said nothing of it (a GSMA export has no such column); unknown is not "no".
    certified_2g_only = models.BooleanField(
        _("on the ministry's list of certified 2G-only models"), null=True, blank=True, default=None
    )
    is_demo = models.BooleanField(_("fictitious demo row"), default=False)
    source = models.CharField(_("source file"), max_length=255)
    imported_at = models.DateTimeField(_("imported at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


class DeviceModel(DeviceFields):
    """The current row of a TAC: a newer import replaces it and moves the old one to ``DeviceModelVersion``."""

    class Meta:
        ordering = ["brand", "model"]
        verbose_name = _("device model")
        constraints = [models.UniqueConstraint(fields=["tac"], name="device_tac_unique")]
        indexes = [models.Index(fields=["search_name"], name="device_search")]

    def __str__(self) -> str:
        return f"{self.tac} {self.brand} {self.model}".strip()


class DeviceModelVersion(DeviceFields):
    """A replaced row of a TAC: what it said from ``imported_at`` until ``replaced_at``."""

    replaced_at = models.DateTimeField()

    class Meta:
        ordering = ["tac", "-replaced_at"]
        indexes = [models.Index(fields=["tac", "replaced_at"], name="device_version_tac")]

    def __str__(self) -> str:
        return f"{self.tac} until {self.replaced_at:%Y-%m-%d}"


class VerdictTally(models.Model):
    """How many checks of the public page and the API ended in each verdict, per day: all that is kept of them.

    Not a ``counts.Count`` key: those belong to a unit and ``verify_counts`` rebuilds each from the rows it
    counts, and here there is no unit and, by design, no row to rebuild from.
    """

    day = models.DateField()
    verdict = models.CharField(max_length=12, choices=Verdict.choices)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "verdict"], name="verdict_tally_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.verdict}: {self.count}"


class DeviceImportJob(LeasedJob):
    """A confirmed device table written by a worker: the table's rows, then the registry's subscribers whose TAC
    it added or replaced classified again (``services.devices_import``, millions of rows on a national registry).
    The job is marked done in the same transaction as the write, so a worker that dies before the commit leaves
    nothing written and the next one (``jobs.lease``) writes it whole, and one that dies after leaves it done."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    upload_id = models.CharField(max_length=40)
    file_name = models.CharField(max_length=255)
    columns = models.JSONField(default=dict, blank=True)  # field -> column, as the person corrected them
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    message = models.CharField(max_length=300, blank=True)  # a code: "file_gone", "no_rows", "worker_lost", …
    result = models.JSONField(default=dict, blank=True)  # created, replaced, unchanged, reclassified
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"
