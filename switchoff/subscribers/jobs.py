"""Running a confirmed import in the background, with progress and cancelling.

Progress and the worker's heartbeat live in the cache, not in the database:
the import writes in one transaction, and other connections would not see
progress written inside it (nor may PostgreSQL take a query while the rows
are being copied in).
A worker killed midway leaves the transaction uncommitted, so the registry is
as it was; the job then shows as stalled and can be started again. So does a
job running longer than IMPORT_JOB_TIMEOUT_S (it stops itself at its next
progress report). Any other error ends the job as failed, its trace in the log.
A failed job keeps a code as its message, shown in the reader's language.
"""

from __future__ import annotations

import datetime
import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.lib.filelimits import FileRefused, is_refusal_code
from switchoff.lib.uploads import find_upload
from switchoff.subscribers.guards import ImportRefusal
from switchoff.subscribers.guards import job_message as guard_message
from switchoff.subscribers.importer import Refused, same_list_imported
from switchoff.subscribers.models import ImportJob
from switchoff.subscribers.reader import UnreadableFile, read_file

STALLED_AFTER = datetime.timedelta(minutes=2)

logger = logging.getLogger(__name__)


class Cancelled(Exception):
    """The person cancelled the import; the transaction is rolled back."""


class TimedOut(Exception):
    """The import ran longer than IMPORT_JOB_TIMEOUT_S; the transaction is rolled back."""


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
    or that has been running longer than IMPORT_JOB_TIMEOUT_S."""
    if job.status != ImportJob.Status.RUNNING:
        return False
    now = now or timezone.now()
    # The stored heartbeat is written when the job starts running (the import's own
    # transaction hides later writes), so it tells how long the job has been running.
    if job.heartbeat and now - job.heartbeat > job_timeout():
        return True
    beats = [job.heartbeat] if job.heartbeat else []
    beat = progress(job.pk).get("beat")
    if beat:
        beats.append(datetime.datetime.fromtimestamp(float(beat), tz=datetime.UTC))
    return not beats or now - max(beats) > STALLED_AFTER


def run_job(job_id: int) -> None:
    """Check and import the job's file. Safe to run again after a crash: nothing half-written remains."""
    # services imports this module (cancel flags); the job calls the one write path of services.
    from switchoff.subscribers.services import list_write

    job = ImportJob.objects.select_related("operator", "area", "created_by").get(pk=job_id)
    if job.status in {ImportJob.Status.DONE, ImportJob.Status.CANCELLED}:
        return
    started = time.monotonic()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, heartbeat=timezone.now(), message="")

    def report(phase: str, done: int, total: int) -> None:
        state = {"phase": phase, "done": done, "total": total, "started": started, "beat": time.time()}
        cache.set(progress_key(job_id), state, 3600)
        if cache.get(progress_key(job_id) + ":cancel"):
            raise Cancelled
        if time.monotonic() - started > settings.IMPORT_JOB_TIMEOUT_S:
            raise TimedOut

    stored = find_upload("subscribers", owner_key(job.operator_id, job.area_id), job.upload_id)
    if stored is None:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, message="file_gone")
        return
    try:
        content = stored.read_bytes()
        earlier = same_list_imported(operator=job.operator, area=job.area, as_of=job.as_of, content=content)
        if earlier is not None:
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.DONE, result=earlier, message="already_imported", heartbeat=timezone.now()
            )
            stored.unlink(missing_ok=True)
            return
        read = read_file(content, job.file_name, encoding=job.encoding or None, separator=job.separator or None)
        mapping = {name: int(column) for name, column in job.mapping.items()} or None
        result = list_write(
            read,
            content=content,
            actor=job.created_by,
            operator=job.operator,
            area=job.area,
            as_of=job.as_of,
            mapping=mapping,
            file_name=job.file_name,
            refuse_errors=job.refuse_errors,
            allow_mass_leave=job.allow_mass_leave,
            progress=report,
        )
    except Cancelled:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CANCELLED)
        return
    except ImportRefusal as exc:  # a newer list, no good rows, a date after today, too many leaving
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, message=exc.job_code)
        return
    except Refused:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, message="refused")
        return
    except UnreadableFile as exc:  # a file limit or an unreadable file: its code says which
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, message=str(exc)[:300])
        return
    except ValidationError as exc:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, message=" ".join(exc.messages)[:300])
        return
    except Exception as exc:
        # A bug, or a file that breaks a library: the job must not stay "running".
        logger.exception("Import job %s failed", job_id)
        code = "timed_out" if isinstance(exc, TimedOut) else "crashed"
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, message=code)
        return
    total = result.checked.rows_read
    cache.set(progress_key(job_id), {"phase": "done", "done": total, "total": total, "started": started}, 3600)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE,
        result=result.source,
        message="already_imported" if result.already_imported else "",
        heartbeat=timezone.now(),
    )
    stored.unlink(missing_ok=True)


def message_of(job: ImportJob) -> str:
    """The job's message in the active language: jobs keep a code, the reader may speak another language."""
    if is_refusal_code(job.message):
        return FileRefused.from_code(job.message).message
    if job.message == "crashed":
        return _("An unexpected error stopped the import. The administrators can find the details in the log.")
    if job.message == "timed_out":
        return _("The import took longer than %(s)s seconds (limit IMPORT_JOB_TIMEOUT_S).") % {
            "s": settings.IMPORT_JOB_TIMEOUT_S
        }
    return guard_message(job.message)
