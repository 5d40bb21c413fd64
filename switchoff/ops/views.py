"""/health/live (is this process up?), /health/ (does every part work?) and /metrics (for Prometheus)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST

from switchoff.ops.health import OK, run_checks
from switchoff.ops.metrics import exposition


@never_cache
def live(request: HttpRequest) -> HttpResponse:
    """The load balancer's check: this app server answers. It asks nothing of the shared services, so that a
    database or Redis outage, which every app server shares, does not take every one of them out of the pool."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """The monitor's check: 200 when the database, the cache, the queue and the storage all work, else 503
    naming each part's answer."""
    parts = run_checks()
    healthy = all(answer == OK for answer in parts.values())
    return JsonResponse({"status": OK if healthy else "failed", "checks": parts}, status=200 if healthy else 503)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus's scrape, with ``Authorization: Bearer <METRICS_TOKEN>``. Off (404) without the variable;
    401 for a missing or wrong token."""
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    sent = request.headers.get("Authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        response = HttpResponse("A bearer token is required.", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
