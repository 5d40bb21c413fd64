"""The import page as a person uses it: upload (the check runs as a job), read what it found, confirm or re-check.

With Huey in immediate mode the job runs when the request's transaction
commits; in a test's transaction that is when the captured on-commit
callbacks are executed.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse

from switchoff.subscribers import importer
from switchoff.subscribers.models import ImportJob


def count_cleanings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The phase of every reading and cleaning of a list's rows from now on (all go through ``clean_rows``)."""
    cleanings: list[str] = []
    real_clean = importer.cleaning.clean_rows

    def counted_clean(*args: Any, **kwargs: Any) -> Any:
        cleanings.append(kwargs["phase"])
        return real_clean(*args, **kwargs)

    monkeypatch.setattr(importer.cleaning, "clean_rows", counted_clean)
    return cleanings


def check_on_page(client: Client, form: dict[str, Any], file: SimpleUploadedFile | None) -> Any:
    """Upload a list on the import page; its check runs in the worker. The job's page once checked (or the
    import page again when the request itself refused: no file, a date after today)."""
    data = {**form, **({"file": file} if file is not None else {})}
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("subscribers:import"), data)
    if response.status_code != 302:
        return response
    return client.get(response["Location"])


def job_of(page: Any) -> ImportJob:
    job: ImportJob = page.context["job"]
    job.refresh_from_db()
    return job


def recheck_on_page(client: Client, page: Any, **fields: Any) -> Any:
    """Check the job's upload again with other columns (``map-name=2``), encoding or separator."""
    url = reverse("subscribers:job_confirm", args=[job_of(page).pk])
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url, {"recheck": "1", **fields})
    return client.get(reverse("subscribers:job", args=[job_of(page).pk]))


def confirm_on_page(client: Client, page: Any, **fields: Any) -> Any:
    """Confirm the checked list (the write runs in the worker); the answer of the confirmation (a redirect)."""
    url = reverse("subscribers:job_confirm", args=[job_of(page).pk])
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, {"confirm": "1", **fields})
