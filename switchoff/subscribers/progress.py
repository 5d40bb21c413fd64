"""An import job's state as the pages, the API and the services read it: its progress and cancel flag in the
cache, whether it stalled, its stored review, the key its files are kept under.

Below the job (``jobs.py``, which runs it) and the services (which create, cancel and restart it): both read
these, and the calls run one way, task → job → service → importer → guards.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from switchoff.subscribers.guards import Review
from switchoff.subscribers.models import ImportJob

# The kind of the import's lease (``switchoff.jobs.lease``), registered by ``tasks.py``.
IMPORT_KIND = "subscribers.import"
# The kind of a registry export's lease (``exporting.py``), registered by ``tasks.py`` too.
EXPORT_KIND = "subscribers.export"

STALLED_AFTER = datetime.timedelta(minutes=2)


def job_timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.IMPORT_JOB_TIMEOUT_S)


def owner_key(operator_id: int, area_id: int) -> int:
    return operator_id * 1_000_000_000 + area_id


def progress_key(job_id: int) -> str:
    return f"subscribers:import-job:{job_id}"


def progress(job_id: int) -> dict[str, Any]:
    return cache.get(progress_key(job_id)) or {"phase": "waiting", "done": 0, "total": 0, "started": None}


def request_cancel(job_id: int) -> None:
    cache.set(progress_key(job_id) + ":cancel", True, timeout=3600)


def clear_cancel(job_id: int) -> None:
    """Before starting a cancelled job again."""
    cache.delete(progress_key(job_id) + ":cancel")


def is_stalled(job: ImportJob, now: datetime.datetime | None = None) -> bool:
    """A running job whose worker has not been heard of for a while (killed, or its machine restarted),
    or that has been running longer than IMPORT_JOB_TIMEOUT_S. A check is stalled once it started and fell silent."""
    now = now or timezone.now()
    if job.status == ImportJob.Status.CHECKING:
        heard = progress(job.pk).get("beat")
        return (
            heard is not None and now - datetime.datetime.fromtimestamp(float(heard), tz=datetime.UTC) > STALLED_AFTER
        )
    if job.status != ImportJob.Status.RUNNING:
        return False
    # The stored heartbeat is written when the job starts running (the import's own
    # transaction hides later writes), so it tells how long the job has been running.
    if job.heartbeat and now - job.heartbeat > job_timeout():
        return True
    beats = [job.heartbeat] if job.heartbeat else []
    beat = progress(job.pk).get("beat")
    if beat:
        beats.append(datetime.datetime.fromtimestamp(float(beat), tz=datetime.UTC))
    return not beats or now - max(beats) > STALLED_AFTER


def review_of(data: dict[str, Any]) -> Review:
    """The stored review of a checked job, to show and to enforce at the confirmation."""
    review = data["review"]
    return Review(
        as_of=datetime.date.fromisoformat(review["as_of"]),
        good=review["good"],
        leaving=review["leaving"],
        current=review["current"],
        newer=datetime.date.fromisoformat(review["newer"]) if review["newer"] else None,
        already_imported=review["already_imported"],
    )
