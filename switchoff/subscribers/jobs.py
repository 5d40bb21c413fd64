"""Checking an uploaded list, then writing it once confirmed, in the background, with progress and cancelling.

A job starts as ``checking``: the worker reads and checks every row
(``services.list_check``), writes the cleaned good rows to a file beside the
upload (marshalled batches), the problems to another (one JSON line each), and
keeps on the job what the page shows and what the write needs
(``checked_data``). Confirming only queues the write, which streams the saved
rows straight into the bulk load without reading the file again.

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

import contextlib
import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.jobs.lease import HandedBack, Lease, LeaseLost
from switchoff.lib.db import long_running
from switchoff.lib.filelimits import FileRefused, is_refusal_code
from switchoff.lib.sheets import ProblemLines, UnreadableFile, read_file, read_problem_lines
from switchoff.lib.storage import local_file, save_local
from switchoff.lib.uploads import (
    find_upload,
    problem_lines,
    problems_name,
    remove_upload,
    rows_name,
    upload_name,
    upload_storage,
)
from switchoff.ops.metrics import record_import
from switchoff.subscribers.guards import ImportRefusal, Review
from switchoff.subscribers.guards import job_message as guard_message
from switchoff.subscribers.importer import CheckedList, Problem, Refused, SavedCheck, same_list_imported
from switchoff.subscribers.importer.columns import propose_mapping
from switchoff.subscribers.models import ImportJob
from switchoff.subscribers.progress import STALLED_AFTER as STALLED_AFTER
from switchoff.subscribers.progress import clear_cancel as clear_cancel
from switchoff.subscribers.progress import is_stalled as is_stalled
from switchoff.subscribers.progress import job_timeout as job_timeout
from switchoff.subscribers.progress import owner_key as owner_key
from switchoff.subscribers.progress import progress as progress
from switchoff.subscribers.progress import progress_key as progress_key
from switchoff.subscribers.progress import request_cancel as request_cancel
from switchoff.subscribers.progress import review_of as review_of

logger = logging.getLogger(__name__)


class Cancelled(Exception):
    """The person cancelled the import; the transaction is rolled back."""


class TimedOut(Exception):
    """The import ran longer than IMPORT_JOB_TIMEOUT_S; the transaction is rolled back."""


REPORT_EVERY_S = 0.25  # the progress bar's step: a report per batch cost a cache write each (0.7 s a million rows)


def _reporter(job_id: int, started: float, lease: Lease | None = None) -> Callable[[str, int, int], None]:
    last: dict[str, Any] = {"at": 0.0, "phase": ""}

    def report(phase: str, done: int, total: int) -> None:
        if lease is not None:
            lease.check()  # handed back (the worker stops) or taken over: roll back now
        now = time.monotonic()
        if phase == last["phase"] and done < total and now - last["at"] < REPORT_EVERY_S:
            return
        last.update(at=now, phase=phase)
        state = {"phase": phase, "done": done, "total": total, "started": started, "beat": time.time()}
        cache.set(progress_key(job_id), state, 3600)
        if cache.get(progress_key(job_id) + ":cancel"):
            raise Cancelled
        if time.monotonic() - started > settings.IMPORT_JOB_TIMEOUT_S:
            raise TimedOut

    return report


def keep_check_files(name: str, rows: Path, problems: Path | None) -> None:
    """Keep a check's cleaned rows and problems, written to local files, beside the upload in its storage."""
    storage = upload_storage()
    save_local(storage, rows_name(name), rows)
    if problems is not None:
        save_local(storage, problems_name(name), problems)


def checked_data(check: Any) -> dict[str, Any]:
    """What the background check keeps on the job (``ImportJob.checked``), as JSON data: the page renders it in
    the reader's language (codes and counts, not sentences), and the write takes its ``state``."""
    checked: CheckedList = check.checked
    review: Review = check.review
    first = check.read.sheets[0] if check.read.sheets else None
    proposal = propose_mapping(first.head) if first is not None and not first.headerless else None
    return {
        "step": "checked",
        "state": checked.state(),
        "summary": checked.summary(),
        "review": {
            "as_of": review.as_of.isoformat(),
            "good": review.good,
            "leaving": review.leaving,
            "current": review.current,
            "newer": review.newer.isoformat() if review.newer else None,
            "already_imported": review.already_imported,
        },
        "columns": next(iter(checked.mappings.values()), {}),
        "headers": proposal.headers if proposal is not None else [],
        "encoding": check.read.encoding,
        "separator": check.read.separator,
        "problems": checked.error_count + checked.warning_count,
    }


