"""Holders of roles that require two-factor authentication must set it up first."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from switchoff.people.services import user_requires_two_factor

# Paths a user who still has to set up two-factor may open.
_ALLOWED_NAMES = ("people:two_factor_setup", "people:logout", "people:language")


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not getattr(user, "is_verified", lambda: False)()
            and not request.path.startswith(("/static/", "/api/"))
            and request.path not in {reverse(name) for name in _ALLOWED_NAMES}
            and user_requires_two_factor(user)
        ):
            return redirect("people:two_factor_setup")
        return self.get_response(request)


class UserLanguageMiddleware:
    """Vietnamese unless the person chose otherwise.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and
    many office PCs in Vietnam run an English Windows: the campaign's language
    is Vietnamese, so only an explicit choice (the user's setting, or the
    cookie before login) switches it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = user.language
        else:
            language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
