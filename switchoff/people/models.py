"""People: users, their memberships (unit + role), API tokens and one-time links."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from switchoff.lib.text import fold
from switchoff.people.roles import Role


def token_digest(raw: str) -> str:
    """Tokens and one-time links are stored as digests only, never in clear."""
    return hashlib.sha256(raw.encode()).hexdigest()


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=150)
    search_name = models.CharField(max_length=150, db_index=True, editable=False)
    # Stored as E.164 (+849...) so that any written form finds the account.
    phone = models.CharField(_("phone number"), max_length=20, null=True, blank=True, unique=True)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="vi")

    class Meta:
        ordering = ["search_name", "username"]
        verbose_name = _("user")

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_name = fold(self.full_name or self.username)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.unit}"


class ApiToken(models.Model):
    """A bearer token for the API. It acts as its user, with their access short of two-factor roles.

    A token stops at ``expires_at`` (set when it is made), when revoked, and
    when its user's password is reset or changed. While its user has no
    confirmed two-factor device, it cannot use the roles that require one
    (``access.act_by_token``).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    # Written at most once a minute (TokenAuth), so that a busy script does not rewrite the row each call.
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class OneTimeLink(models.Model):
    """An invitation or a password reset a coordinator hands over (Zalo, paper, e-mail)."""

    class Purpose(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        PASSWORD_RESET = "reset", _("Password reset")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="one_time_links")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose"], condition=Q(used_at__isnull=True), name="one_open_link_per_purpose"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} — {self.user}"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()