def stored_problems(job: ImportJob, *, offset: int = 0, limit: int | None = None) -> Iterator[Problem]:
    """The problems the job's check found, in file order, from ``offset``; errors only with ``errors_only``."""
    name = upload_name("subscribers", owner_key(job.operator_id, job.area_id), job.upload_id)
    if name is None:
        return
    yield from read_problem_lines(problem_lines(name), offset=offset, limit=limit)


def run_check(job: ImportJob, lease: Lease | None = None) -> None:
    """The check as a step of the job: every row read and checked, the cleaned rows and problems saved."""
    started = time.monotonic()
    # Marked as a check under way: started again after a failure, the job checks again (``import_job_restart``).
    ImportJob.objects.filter(pk=job.pk).update(heartbeat=timezone.now(), message="", checked={"step": "check"})
    report = _reporter(job.pk, started, lease)
    name = find_upload("subscribers", owner_key(job.operator_id, job.area_id), job.upload_id)
    if name is None:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, message="file_gone")
        return
    # The file read on this machine's disk (a copy of an object), the rows and problems written there, then kept
    # in the storage beside the upload for whichever machine confirms or pages them.
    try:
        with local_file(upload_storage(), name) as stored, tempfile.TemporaryDirectory(prefix="switchoff-") as tmp:
            _check_file(job, name, stored, Path(tmp), started, report)
    except FileNotFoundError:  # removed (expired) between the look and the copy
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, message="file_gone")


def _check_file(job: ImportJob, name: str, stored: Path, folder: Path, started: float, report: Any) -> None:
    from switchoff.subscribers.services import list_check  # the one check every path makes

    rows_path, problems_path = folder / "rows", folder / "problems"
    try:
        report("checking", 0, 0)  # taken by a worker: the page stops saying that none is running
        with rows_path.open("wb") as rows, problems_path.open("w", encoding="utf-8") as problems:
            sink = ProblemLines(problems)
            mapping = {name: int(column) for name, column in job.mapping.items()} or None
            with long_running():  # the job's time limits, not the web's
                check = list_check(operator=job.operator, area=job.area, as_of=job.as_of, content=stored,
                                   file_name=job.file_name, mapping=mapping, encoding=job.encoding,
                                   separator=job.separator, progress=report, rows_to=rows, sink=sink)  # fmt: skip
    except (HandedBack, LeaseLost):
        logger.info("Import job %s stops here; another worker takes it up.", job.pk)
        return
    except Cancelled:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CANCELLED)
        return
    except ImportRefusal as exc:  # a date after today, an empty file
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, message=exc.job_code)
        return
    except UnreadableFile as exc:  # a file limit or an unreadable file: its code says which
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, message=str(exc)[:300])
        return
    except Exception as exc:
        logger.exception("Import job %s failed while checking", job.pk)
        code = "timed_out" if isinstance(exc, TimedOut) else "crashed"
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, message=code)
        return
    total = check.checked.rows_read
    keep_check_files(name, rows_path, problems_path)
    cache.set(progress_key(job.pk), {"phase": "checked", "done": total, "total": total, "started": started}, 3600)
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKING).update(
        status=ImportJob.Status.CHECKED, checked=checked_data(check), heartbeat=timezone.now()
    )


