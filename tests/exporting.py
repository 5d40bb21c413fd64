"""The registry's export as a person makes it: asked from the registry page (a POST with the page's query), made
by the worker once the request commits (Huey runs at once in the tests), then downloaded from the page's list."""

from __future__ import annotations

from typing import Any

from django.http.response import HttpResponseBase
from django.test import Client, TestCase
from django.urls import reverse

from switchoff.subscribers.models import ExportJob


def export(client: Client, params: dict[str, Any]) -> HttpResponseBase:
    """The downloaded file's response; a refusal (403, a redirect with a message, a failed job's page) as it is."""
    before = set(ExportJob.objects.values_list("pk", flat=True))
    with TestCase.captureOnCommitCallbacks(execute=True):
        asked = client.post(reverse("subscribers:export"), {k: v for k, v in params.items() if v != ""})
    made = ExportJob.objects.exclude(pk__in=before).first()
    if made is None or made.status != ExportJob.Status.DONE:
        return asked
    return client.get(reverse("subscribers:export_download", args=[made.pk]))


def content(response: HttpResponseBase) -> bytes:
    """The bytes of a downloaded export (a streamed file)."""
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]
