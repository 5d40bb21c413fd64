"""The REST API root: token authentication, one error shape, the routers of each app.

OpenAPI is at /api/v1/openapi.json and the browsable docs at /api/v1/docs.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from switchoff.lib.throttle import Throttled
from switchoff.people.models import ApiToken, token_digest


class TokenAuth(HttpBearer):
    """``Authorization: Bearer so_...``: the token acts as its user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        request.user = api_token.user
        return api_token.user


api = NinjaAPI(
    title="switchoff API",
    version="1",
    description="Units, people and (in later versions) campaign data. Authenticate with a token from “My account”.",
    auth=TokenAuth(),
    urls_namespace="api",
)


def error(request: HttpRequest, status: int, code: str, message: str, details: Any = None) -> HttpResponse:
    """Every error has the same shape: {"error": {"code", "message", "details"}}."""
    return api.create_response(
        request, {"error": {"code": code, "message": message, "details": details}}, status=status
    )


@api.exception_handler(NinjaValidationError)
def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return error(request, 422, "invalid", _("The request is not valid."), exc.errors)


@api.exception_handler(ValidationError)
def on_django_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # A service's errors by field become the details, so a caller can tell which value was refused.
    details = exc.message_dict if hasattr(exc, "error_dict") else None
    return error(request, 422, "invalid", " ".join(exc.messages), details)


@api.exception_handler(AuthenticationError)
def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(request, 401, "unauthenticated", _("A valid API token is required."))


@api.exception_handler(PermissionDenied)
def on_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error(request, 403, "forbidden", _("You do not have access to this."))


@api.exception_handler(Http404)
def on_missing(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "not_found", _("Not found."))


@api.exception_handler(Throttled)
def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return error(request, 429, "throttled", exc.message, exc.details)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error(request, exc.status_code, "error", str(exc))


from switchoff.people.api import router as people_router  # noqa: E402
from switchoff.reports.api import router as reports_router  # noqa: E402
from switchoff.subscribers.api import router as subscribers_router  # noqa: E402
from switchoff.units.api import router as units_router  # noqa: E402

api.add_router("/units", units_router, tags=["units"])
api.add_router("/me", people_router, tags=["people"])
api.add_router("/campaigns", reports_router, tags=["campaigns and reports"])
api.add_router("/registry", subscribers_router, tags=["2G-only subscriber registry"])
