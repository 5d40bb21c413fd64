"""The registry of 2G-only subscribers, fed by operators' lists.

Each list is a snapshot: the operator's 2G-only subscribers in an area as of a
date. A subscriber on an earlier list of that operator and area but missing
from a newer one has left the list. Every change is kept as an event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from switchoff.devices.classes import DeviceClass
from switchoff.jobs.models import LeasedJob
from switchoff.lib.phones import mask_phone


class SubscriberList(models.Model):
    """One imported list (one file, or rows posted through the API)."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked, waiting for confirmation")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    operator = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("operator"))
    area = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    as_of = models.DateField(_("list as of"))
    file_name = models.CharField(max_length=255, blank=True)
    digest = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CHECKED)
    mapping = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-as_of", "-pk"]

    def __str__(self) -> str:
        return f"{self.operator} {self.as_of:%d/%m/%Y}"


class Household(models.Model):
    """Numbers a person confirmed as one household: same name and address, several SIMs."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class HouseholdDismissal(models.Model):
    """A suggested household a person said is not one (same name and address, different people)."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    search_name = models.CharField(max_length=200)
    address = models.CharField(max_length=300)
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["search_name", "address"], name="household_dismissal_unique")]

    def __str__(self) -> str:
        return f"{self.search_name} / {self.address}"


class Subscriber(models.Model):
    class Status(models.TextChoices):
        LISTED = "listed", _("On the list")
        LEFT = "left", _("Left the list")

    # Indexes and constraints are few on purpose: each is paid for by every row of a
    # million-row import. The unique (msisdn, operator) serves lookups by number;
    # (unit, status, id) serves the unit pages; (operator, list_area, status) serves the
    # next list of that operator and area. The references to units are not checked by the
    # database (PostgreSQL's per-row foreign-key triggers cost more than the insert itself):
    # the importer writes only unit ids it has just read, and units are never deleted
    # (they end with valid_to); Django still refuses to delete a unit they point to (PROTECT).
    operator = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("operator"),
        db_index=False,
        db_constraint=False,
    )
    msisdn = models.CharField(_("number"), max_length=16)  # E.164
    msisdn_original = models.CharField(_("number as written"), max_length=40, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    search_name = models.CharField(max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit"),
        db_index=False,
        db_constraint=False,
    )
    # The area of the list that last named the subscriber: a newer list of the
    # same operator and area decides whether they are still on it.
    list_area = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    imei = models.CharField(_("IMEI"), max_length=15, blank=True)
    device = models.CharField(_("device"), max_length=120, blank=True)
    # The kind of phone the IMEI's TAC names in the device table (devices/registry.py sets it, set-based,
    # after a list or a device table is imported). A database default, because the importer's insert
    # names only the columns a file fills. No index: it narrows a unit's page, which its own index reads.
    device_class = models.PositiveSmallIntegerField(
        _("device class"), choices=DeviceClass.choices, default=DeviceClass.NO_IMEI, db_default=DeviceClass.NO_IMEI
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.LISTED)
    first_seen = models.DateField(_("first listed"))
    last_listed = models.DateField(_("last listed"))
    left_on = models.DateField(_("left the list on"), null=True, blank=True)
    # The list that first named the subscriber (the first line of their history).
    # No constraint or index: lists are never deleted, and each would cost every imported row.
    first_list = models.ForeignKey(
        SubscriberList,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("household"),
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["msisdn", "operator"], name="subscriber_unique_per_operator")]
        indexes = [
            # Partial: imports write no household, so they pay nothing for this index.
            models.Index(
                fields=["household"], condition=models.Q(household__isnull=False), name="subscriber_household"
            ),
            # search_name rides along (PostgreSQL): a name search within a ward reads the index only.
            models.Index(fields=["unit", "status", "id"], include=["search_name"], name="subscriber_unit_page"),
            models.Index(fields=["operator", "list_area", "status"]),
        ]

    def __str__(self) -> str:
        # Also the audit trail's name of the row (revealed, assigned): never the number in clear.
        return self.name or mask_phone(self.msisdn)


class SubscriberEvent(models.Model):
    """A subscriber's history: which lists they were on, every change of status and unit."""

    class Kind(models.TextChoices):
        LISTED = "listed", _("Listed")
        RELISTED = "relisted", _("Listed again")
        LEFT = "left", _("Left the list")
        MOVED = "moved", _("Unit changed")
        ASSIGNED = "assigned", _("Unit assigned by a person")

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="events")
    # The list that brought the change; empty when a person made it (the audit trail says who).
    source = models.ForeignKey(SubscriberList, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    as_of = models.DateField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["as_of", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.as_of}"


class NumberView(models.Model):
    """Every view of a full number and every export: who, when, which rows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    purpose = models.CharField(max_length=20)  # "reveal" or "export"
    subscriber_ids = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.user_id} {self.purpose} {len(self.subscriber_ids)}"


class ImportJob(LeasedJob):
    """An uploaded list in the background worker: checked (``CHECKING`` → ``CHECKED``), then, once the person
    confirms, written (``QUEUED`` → ``RUNNING`` → ``DONE``)."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked, waiting for your confirmation")
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    operator = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField()
    upload_id = models.CharField(max_length=40)
    file_name = models.CharField(max_length=255)
    refuse_errors = models.BooleanField(default=False)
    allow_mass_leave = models.BooleanField(default=False)  # confirmed although many would leave (guards.MassLeave)
    confirm_after_check = models.BooleanField(default=False)  # the API's confirm=true: written once the check passes
    mapping = models.JSONField(default=dict, blank=True)  # field -> column, as the person corrected it
    encoding = models.CharField(max_length=12, blank=True)  # chosen by the person; empty: guessed
    separator = models.CharField(max_length=2, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    message = models.CharField(max_length=300, blank=True)
    result = models.ForeignKey(SubscriberList, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat = models.DateTimeField(null=True, blank=True)
    # What the background check found (``jobs.checked_data``): the summary, the review, the columns, the state
    # the write needs; its cleaned rows, problems and rejected rows are files beside the upload.
    checked = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"


class ExportJob(LeasedJob):
    """A registry export made by a worker (``subscribers/exporting.py``): the unit's subscribers as the person
    filtered them, written to an Excel file in the storage for them to download. Logged (who, which rows) in the
    same transaction that marks it done, so a worker that dies before leaves no log and no job done, and the next
    worker makes it whole."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    # The registry page's query (unit, filters, search) as the person filtered; a searched number is masked once
    # the job ends (the log keeps it masked too).
    query = models.JSONField(default=dict, blank=True)
    full = models.BooleanField(default=False)  # full numbers (who may reveal them in the unit), else masked
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    message = models.CharField(max_length=300, blank=True)  # a code: "too_many", "not_allowed", "worker_lost", …
    rows = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=255)  # the name it is downloaded under
    stored = models.CharField(max_length=255, blank=True)  # its name in the ``uploads`` storage, once made
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"


class RememberedMapping(models.Model):
    """The columns a person chose for an operator's files, by header text, used for the next file."""

    operator = models.OneToOneField("units.Unit", on_delete=models.CASCADE, related_name="+")
    headers = models.JSONField(default=dict)  # field -> folded header text
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.operator_id}: {self.headers}"
