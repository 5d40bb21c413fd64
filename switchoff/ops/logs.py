"""Log lines: one per event, with the time in UTC (ISO 8601), the level, the logger, the message, the request id
and the user id, never a name, a phone number or anything else a person wrote.

``logging_config`` is the one configuration of the app, the worker and gunicorn (``deploy/gunicorn.conf.py``
uses it too, so the master and its workers write the same lines in the same time zone). JSON lines
(python-json-logger) in production; a readable line in development. Django's request loggers carry the path
in their message; ``Redact`` puts the route pattern in its place (``/api/v1/devices/imei/<imei>``, not the
IMEI) and drops query strings, which may hold a searched number.
"""

from __future__ import annotations

import datetime
import logging
import re
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from switchoff.ops import context

# What Django and runserver attach to a record that must not reach a line: the request itself (its repr holds
# the query string) and the socket.
NEVER_LOGGED = ("request", "server_time", "socket", "color_message")
QUERY = re.compile(r"\?[^\s\"]*")


class Context(logging.Filter):
    """Adds the request id and the user id of the request or task under way to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.request_id.get()
        record.user_id = context.user_id()
        return True


def route_of(request: Any) -> str:
    """A request's route pattern (``registry/<int:subscriber_id>/``), never its path: paths may carry an IMEI
    or a number. A path that matched no route is not repeated either."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return "/" + str(match.route)
    from django.conf import settings

    if str(getattr(request, "path", "")).startswith(settings.STATIC_URL):
        return settings.STATIC_URL + "…"  # a static file, answered by whitenoise before any route
    return "(no route)"


class Redact(logging.Filter):
    """Django's request loggers write the path (``Internal Server Error: /api/v1/devices/imei/35…``) and
    runserver the request line with its query string: the route stands in for the one, the query is cut
    from the other."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "get_full_path") and isinstance(record.args, tuple):
            paths = {request.path, request.get_full_path()}
            record.args = tuple(route_of(request) if arg in paths else arg for arg in record.args)
        if isinstance(record.args, tuple):
            record.args = tuple(QUERY.sub("?…", arg) if isinstance(arg, str) else arg for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = QUERY.sub("?…", record.msg)
        return True


class JsonLines(JsonFormatter):
    """One JSON object per line: time, level, logger, message, request_id, user_id, then any extra fields
    (status, duration_ms, …) and the exception's trace."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(
            ["levelname", "name", "message"],
            rename_fields={"levelname": "level", "name": "logger"},
            reserved_attrs=[*RESERVED_ATTRS, *NEVER_LOGGED],
        )

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        log_data["time"] = utc_time(record)  # first on the line
        super().add_fields(log_data, record, message_dict)


def utc_time(record: logging.LogRecord) -> str:
    return datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds")


class PlainLines(logging.Formatter):
    """A readable line for a developer's terminal, in the same time zone as the JSON lines (UTC)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(about)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id, user_id = getattr(record, "request_id", None), getattr(record, "user_id", None)
        record.about = (f" [{request_id}" + (f" user {user_id}" if user_id else "") + "]") if request_id else ""
        return super().format(record)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return utc_time(record)


def logging_config(*, json_lines: bool, level: str = "INFO") -> dict[str, Any]:
    """The ``LOGGING`` dictionary: one handler on standard error, every logger through it once."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "json" if json_lines else "plain",
        "filters": ["context", "redact"],
    }
    # Huey's consumer adds a handler of its own to "huey" when it has none, and the line then printed twice
    # (its handler and the root's): giving it ours, not propagated, prints it once. Gunicorn's loggers likewise.
    once = {"handlers": ["console"], "level": level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": "switchoff.ops.logs.Context"},
            "redact": {"()": "switchoff.ops.logs.Redact"},
        },
        "formatters": {
            "json": {"()": "switchoff.ops.logs.JsonLines"},
            "plain": {"()": "switchoff.ops.logs.PlainLines"},
        },
        "handlers": {"console": handler},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "huey": once,
            "gunicorn.error": once,
            "gunicorn.access": once,
            # Django's defaults give "django" a console handler of its own when DEBUG is on (a second line for
            # each event, as the root has one) and "django.server" another format: ours instead.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": once,
            # A request's own line (ops.requests) says its status: Django's warning for each 4xx would be a
            # second line for the same event. Its errors (5xx, with their trace) stay.
            "django.request": {"handlers": [], "level": "ERROR", "propagate": True},
        },
    }
