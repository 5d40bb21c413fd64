"""What the log lines of the current request or task say about it: its id, and the request (for its user's id).

Plain context variables, set by ``ops.requests.RequestLogMiddleware`` for a request and by the queue's
hooks for a task; read by the log filter (``ops.logs``) and by Sentry's ``before_send``.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.utils.functional import SimpleLazyObject

request_id: ContextVar[str | None] = ContextVar("switchoff_request_id", default=None)
current_request: ContextVar[Any] = ContextVar("switchoff_request", default=None)


def user_id() -> int | None:
    """The signed-in user's id, if the request already knows who it is: a log line never makes a query
    (the database may be what is failing), so a user not yet loaded is not looked up."""
    request = current_request.get()
    if request is None:
        return None
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        # AuthenticationMiddleware's lazy user: loaded once something asked, kept as _cached_user.
        user = request.__dict__.get("_cached_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    pk = getattr(user, "pk", None)
    return pk if isinstance(pk, int) else None
