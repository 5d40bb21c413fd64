"""The project's own error pages (400, 403, 404, 500 and a refused CSRF check), translated.

Django's defaults are bare English pages; a ward official who follows an old
link or whose form expired must read what happened and what to do, in their
language. 400/403/404 render inside the normal page shell; 500 renders a page
of its own that needs no database and no context processor, because the error
may be that the database is gone.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # The request's id (switchoff.ops.requests), to find the error's log line and its trace.
    context = {"request_id": getattr(request, "request_id", "")}
    return HttpResponseServerError(loader.get_template("errors/500.html").render(context))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/403_csrf.html", status=403)