def _confirmed_after_check(job_id: int) -> bool:
    """The API's ``confirm=true``: a checked list that passes its rules is queued for writing at once; one they
    refuse fails with the rule's code (its check stays readable)."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.Status.CHECKED:
        return False
    try:
        review_of(job.checked).enforce(allow_mass_leave=job.allow_mass_leave)
    except ImportRefusal as exc:
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.CHECKED).update(
            status=ImportJob.Status.FAILED, message=exc.job_code
        )
        return False
    queued = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.CHECKED)
    return queued.update(status=ImportJob.Status.QUEUED, heartbeat=timezone.now()) == 1


def run_job(job_id: int, lease: Lease | None = None) -> None:
    """Check the job's file, or write it once confirmed. Safe to run again after a crash: nothing half-written
    remains. Under a ``lease`` (the task's), the job stops, rolled back and left as it was for the next worker,
    when the worker hands it back or lost it."""
    job = ImportJob.objects.select_related("operator", "area", "created_by").get(pk=job_id)
    if job.status == ImportJob.Status.CHECKING:
        run_check(job, lease)
        if job.confirm_after_check and _confirmed_after_check(job.pk):
            run_job(job_id, lease)  # the write, in the same task and under the same lease
        return
    if job.status in {ImportJob.Status.DONE, ImportJob.Status.CANCELLED, ImportJob.Status.CHECKED}:
        return
    started = time.monotonic()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, heartbeat=timezone.now(), message="")
    report = _reporter(job_id, started, lease)
    name = find_upload("subscribers", owner_key(job.operator_id, job.area_id), job.upload_id)
    if name is None:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, message="file_gone")
        return
    # The check saved its cleaned rows: the write streams them (a local copy) and does not read the file again.
    storage = upload_storage()
    try:
        with contextlib.ExitStack() as local:
            stored = local.enter_context(local_file(storage, name))
            state = job.checked.get("state")
            saved = None
            if state and storage.exists(rows_name(name)):
                saved = SavedCheck(local.enter_context(local_file(storage, rows_name(name))), state)
            _write_file(job, name, stored, saved, started, report)
    except FileNotFoundError:  # removed (expired) between the look and the copy
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, message="file_gone")


def _write_file(job: ImportJob, name: str, stored: Path, saved: SavedCheck | None, started: float,
                report: Any) -> None:  # fmt: skip
    # services imports this module (cancel flags); the job calls the one write path of services.
    from switchoff.subscribers.services import list_write

    job_id = job.pk
    try:
        content = stored
        earlier = same_list_imported(operator=job.operator, area=job.area, as_of=job.as_of, content=content,
                                     digest=saved.state["digest"] if saved is not None else "")  # fmt: skip
        if earlier is not None:
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.DONE, result=earlier, message="already_imported", heartbeat=timezone.now()
            )
            remove_upload(name)
            return
        read = (
            None
            if saved is not None
            else read_file(content, job.file_name, encoding=job.encoding or None, separator=job.separator or None)
        )
        mapping = {name: int(column) for name, column in job.mapping.items()} or None
        with long_running():  # the job's time limits, not the web's
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
                saved=saved,
            )
    except (HandedBack, LeaseLost):
        logger.info("Import job %s stops here; another worker takes it up.", job.pk)
        return
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
    if not result.already_imported:
        record_import(rows=total, seconds=time.monotonic() - started)
    cache.set(progress_key(job_id), {"phase": "done", "done": total, "total": total, "started": started}, 3600)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE,
        result=result.source,
        message="already_imported" if result.already_imported else "",
        heartbeat=timezone.now(),
    )
    remove_upload(name)


def give_up(job_id: int) -> None:
    """The job lost its worker ``JOB_MAX_ATTEMPTS`` times (the reaper's last word): failed, to be restarted by a
    person."""
    active = {ImportJob.Status.CHECKING, ImportJob.Status.QUEUED, ImportJob.Status.RUNNING}
    ImportJob.objects.filter(pk=job_id, status__in=active).update(status=ImportJob.Status.FAILED, message="worker_lost")


def message_of(job: ImportJob) -> str:
    """The job's message in the active language: jobs keep a code, the reader may speak another language."""
    if is_refusal_code(job.message):
        return FileRefused.from_code(job.message).message
    if job.message == "crashed":
        return _("An unexpected error stopped the import. The administrators can find the details in the log.")
    if job.message == "worker_lost":
        return _(
            "The workers running this import stopped %(n)s times without finishing it. Start it again; if it "
            "stops again, tell the administrators."
        ) % {"n": settings.JOB_MAX_ATTEMPTS}
    if job.message == "timed_out":
        return _("The import took longer than %(s)s seconds (limit IMPORT_JOB_TIMEOUT_S).") % {
            "s": settings.IMPORT_JOB_TIMEOUT_S
        }
    return guard_message(job.message)
