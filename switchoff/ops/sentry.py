"""Errors to Sentry (or a compatible server) when SENTRY_DSN is set, without personal data.

``send_default_pii=False`` keeps users' names, addresses and cookies out; bodies are never read
(``max_request_body_size="never"``), local variables of the stack are not sent (a frame may hold a phone number),
and ``scrub`` removes what is left that could carry one: the request's body, query string, cookies and
headers other than a few harmless ones, and any run of eight digits or more in the event's text (a number, an
IMEI), dates and ids left as they are. The event is tagged with the request id of its log lines.
"""

from __future__ import annotations

import re
from typing import Any

from switchoff.ops import context

SAFE_HEADERS = {"content-type", "content-length", "user-agent", "x-request-id", "accept-language"}
# Eight digits or more, alone or grouped by spaces or dots (0912 345 678, +84.912.345.678, an IMEI); a date
# (2024-08-01) or a hexadecimal id mixing letters is not one.
DIGITS = re.compile(r"(?<![\w.])\+?\d(?:[ .]?\d){7,}(?![\w])")
KEEP_KEYS = {"event_id", "trace_id", "span_id", "parent_span_id", "timestamp", "start_timestamp", "release"}


def _scrub_text(value: Any) -> Any:
    if isinstance(value, str):
        return DIGITS.sub("[digits]", value)
    if isinstance(value, list):
        return [_scrub_text(v) for v in value]
    if isinstance(value, dict):
        return {k: v if k in KEEP_KEYS else _scrub_text(v) for k, v in value.items()}
    return value


def scrub(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's ``before_send``: the event without anything that could carry a person's number."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "query_string", "cookies", "env"):
            request.pop(key, None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: v for k, v in headers.items() if k.lower() in SAFE_HEADERS}
    scrubbed: dict[str, Any] = _scrub_text(event)
    request_id = context.request_id.get()
    if request_id:
        scrubbed.setdefault("tags", {})["request_id"] = request_id
    return scrubbed


def init_sentry(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.huey import HueyIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), HueyIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=traces_sample_rate,
        before_send=scrub,  # type: ignore[arg-type]
        before_breadcrumb=lambda crumb, hint: _scrub_text(crumb),
    )
