"""Each request's id and its one log line; a database that gave up in time answered as such.

The id comes from ``X-Request-ID`` when a trusted proxy (``TRUSTED_PROXIES``, nginx in ``deploy/``) set it, so
that nginx's line and ours carry the same id; otherwise it is made here. It is returned in the response's
``X-Request-ID``, shown on the error pages, and put on every log line of the request (``ops.logs``).

The request's line names its route pattern, never its path or query (they may carry an IMEI or a number):
``GET /registry/<int:subscriber_id>/ 200``, with the status, the time taken and the user's id.

A statement past ``DB_STATEMENT_TIMEOUT_MS`` or a lock not had within ``DB_LOCK_TIMEOUT_MS`` (``lib.db``) is an
answer, not a crash: 503 with a page saying that nothing was changed and to try again in a moment.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template import loader

from switchoff.lib.db import timeout_kind
from switchoff.lib.request_context import from_trusted_proxy
from switchoff.ops import context
from switchoff.ops.logs import route_of

logger = logging.getLogger("switchoff.request")

HEADER = "X-Request-ID"
# What a proxy's id may look like (nginx's $request_id is 32 hex digits); anything else is replaced.
ACCEPTED_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")
RETRY_AFTER_S = 10


def request_id_of(request: HttpRequest) -> str:
    sent = request.headers.get(HEADER, "")
    if sent and ACCEPTED_ID.fullmatch(sent) and from_trusted_proxy(request):
        return sent
    return uuid.uuid4().hex


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_of(request)
        request.request_id = request_id  # type: ignore[attr-defined]  # for the error pages
        tokens = context.request_id.set(request_id), context.current_request.set(request)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            extra = {
                "method": request.method,
                "route": route_of(request),
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            }
            gave_up = getattr(request, "database_gave_up", None)
            if gave_up:
                extra["database_gave_up"] = gave_up
            logger.info("%s %s %s", request.method, route_of(request), response.status_code, extra=extra)
            return response
        finally:
            context.request_id.reset(tokens[0])
            context.current_request.reset(tokens[1])

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        kind = timeout_kind(exception)
        if kind is None:
            return None
        request.database_gave_up = kind  # type: ignore[attr-defined]  # said on the request's own line
        return busy(request)


def busy(request: HttpRequest) -> HttpResponse:
    """503: the database did not answer in time. Nothing of the request was written (its transaction, if
    any, rolled back); a moment later it usually goes through."""
    body = loader.get_template("errors/503.html").render({"request_id": getattr(request, "request_id", "")})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response
