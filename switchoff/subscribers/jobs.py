"""Running a confirmed import in the background, with progress and cancelling.

Progress lives in the cache, not in the database: the import writes in one
transaction, and other connections would not see progress written inside it.
A worker killed midway leaves the transaction uncommitted, so the registry is
as it was; the job then shows as stalled and can be started again.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from switchoff.lib.uploads import find_upload
from switchoff.subscribers.importer import OutOfOrder, apply_list, check_list, same_list_imported
from switchoff.subscribers.models import ImportJob
from switchoff.subscribers.reader import UnreadableFile, read_file

STALLED_AFTER = datetime.timedelta(minutes=2)


class Cancelled(Exception):
    """The person cancelled the import; the transaction is rolled back."""


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
    now = now or timezone.now()
    return job.status == ImportJob.Status.RUNNING and (job.heartbeat is None or now - job.heartbeat > STALLED_AFTER)


def run_job(job_id: int) -> None:
    """Check and import the job's file. Safe to run again after a crash: nothing half-written remains."""
    job = ImportJob.objects.select_related("operator", "area", "created_by").get(pk=job_id)
    if job.status in {ImportJob.Status.DONE, ImportJob.Status.CANCELLED}:
        return
    started = time.monotonic()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, heartbeat=timezone.now(), message="")

    def report(phase: str, done: int, total: int) -> None:
        cache.set(progress_key(job_id), {"phase": phase, "done": done, "total": total, "started": started}, 3600)
        ImportJob.objects.filter(pk=job.pk).update(heartbeat=timezone.now())
        if cache.get(progress_key(job_id) + ":cancel"):
            raise Cancelled

    stored = find_upload("subscribers", owner_key(job.operator_id, job.area_id), job.upload_id)
    try:
        if stored is None:
            raise ValidationError("The uploaded file is gone. Upload it again.")
        content = stored.read_bytes()
        earlier = same_list_imported(operator=job.operator, area=job.area, as_of=job.as_of, content=content)
        if earlier is not None:
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.DONE, result=earlier, message="already_imported", heartbeat=timezone.now()
            )
            stored.unlink(missing_ok=True)
            return
        read = read_file(content, job.file_name)
        mapping = {name: int(column) for name, column in job.mapping.items()} or None
        checked = check_list(
            read, content=content, operator=job.operator, area=job.area, mapping=mapping, progress=report
        )
        if job.refuse_errors and checked.errors:
            raise ValidationError("Refused: the file has errors.")
        result = apply_list(
            actor=job.created_by,
            checked=checked,
            operator=job.operator,
            area=job.area,
            as_of=job.as_of,
            file_name=job.file_name,
            progress=report,
        )
    except Cancelled:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CANCELLED)
        return
    except OutOfOrder as exc:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, message=f"out_of_order:{exc}")
        return
    except (ValidationError, UnreadableFile) as exc:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, message=str(exc)[:300])
        return
    total = len(checked.rows)
    cache.set(progress_key(job_id), {"phase": "done", "done": total, "total": total, "started": started}, 3600)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE,
        result=result.source,
        message="already_imported" if result.already_imported else "",
        heartbeat=timezone.now(),
    )
    stored.unlink(missing_ok=True)
