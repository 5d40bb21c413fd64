"""Door-to-door work: a case per listed subscriber in a campaign, the visits to it, the phones that send them.

A campaign's cases are made set-based from the registry (``cases.py``): one row per
listed subscriber of the campaign's area, written by one INSERT … SELECT after an
operator's list, so that a national list of millions pays one statement, not a
loop. A case lives where its subscriber lives (``unit``: a village, or the list's
commune while the address is not placed), belongs to the team covering that village
and optionally to one member. Its status follows from its visits and the next lists
by the rules of ``rules.py``, and nowhere else.

References carry no database constraint where every imported row would pay for
its trigger (see ``subscribers.models.Subscriber``); Django still protects them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from switchoff.fieldwork import limits
from switchoff.fieldwork.rules import Outcome, Stage, Status
from switchoff.lib.phones import mask_phone
from switchoff.lib.storage import NamedStorage
from switchoff.lib.text import fold


class Case(models.Model):
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    # Empty for a person found in the field (on no list): then the case holds their name, number, address.
    subscriber = models.ForeignKey(
        "subscribers.Subscriber",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_constraint=False,
        db_index=False,
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    team = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name=_("team"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name=_("member"),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    stage = models.PositiveSmallIntegerField(choices=Stage.choices, default=Stage.LISTED)
    follow_up_on = models.DateField(_("visit again on"), null=True, blank=True)
    not_home = models.PositiveSmallIntegerField(default=0)
    last_visit_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    switched_on = models.DateField(null=True, blank=True)
    # Set when a visit arrives made on an older version of the case (reassigned, or another
    # member's visit meanwhile): both are kept, the team leader resolves.
    conflict = models.BooleanField(_("in conflict"), default=False)
    # Every change adds one: a phone sends the version it saw with each visit.
    version = models.PositiveIntegerField(default=1)
    # The version of the last change that was not a visit (assignment, a list): a visit made before it is in conflict.
    assigned_version = models.PositiveIntegerField(default=1)
    changed_at = models.DateTimeField(default=timezone.now)
    found_in_field = models.BooleanField(_("found in the field"), default=False)
    found_name = models.CharField(max_length=limits.FOUND_NAME_MAX, blank=True)
    found_msisdn = models.CharField(max_length=16, blank=True)
    found_address = models.CharField(max_length=limits.FOUND_ADDRESS_MAX, blank=True)
    # Indexed only where set (``case_found_by``): a handful of cases, where an index of every case's empty value
    # took an entry for each case written or moved.
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "campaign"], condition=Q(subscriber__isnull=False), name="case_one_per_subscriber"
            ),
            models.CheckConstraint(
                condition=Q(subscriber__isnull=False) | Q(found_in_field=True), name="case_listed_or_found"
            ),
        ]
        indexes = [
            # A team's cases and the field app's "changed since" (members' phones ask often).
            models.Index(fields=["team", "changed_at"], name="case_team_changed"),
            # A unit's cases (pages, reassignments by village) and the cases without a team.
            models.Index(fields=["unit", "team"], name="case_unit_team"),
            models.Index(fields=["member"], condition=Q(member__isnull=False), name="case_member"),
            models.Index(fields=["found_by"], condition=Q(found_by__isnull=False), name="case_found_by"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def name(self) -> str:
        return self.found_name if self.subscriber is None else self.subscriber.name

    @property
    def msisdn(self) -> str:
        return self.found_msisdn if self.subscriber is None else self.subscriber.msisdn

    @property
    def address(self) -> str:
        return self.found_address if self.subscriber is None else self.subscriber.address

    @property
    def number_masked(self) -> str:
        return mask_phone(self.msisdn) if self.msisdn else ""

    @property
    def address_line(self) -> str:
        """Where to knock: the address as written, and the village's name only where the address does not name it
        already ("Khối 3, P. Chi Lăng" under the village Khối 3 reads once, not "Khối 3, P. Chi Lăng · Khối 3")."""
        village = self.unit.name if self.unit_id else ""
        address = self.address.strip()
        if not address:
            return village
        if not village or fold(village) in fold(address):
            return address
        return f"{address} · {village}"


class Visit(models.Model):
    """One visit to one case, made on a phone (its id comes from there) or on a page."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed by ``visit_case`` (case, time), which serves the lookups by case alone too.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="visits", db_index=False)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Where the case was and whose it was when the visit was made: the visit counts there for good.
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    team = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # Indexed only where set (``visit_device``): visits made on a page or by a delivery have none.
    device = models.ForeignKey(
        "FieldDevice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    visited_at = models.DateTimeField(_("visited at"))
    # The time the phone gave, when its clock was wrong and the server corrected it (``visited_at`` is the
    # corrected one); empty when the phone's time was taken as it was.
    phone_visited_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)
    reason = models.CharField(_("reason"), max_length=limits.REASON_MAX, blank=True)
    moved_to = models.CharField(_("moved to"), max_length=limits.MOVED_TO_MAX, blank=True)
    device_model = models.CharField(_("new phone"), max_length=limits.DEVICE_MODEL_MAX, blank=True)
    consent_photo = models.BooleanField(_("agreed to a photo"), default=False)
    consent_location = models.BooleanField(_("agreed to record the location"), default=False)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    case_version = models.PositiveIntegerField(null=True, blank=True)
    # The case's version after this visit: tells later visits whose change they did not see.
    version_after = models.PositiveIntegerField(default=0)
    in_conflict = models.BooleanField(default=False)
    # What the phone sent, as a digest: the same id again with the same digest is a retry.
    digest = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["visited_at", "received_at"]
        indexes = [
            models.Index(fields=["case", "visited_at"], name="visit_case"),
            models.Index(fields=["device"], condition=Q(device__isnull=False), name="visit_device"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.outcome} {self.visited_at:%Y-%m-%d}"


class Resolution(models.Model):
    """A team leader settling a case in conflict: who, when, the status that stood and why (the case's history)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="resolutions")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=16, choices=Status.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    note = models.CharField(_("why"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_status}→{self.status}"


PHOTOS = NamedStorage("photos")  # settings.STORAGES: the private folder FIELD_PHOTO_DIR, or the bucket's "photos/"


def photo_storage() -> Storage:
    return PHOTOS  # type: ignore[return-value]  # a lazy Storage


def photo_path(photo: VisitPhoto, _filename: str) -> str:
    received = photo.received_at or timezone.now()
    return f"{received:%Y/%m}/{photo.pk}.jpg"


class VisitPhoto(models.Model):
    """A photo taken at a visit, only with the person's consent (``Visit.consent_photo``).

    Its id comes from the phone, so a retried upload never makes a second one; ``digest`` is of
    the bytes as sent (the same id with other bytes is a conflict). The file kept is the image
    re-encoded as a bounded JPEG, without EXIF (its location only with the location consent).
    """

    id = models.UUIDField(primary_key=True, editable=False)
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(storage=photo_storage, upload_to=photo_path, max_length=200)
    digest = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    # Whether the file kept the place where it was taken (EXIF GPS): only with the person's consent to it.
    located = models.BooleanField(default=False)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["received_at", "pk"]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.pk}"


class HouseholdEntry(models.Model):
    """Another number of the household met in the same visit, with its own outcome."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="household")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="household_entries")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "case"], name="household_entry_unique")]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.case_id} {self.outcome}"


class Call(models.Model):
    """A tap on "call" (tel:) that reached the server: the reveal of a number, idempotent by the phone's id."""

    id = models.UUIDField(primary_key=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="calls")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.case_id} {self.at:%Y-%m-%d %H:%M}"


