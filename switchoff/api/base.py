"""What the API's routers share: the authentications (an API token, a field device) and the one error shape.

The root (``root.py``) and every router import it; it imports none of them, so the arrows run one way.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer
from ninja.security.http import HttpAuthBase

from switchoff.fieldwork.models import FieldDevice
from switchoff.fieldwork.services.devices import device_touch
from switchoff.lib.text import is_id
from switchoff.people.access import act_by_token, acts_as_superuser
from switchoff.people.models import ApiToken, token_digest
from switchoff.people.services import api_token_touch

# Recording each use of a token to the second would rewrite its row on every call of a busy script.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer so_...``: the token acts as its user, short of roles that need two-factor."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        now = timezone.now()
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(digest=token_digest(token), revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        api_token_touch(token=api_token, now=now, precision=LAST_USED_PRECISION)
        user = api_token.user
        act_by_token(user)
        if user.is_superuser and not acts_as_superuser(user):
            # Some selectors test superuser status themselves; such a token is refused outright.
            raise PermissionDenied
        request.user = user
        # The middleware saw no user yet: messages follow the token's user, as pages follow a logged-in one.
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
        return user


class DeviceRevoked(Exception):
    """A revoked field device (or one whose member can no longer work): 401, and the phone clears its data;
    or, revoked by a new password (``password``), the phone keeps its data and asks to log in again."""

    def __init__(self, *, password: bool = False) -> None:
        super().__init__("device_revoked")
        self.password = password


class DeviceAuth(HttpAuthBase):
    """``Authorization: Device fd_…``: a phone signed in for field work, acting as its member."""

    openapi_type = "apiKey"
    openapi_in = "header"
    openapi_name = "Authorization"

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _space, raw = header.partition(" ")
        if scheme.lower() != "device" or not raw:
            return None
        device = FieldDevice.objects.select_related("user", "seen").filter(digest=token_digest(raw.strip())).first()
        if device is None:
            return None
        now = timezone.now()
        if device.revoked_at is not None or not device.user.is_active:
            raise DeviceRevoked(password=device.revoked_with_password and device.user.is_active)
        if device.expires_at <= now:
            return None  # expired: sign in again, nothing is cleared (unsent visits stay on the phone)
        user = device.user
        act_by_token(user)
        device_touch(device=device, now=now, unsent=_unsent(request))
        request.user = user
        request.field_device = device  # type: ignore[attr-defined]
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
        return user


def _unsent(request: HttpRequest) -> int | None:
    """What the phone says it still holds unsent (``X-Field-Unsent``), for its team leader's page."""
    value = request.headers.get("X-Field-Unsent", "")
    return min(int(value), 1_000_000) if is_id(value) else None


class RevokedDeviceAuth(HttpAuthBase):
    """``Authorization: Device fd_…`` of a revoked phone: only to hand over the visits it still holds
    (``POST /field/revoked/visits``); ``request.field_device`` is the device, the user its member."""

    openapi_type = "apiKey"
    openapi_in = "header"
    openapi_name = "Authorization"

    def __call__(self, request: HttpRequest) -> Any:
        scheme, _space, raw = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "device" or not raw:
            return None
        device = FieldDevice.objects.select_related("user").filter(digest=token_digest(raw.strip())).first()
        if device is None or device.revoked_at is None:
            return None
        request.field_device = device  # type: ignore[attr-defined]
        translation.activate(device.user.language)
        request.LANGUAGE_CODE = device.user.language
        return device.user


_renderer = JSONRenderer()


def error(request: HttpRequest, status: int, code: str, message: str, details: Any = None) -> HttpResponse:
    """Every error has the same shape: {"error": {"code", "message", "details"}}."""
    content = _renderer.render(
        request, {"error": {"code": code, "message": message, "details": details}}, response_status=status
    )
    return HttpResponse(content, status=status, content_type=f"{_renderer.media_type}; charset={_renderer.charset}")
