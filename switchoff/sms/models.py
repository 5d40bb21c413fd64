"""SMS from an operator to its own 2G-only subscribers on the lists (point 3 of the letter: "nhắn tin …")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from switchoff.jobs.models import LeasedJob


class Audience(models.TextChoices):
    LISTED = "listed", _("Still on the list")
    NOT_VISITED = "not_visited", _("Not visited yet")
    REFUSED = "refused", _("Refused")


class SmsBatch(LeasedJob):
    """One message an operator's staff sends to its subscribers of an area: the text, who, when. The background job
    that sends it holds a lease on this row (``switchoff/jobs/lease.py``): another worker goes on if it dies."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Sent")

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    operator = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(max_length=16, choices=Audience.choices)
    text = models.TextField(_("text"))
    send_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    channel = models.CharField(max_length=10, default="log")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    activity = models.OneToOneField(
        "reports.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="sms_batch"
    )

    class Meta:
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.operator_id} → {self.area_id} ({self.created_at:%d/%m/%Y})"


class SmsMessage(models.Model):
    """The message to one subscriber: queued, sent, delivered, failed (and why), or skipped (opted out)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        # Handed to the SMSC, its answer not yet recorded. A job that finds one after a restart does not know
        # whether the SMSC took it, and fails it rather than risk sending it twice.
        SUBMITTING = "submitting", _("Being handed to the operator")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", pgettext_lazy("sms", "Delivered")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped (opted out)")

    batch = models.ForeignKey(SmsBatch, on_delete=models.CASCADE, related_name="messages")
    subscriber = models.ForeignKey("subscribers.Subscriber", on_delete=models.CASCADE, related_name="+")
    msisdn = models.CharField(max_length=16)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    reason = models.CharField(max_length=200, blank=True)
    message_id = models.CharField(max_length=65, blank=True)  # the SMSC's id, which its delivery receipt names
    throttled = models.PositiveSmallIntegerField(default=0)  # times the SMSC answered ESME_RTHROTTLED
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "subscriber"], name="sms_message_once")]
        indexes = [
            models.Index(fields=["subscriber"], name="sms_message_subscriber"),
            models.Index(fields=["message_id"], name="sms_message_smsc_id"),
            models.Index(fields=["batch", "state"], name="sms_message_batch_state"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.msisdn} {self.state}"


class OptOut(models.Model):
    """A number of an operator that is never messaged again: it replied with the keyword, or is on its list."""

    operator = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    msisdn = models.CharField(max_length=16)
    source = models.CharField(max_length=10)  # keyword | list
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["operator", "msisdn"], name="sms_opt_out_once")]

    def __str__(self) -> str:
        return f"{self.operator_id} {self.msisdn}"