class CaseTransfer(models.Model):
    """A case leaving a team or a member (reassigned, or its subscriber moved): phones drop it at their next sync."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    from_team = models.ForeignKey(
        "units.Unit", null=True, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    from_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.case_id} from {self.from_team_id}/{self.from_member_id}"


class FieldDevice(models.Model):
    """A phone signed in once for field work: its token (a digest) is bound to one member.

    When it was last seen lives in ``FieldDeviceSeen``, so that frequent syncs do not
    rewrite the credential's row (as pretix does for its devices).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="field_devices")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Revoked by a new password (people.services): the phone keeps what it holds and asks to log in again.
    revoked_with_password = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class FieldDeviceSeen(models.Model):
    device = models.OneToOneField(FieldDevice, on_delete=models.CASCADE, primary_key=True, related_name="seen")
    at = models.DateTimeField()
    # What the phone said it still held unsent (visits and photos, refused ones too) at its last contact.
    unsent = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.device_id} {self.at}"


class HeldVisit(models.Model):
    """A visit a revoked phone sent, recorded on it before the revoke: kept for the team leader to accept or discard.

    The revoke stops new work, not work already done; but a lost phone cannot write the record by
    itself, so its visits wait here (as sent: ``payload``) until a leader of the case's team decides.
    Accepted, the visit goes through the one write of visits (``services.visits``) as its member's.
    """

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting for the team leader")
        ACCEPTED = "accepted", _("Accepted")
        DISCARDED = "discarded", _("Discarded")

    id = models.UUIDField(primary_key=True)  # the visit's id, made on the phone
    device = models.ForeignKey(FieldDevice, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # The team whose leader decides (the case's, or the village's for a person found at the door).
    team = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    visited_at = models.DateTimeField()
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    payload = models.JSONField()
    digest = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=12, choices=State.choices, default=State.WAITING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # What recording it gave, once accepted (created, or why it was refused then).
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["visited_at", "pk"]
        indexes = [models.Index(fields=["team", "state"], name="held_team_state")]

    def __str__(self) -> str:
        return f"{self.pk} {self.state}"
