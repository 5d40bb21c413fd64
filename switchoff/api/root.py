"""The REST API root: one error shape for every exception, the routers of each app.

OpenAPI is at /api/v1/openapi.json and the browsable docs at /api/v1/docs.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from switchoff.api.base import DeviceRevoked, TokenAuth, error
from switchoff.lib.db import timeout_kind
from switchoff.lib.throttle import Throttled
from switchoff.subscribers.api import StillChecking
from switchoff.subscribers.guards import ImportRefusal

# The answers every operation may give besides its success, all in the one error shape. They are
# written into the OpenAPI document so that clients (and schemathesis' status-code check) know them.
ERROR_ANSWERS = {
    "400": "The request could not be read.",
    "401": "No valid API token (missing, wrong, expired or revoked), or a revoked field device (`device_revoked`).",
    "403": "The token's owner may see this but lacks the permission, or two-factor is required for it.",
    "404": "Not found, or not in the token owner's area (the two are not told apart).",
    "409": "Conflicts with what is stored (e.g. the same key with different content).",
    "413": "Too large (file or batch over a limit).",
    "422": "Not valid: `details` names the field and what is wrong.",
    "429": "Too many requests of this kind in a short time: wait and try again.",
}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string", "description": "In the token owner's language."},
                "details": {},
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}


class SwitchoffAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                # ninja keys the operation's own answers by int; the JSON document by string: one key each.
                responses = {str(status): answer for status, answer in operation.get("responses", {}).items()}
                operation["responses"] = responses
                for status, description in ERROR_ANSWERS.items():
                    responses.setdefault(
                        status,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                        },
                    )
        return schema


api = SwitchoffAPI(
    title="switchoff API",
    version="1",
    description="Units, people and (in later versions) campaign data. Authenticate with a token from “My account”.",
    auth=TokenAuth(),
    urls_namespace="api",
)


@api.exception_handler(NinjaValidationError)
def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return error(request, 422, "invalid", _("The request is not valid."), exc.errors)


@api.exception_handler(ValidationError)
def on_django_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # A service's errors by field become the details, so a caller can tell which value was refused.
    details = exc.message_dict if hasattr(exc, "error_dict") else None
    return error(request, 422, "invalid", " ".join(exc.messages), details)


@api.exception_handler(ImportRefusal)
def on_import_refused(request: HttpRequest, exc: ImportRefusal) -> HttpResponse:
    """A list the registry's rules refuse (guards): the code says which rule, the details which field."""
    return error(request, 422, exc.code, exc.api_message, exc.details)


@api.exception_handler(StillChecking)
def on_still_checking(request: HttpRequest, exc: StillChecking) -> HttpResponse:
    return error(
        request, 409, "checking", _("The file is still being checked; follow its job."), {"job_id": exc.job_id}
    )


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


@api.exception_handler(DatabaseError)
def on_database_gave_up(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
    """A statement past DB_STATEMENT_TIMEOUT_MS, or a lock not had within DB_LOCK_TIMEOUT_MS: nothing was
    written, try again shortly (503 with Retry-After). Any other database error is the server's error (500)."""
    kind = timeout_kind(exc)
    if kind is None:
        raise exc
    request.database_gave_up = kind  # type: ignore[attr-defined]  # said on the request's log line
    response = error(
        request, 503, "busy", _("The database did not answer in time. Nothing was changed; try again in a minute.")
    )
    response["Retry-After"] = "10"
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error(request, exc.status_code, "error", str(exc))


from switchoff.banners.api import router as banners_router  # noqa: E402
from switchoff.devices.api import router as devices_router  # noqa: E402
from switchoff.fieldwork.api import router as field_router  # noqa: E402
from switchoff.people.api import router as people_router  # noqa: E402
from switchoff.programmes.api import router as programmes_router  # noqa: E402
from switchoff.programmes.field_api import router as field_programmes_router  # noqa: E402
from switchoff.reports.api import router as reports_router  # noqa: E402
from switchoff.shops.api import router as shops_router  # noqa: E402
from switchoff.shops.field_api import router as field_shops_router  # noqa: E402
from switchoff.subscribers.api import router as subscribers_router  # noqa: E402
from switchoff.units.api import router as units_router  # noqa: E402

api.add_router("/units", units_router, tags=["units"])
api.add_router("/me", people_router, tags=["people"])
api.add_router("/campaigns", reports_router, tags=["campaigns and reports"])
api.add_router("/registry", subscribers_router, tags=["2G-only subscriber registry"])
api.add_router("/devices", devices_router, tags=["device check"])
api.add_router("/field", field_router, tags=["field"])
api.add_router("/programmes", programmes_router, tags=["support programmes"])
api.add_router("/shops", shops_router, tags=["phone shops"])
api.add_router("/field/banners", banners_router, tags=["field"])
api.add_router("/field/programmes", field_programmes_router, tags=["field"])
api.add_router("/field/shops", field_shops_router, tags=["field"])


@api.exception_handler(DeviceRevoked)
def on_device_revoked(request: HttpRequest, exc: DeviceRevoked) -> HttpResponse:
    """A lost phone, revoked by its team leader: refused, and told to forget the cases and visits it holds.

    A phone signed out by its member's new password is told so (``details.reason``): it keeps what it holds
    (nothing is lost: it was its member's own) and asks to log in again, which sends what waits.
    """
    if exc.password:
        return error(
            request,
            401,
            "device_revoked",
            _("Your password was changed, so this phone was signed out: log in again on it. Nothing on it is lost."),
            {"reason": "password_changed"},
        )
    response = error(
        request, 401, "device_revoked", _("This phone was signed out of field work. Ask your team leader.")
    )
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response
