"""The field app's pages: the shell (public, no personal data), its manifest and service worker,
and the enrol page where a logged-in member makes this phone a field device.

The shell holds no data of anyone: the app fills it from IndexedDB and from the API, with the
device token that the enrol page handed over once.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from switchoff.api.base import DeviceAuth, DeviceRevoked
from switchoff.fieldapp.strings import strings_by_language
from switchoff.fieldwork.services import device_enrol, device_revoke
from switchoff.people.models import User

BUILD_DIR = Path(settings.BASE_DIR) / "build" / "field"
# The enrolled phone's name, from its browser: a leader tells a member's two phones apart by it.
DEVICE_NAME_MAX = 100


def _shell_html() -> str:
    return render_to_string("fieldapp/shell.html", {"strings": strings_by_language()})


@require_GET
def shell(request: HttpRequest) -> HttpResponse:
    """The app shell. Public and the same for everyone (both languages inside), so the service worker keeps it."""
    response = HttpResponse(_shell_html())
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The built service worker, with the shell's revision put in, never kept by the HTTP cache.

    Served from /field/ so that its scope is the app; a new build or a changed shell or manifest
    (a template or a translation) gives another revision, and the phone fetches the new ones.
    """
    try:
        source = (BUILD_DIR / "sw.js").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise Http404("The field app is not built: run npm run build.") from None
    shell_and_manifest = _shell_html() + json.dumps(_manifest(), sort_keys=True)
    revision = hashlib.sha256(shell_and_manifest.encode()).hexdigest()[:20]
    response = HttpResponse(source.replace("__SHELL_REVISION__", revision), content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


def _manifest() -> dict[str, object]:
    # In the campaign's language: the name under the icon on the phone's home screen.
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "name": _("Field app"),
            "short_name": "switchoff",
            "description": _("Door-to-door visits to people who still use a 2G-only phone, with or without signal."),
            "lang": settings.LANGUAGE_CODE,
            "start_url": "/field/",
            "scope": "/field/",
            "display": "standalone",
            "background_color": "#f5f7f9",
            "theme_color": "#0b5cad",
            "icons": [
                {"src": static("field/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("field/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {"src": static("field/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            ],
        }


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: installable from the browser's menu, opens full screen on /field/."""
    response = JsonResponse(
        _manifest(), content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "no-cache"
    return response


def _device_name(request: HttpRequest) -> str:
    typed = request.POST.get("name", "").strip()
    return (typed or request.headers.get("User-Agent", "") or _("Phone"))[:DEVICE_NAME_MAX]


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """ "Use this phone for field work": the member's device token, made here and handed to the app once."""
    user = request.user
    assert isinstance(user, User)
    error = None
    if request.method == "POST":
        try:
            device, token = device_enrol(actor=user, name=_device_name(request))
        except (PermissionDenied, ValidationError) as exc:
            error = (
                " ".join(exc.messages)
                if isinstance(exc, ValidationError)
                else _("Only a member of a digital technology team can set up a phone for field work.")
            )
        else:
            handoff = {
                "token": token,
                "member": {"id": user.pk, "name": user.full_name or user.username},
                "device": {"id": device.pk, "name": device.name},
                "language": request.LANGUAGE_CODE,
            }
            return render(request, "fieldapp/enrolled.html", {"handoff": handoff})
    return render(request, "fieldapp/enrol.html", {"error": error})


@csrf_exempt  # Authenticated by the device token in a header, never by a cookie: nothing to forge.
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """The app's "log out of this phone": the device's token is revoked (the app wipes itself anyway).

    Answers 204 whether or not the token was still valid: an unknown or revoked one has nothing left to stop.
    """
    try:
        user = DeviceAuth()(request)
    except DeviceRevoked:
        user = None
    device = getattr(request, "field_device", None)
    if isinstance(user, User) and device is not None:
        device_revoke(actor=user, device=device)
    return HttpResponse(status=204)
