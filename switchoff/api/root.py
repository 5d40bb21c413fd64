"""The REST API root: token authentication, one error shape, the routers of each app.

OpenAPI is at /api/v1/openapi.json and the browsable docs at /api/v1/docs.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from switchoff.people.access import act_by_token, acts_as_superuser
from switchoff.people.models import ApiToken, token_digest
from switchoff.subscribers.guards import ImportRefusal

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
        if api_token.last_used_at is None or api_token.last_used_at < now - LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
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
    return error(request, 422, "invalid", " ".join(exc.messages))


@api.exception_handler(ImportRefusal)
def on_import_refused(request: HttpRequest, exc: ImportRefusal) -> HttpResponse:
    """A list the registry's rules refuse (guards): the code says which rule, the details which field."""
    return error(request, 422, exc.code, exc.api_message, exc.details)


@api.exception_handler(AuthenticationError)
def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(request, 401, "unauthenticated", _("A valid API token is required."))


@api.exception_handler(PermissionDenied)
def on_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error(request, 403, "forbidden", _("You do not have access to this."))


@api.exception_handler(Http404)
def on_missing(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "not_found", _("Not found."))


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
