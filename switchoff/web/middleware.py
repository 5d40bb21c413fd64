"""Responses of this server are private: no browser or proxy keeps a copy.

Almost every page and API answer holds personal data (names, numbers,
addresses) or a unit's figures, and an office PC is often shared: a page with a
revealed number must not come back from the browser's cache, nor sit in a
proxy's. Static files are answered by WhiteNoise before this runs and keep
their long-lived caching. A view that sets its own Cache-Control keeps it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response


class RefuseNulMiddleware:
    """A NUL character in a query parameter is refused with a 400 before any view reads it.

    No person types one, PostgreSQL refuses it in any text (a 500 from deep in a query), and SQLite would store it:
    one answer, here, for every page and API operation.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            return HttpResponseBadRequest(
                _("The address holds a character that cannot be read (NUL). Check the link and try again."),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
