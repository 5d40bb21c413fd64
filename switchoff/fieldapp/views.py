"""The field app's pages: the shell (public, no personal data), its manifest and service worker,
the enrol page where a logged-in member makes this phone a field device, logging out.

The shell holds no data of anyone: the app fills it from IndexedDB and from the API, with the
device token that the enrol page handed over once. The shell, its manifest and the service worker
are answered with an ETag (a phone that has them gets 304) and compressed (``web.compression``);
the app's files carry a hash in their name (``build.mjs`` writes ``files.json``).
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
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from switchoff.api.base import DeviceAuth, DeviceRevoked
from switchoff.fieldapp.strings import strings_by_language
from switchoff.fieldwork import limits
from switchoff.fieldwork.models import FieldDevice
from switchoff.fieldwork.rules import OPEN
from switchoff.fieldwork.services import device_enrol, device_revoke
from switchoff.lib.useragent import phone_name
from switchoff.people.models import User, token_digest

BUILD_DIR = Path(settings.BASE_DIR) / "build" / "field"
# The enrolled phone's name, from its browser: a leader tells a member's two phones apart by it.
DEVICE_NAME_MAX = 100


def built_files() -> dict[str, str]:
    """The built files' names with their hash ({"app.js": "app.5AHNW6JU.js", …}), from ``npm run build``."""
    try:
        files: dict[str, str] = json.loads((BUILD_DIR / "files.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Http404("The field app is not built: run npm run build.") from None
    return files


def app_settings() -> dict[str, object]:
    """What the app must know of the server's rules, offline too: the limits of a visit, how it retries."""
    return {
        "limits": limits.as_dict(),
        "retry": {"first_s": settings.FIELD_RETRY_FIRST_S, "max_s": settings.FIELD_RETRY_MAX_S},
        # Statuses that still wait for a visit: listed first; the others are folded away.
        "open": sorted(OPEN),
    }


def _shell_html() -> str:
    files = built_files()
    context = {
        "strings": strings_by_language(),
        "settings": app_settings(),
        "app_js": files["app.js"],
        "app_css": files["app.css"],
    }
    return render_to_string("fieldapp/shell.html", context)


def _conditional(request: HttpRequest, body: str | bytes, content_type: str) -> HttpResponse:
    """``body`` with an ETag of its content and ``no-cache`` (the phone asks each time, and gets 304 when it has it)."""
    content = body.encode() if isinstance(body, str) else body
    etag = quote_etag(hashlib.sha256(content).hexdigest()[:32])
    response = HttpResponse(content, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    conditional = get_conditional_response(request, etag=etag, response=response)
    assert conditional is not None
    return conditional


@require_GET
def shell(request: HttpRequest) -> HttpResponse:
    """The app shell. Public and the same for everyone (both languages inside), so the service worker keeps it."""
    return _conditional(request, _shell_html(), "text/html; charset=utf-8")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The built service worker, with the shell's revision put in, revalidated at every check (ETag: 304 unchanged).

    Served from /field/ so that its scope is the app; a new build or a changed shell or manifest
    (a template or a translation) gives another revision, and the phone fetches the new ones.
    """
    try:
        source = (BUILD_DIR / "sw.js").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise Http404("The field app is not built: run npm run build.") from None
    shell_and_manifest = _shell_html() + json.dumps(_manifest(), sort_keys=True)
    revision = hashlib.sha256(shell_and_manifest.encode()).hexdigest()[:20]
    return _conditional(request, source.replace("__SHELL_REVISION__", revision), "text/javascript")


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
    body = JsonResponse(_manifest(), json_dumps_params={"ensure_ascii": False}).content
    return _conditional(request, body, "application/manifest+json")


def _enrol_strings() -> dict[str, str]:
    """The enrol page's script's words, in the page's language (``{n}``, ``{name}`` put in by it)."""
    return {
        "waiting": _(
            "This phone still holds {n} visits of {name} that are not sent. They are sent first: until then, "
            "another member cannot use this phone."
        ),
        "refused": _("{n} visits of {name} that the server refused are removed from the phone."),
        "sending": _("Sending the visits of {name}…"),
        "sent": _("The visits of {name} were sent: you can use this phone now."),
        "offline": _(
            "No signal: the {n} visits of {name} stay on this phone. Try again where there is signal; another "
            "member cannot use this phone before they are sent."
        ),
        "signed_in_again": _(
            "{name}'s sign-in on this phone has expired: {name} must log in on it once to send the {n} visits."
        ),
        "refused_switch": _(
            "This phone still holds {n} visits of {name} that are not sent: it stays {name}'s until they are. "
            "Go back, send them, and set the phone up again."
        ),
        "back": _("Back"),
    }


def _suggested_name(request: HttpRequest) -> str:
    """The phone's brand and model as its browser tells them (e.g. "Samsung SM-A105F"), else ""."""
    return phone_name(request.headers.get("User-Agent", ""), request.headers.get("Sec-CH-UA-Model", ""))


def _device_name(request: HttpRequest) -> str:
    typed = request.POST.get("name", "").strip()
    return (typed or _suggested_name(request) or _("Phone"))[:DEVICE_NAME_MAX]


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """ "Use this phone for field work": the member's device token, made here and handed to the app once.

    The name field is filled with the phone's model (Chrome sends it once asked, ``Accept-CH``), editable.
    The page checks first that the phone holds no other member's unsent visits (``enrol.js``).
    """
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
            return render(
                request,
                "fieldapp/enrolled.html",
                {"handoff": handoff, "enrol_js": built_files()["enrol.js"], "enrol_strings": _enrol_strings()},
            )
    context = {
        "error": error,
        "suggested": _suggested_name(request),
        "enrol_js": built_files()["enrol.js"],
        "member": {"id": user.pk, "name": user.full_name or user.username},
        "enrol_strings": _enrol_strings(),
    }
    response = render(request, "fieldapp/enrol.html", context)
    # Chrome tells a phone's model only when asked (its User-Agent says "Android 10; K"); asked as critical, it
    # sends this request again with it.
    response["Accept-CH"] = "Sec-CH-UA-Model"
    response["Critical-CH"] = "Sec-CH-UA-Model"
    return response


@csrf_exempt  # Authenticated by the device token in a header, never by a cookie: nothing to forge.
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """The app's "log out of this phone": the device's token is revoked (the app forgets the member's data).

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


@csrf_exempt  # Changes nothing on the server, and asks for the phone's device token in a header (no cross-site form).
@require_POST
def signed_out(request: HttpRequest) -> HttpResponse:
    """The app's last request once a member is signed out of the phone (logged out, or revoked), sent with the
    browser's cookies so that ``Clear-Site-Data`` applies (Chrome ignores it on a request without them): the
    HTTP cache and the site's cookies (the session of the enrol page's login) go.

    Not "storage": the app itself has removed the member's data from IndexedDB, and keeps its shell and service
    worker (no personal data in them) so that it still opens offline, to a page that says what happened.
    """
    response = HttpResponse(status=204)
    scheme, _space, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "device" and raw and FieldDevice.objects.filter(digest=token_digest(raw.strip())).exists():
        response["Clear-Site-Data"] = '"cache", "cookies"'
    return response
