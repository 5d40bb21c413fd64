"""Writes about people: invitations, memberships, passwords, tokens, two-factor devices."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from switchoff.audit.services import log_action
from switchoff.lib.phones import normalize_phone
from switchoff.people.access import can, forget_grants
from switchoff.people.models import ApiToken, Membership, OneTimeLink, User, token_digest
from switchoff.people.roles import GRANTABLE, TWO_FACTOR_REQUIRED, Perm, Role
from switchoff.units.models import Unit


def user_requires_two_factor(user: User) -> bool:
    if not settings.TWO_FACTOR_ENFORCED:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(user=user, role__in=list(TWO_FACTOR_REQUIRED)).exists()


@transaction.atomic
def user_log_in(*, request: HttpRequest, user: User, device: TOTPDevice | None) -> None:
    """Open the session of a user whose password (and code, with ``device``) was checked, and log the login."""
    login(request, user, backend="switchoff.people.auth.UsernameOrPhoneBackend")
    if device is not None:
        otp_login(request, device)
    log_action("people.user.logged_in", actor=user, obj=user)


def _check_can_grant(actor: User, role: Role, unit: Unit) -> None:
    if not can(actor, Perm.MANAGE_PEOPLE, unit):
        raise PermissionDenied
    if actor.is_superuser:
        return
    held = {Role(m.role) for m in Membership.objects.filter(user=actor)}
    allowed = set().union(*(GRANTABLE.get(r, frozenset()) for r in held))
    if role not in allowed:
        raise ValidationError(_("You cannot grant the role %(role)s.") % {"role": role.label})


@transaction.atomic
def membership_grant(*, actor: User, user: User, unit: Unit, role: Role) -> Membership:
    """Give ``user`` ``role`` over ``unit``. Granting twice is harmless."""
    _check_can_grant(actor, role, unit)
    membership, created = Membership.objects.get_or_create(user=user, unit=unit, role=role)
    if created:
        log_action(
            "people.membership.granted", actor=actor, obj=user, unit=unit, data={"role": role.value, "unit": unit.pk}
        )
    forget_grants(user)
    return membership


@transaction.atomic
def membership_revoke(*, actor: User, membership: Membership) -> None:
    """Take a role away. Nobody removes their own last membership by mistake."""
    _check_can_grant(actor, Role(membership.role), membership.unit)
    if membership.user_id == actor.pk and Membership.objects.filter(user=actor).count() == 1:
        raise ValidationError(_("You cannot remove your own last role."))
    log_action(
        "people.membership.revoked",
        actor=actor,
        obj=membership.user,
        unit=membership.unit,
        data={"role": membership.role, "unit": membership.unit_id},
    )
    membership.delete()
    forget_grants(membership.user)


def _new_link(*, actor: User, user: User, purpose: OneTimeLink.Purpose) -> str:
    raw = secrets.token_urlsafe(24)
    # A new link replaces any earlier unused one, so only the latest works.
    OneTimeLink.objects.filter(user=user, purpose=purpose, used_at__isnull=True).delete()
    OneTimeLink.objects.create(
        user=user,
        purpose=purpose,
        digest=token_digest(raw),
        created_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    return raw


@transaction.atomic
def user_invite(
    *, actor: User, full_name: str, username: str, phone: str, email: str, unit: Unit, role: Role
) -> tuple[User, str]:
    """Create an account with a role and return it with a one-time link to set a password.

    The coordinator hands the link over (Zalo, paper, or e-mail if given).
    """
    _check_can_grant(actor, role, unit)
    phone_e164 = normalize_phone(phone) if phone else None
    if phone and phone_e164 is None:
        raise ValidationError({"phone": _("%(value)s is not a valid Vietnamese phone number.") % {"value": phone}})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    if phone_e164 and User.objects.filter(phone=phone_e164).exists():
        raise ValidationError({"phone": _("Another account already uses this phone number.")})
    try:
        with transaction.atomic():
            user = User.objects.create(
                username=username, full_name=full_name.strip(), phone=phone_e164, email=email.strip()
            )
    except IntegrityError:
        raise ValidationError({"username": _("This username is taken.")}) from None
    user.set_unusable_password()
    user.save(update_fields=["password"])
    Membership.objects.create(user=user, unit=unit, role=role)
    raw = _new_link(actor=actor, user=user, purpose=OneTimeLink.Purpose.INVITATION)
    log_action("people.user.invited", actor=actor, obj=user, unit=unit, data={"role": role.value})
    return user, raw


@transaction.atomic
def password_reset_link_create(*, actor: User, user: User) -> str:
    """A one-time link that lets ``user`` choose a new password."""
    raw = _new_link(actor=actor, user=user, purpose=OneTimeLink.Purpose.PASSWORD_RESET)
    log_action("people.password.reset_link_created", actor=actor, obj=user)
    return raw


def link_lookup(raw: str) -> OneTimeLink | None:
    link = OneTimeLink.objects.select_related("user").filter(digest=token_digest(raw)).first()
    if link is None or not link.is_usable:
        return None
    return link


@transaction.atomic
def link_redeem(*, raw: str, password: str) -> User:
    """Set the password through a one-time link; the link then stops working."""
    link = OneTimeLink.objects.select_for_update().select_related("user").filter(digest=token_digest(raw)).first()
    if link is None or not link.is_usable:
        raise ValidationError(_("This link has expired or was already used. Ask your coordinator for a new one."))
    validate_password(password, link.user)
    link.user.set_password(password)
    link.user.save(update_fields=["password"])
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    log_action(f"people.{link.purpose}.redeemed", actor=link.user, obj=link.user)
    _revoke_tokens_with_password(user=link.user, reason=link.purpose)
    return link.user


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("The current password is wrong.")})
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    log_action("people.password.changed", actor=user, obj=user)
    _revoke_tokens_with_password(user=user, reason="change")


def _revoke_tokens_with_password(*, user: User, reason: str) -> None:
    """A new password ends every token, the phones signed in for field work too: whoever took the old one may
    have made them. A phone so signed out keeps what it holds and asks its member to log in again."""
    now = timezone.now()
    tokens = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    prefixes = list(tokens.values_list("prefix", flat=True))
    devices = user.field_devices.select_for_update().filter(revoked_at__isnull=True)
    phones = list(devices.values_list("prefix", flat=True))
    if prefixes:
        tokens.update(revoked_at=now)
    if phones:
        devices.update(revoked_at=now, revoked_by=user, revoked_with_password=True)
    if prefixes or phones:
        log_action(
            "people.api_token.revoked_with_password",
            actor=user,
            obj=user,
            data={"reason": reason, "prefixes": prefixes, "devices": phones},
        )


@transaction.atomic
def user_set_language(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language."))
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def totp_new_key() -> str:
    """A new authenticator secret to show as a QR code. Nothing is stored until the person confirms a code."""
    return random_hex(20)


def totp_unsaved_device(*, user: User, key: str) -> TOTPDevice:
    """The device a secret would make, to draw its QR code (not saved)."""
    return TOTPDevice(user=user, name="authenticator", key=key, confirmed=False)


@transaction.atomic
def totp_device_confirm(*, user: User, key: str, code: str) -> TOTPDevice:
    """Turn two-factor on with the secret shown on the setup page, once a code from it checks."""
    device = TOTPDevice.objects.create(user=user, name="authenticator", key=key, confirmed=False)
    if not device.verify_token(code.strip().replace(" ", "")):
        # The transaction rolls back: no half-set-up device is left behind.
        raise ValidationError(_("The code is wrong or has expired. Try the newest code."))
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    log_action("people.two_factor.enabled", actor=user, obj=user)
    return device


@transaction.atomic
def totp_device_remove(*, user: User) -> None:
    if user_requires_two_factor(user):
        raise ValidationError(_("Your role requires two-factor authentication."))
    TOTPDevice.objects.filter(user=user).delete()
    log_action("people.two_factor.disabled", actor=user, obj=user)


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token, valid for ``API_TOKEN_DAYS``; the clear value is shown once and never stored."""
    if not can(user, Perm.USE_API):
        raise PermissionDenied
    raw = "so_" + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or "API",
        prefix=raw[:8],
        digest=token_digest(raw),
        expires_at=timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DAYS),
    )
    log_action(
        "people.api_token.created",
        actor=user,
        obj=user,
        data={"name": token.name, "prefix": token.prefix, "expires_at": token.expires_at.isoformat()},
    )
    return token, raw


@transaction.atomic
def api_token_touch(*, token: ApiToken, now: datetime.datetime, precision: datetime.timedelta) -> None:
    """Record a use of the token, at most once per ``precision``: bookkeeping of the credential, not audited.

    A busy script would otherwise rewrite the row on every call.
    """
    if token.last_used_at is None or token.last_used_at < now - precision:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


@transaction.atomic
def api_token_revoke(*, user: User, token: ApiToken) -> None:
    if token.user_id != user.pk:
        raise PermissionDenied
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    log_action("people.api_token.revoked", actor=user, obj=user, data={"prefix": token.prefix})
