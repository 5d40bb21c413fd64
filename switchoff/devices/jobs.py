"""A device table written by a worker, under the job's lease (``switchoff/jobs/lease.py``).

The page checks the table within the request (a few thousand rows) and keeps the upload; confirming queues a
``DeviceImportJob``. The worker reads the kept upload again, checks it with the person's columns, and writes the
table and the registry's classes with the job marked done in one transaction
(``services.device_import_job_write``). A worker killed midway leaves nothing written, and the reaper queues the
job for another; a worker stopped with SIGTERM stops before its next batch (``HandedBack``), rolled back, and
hands the job over at once. A job done already is not written again.
"""

from __future__ import annotations

import logging

from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.devices.importer import NoTacColumn, check_table
from switchoff.devices.models import DeviceImportJob
from switchoff.devices.services import device_import_job_write
from switchoff.jobs.lease import HandedBack, Lease, LeaseLost
from switchoff.lib.db import long_running
from switchoff.lib.filelimits import FileRefused, is_refusal_code
from switchoff.lib.sheets import read_file
from switchoff.lib.uploads import find_upload, read_upload, remove_upload

logger = logging.getLogger(__name__)

Status = DeviceImportJob.Status


def _fail(job_id: int, code: str) -> None:
    DeviceImportJob.objects.filter(pk=job_id).exclude(status=Status.DONE).update(
        status=Status.FAILED, message=code[:300], finished_at=timezone.now()
    )


def run_device_import(job_id: int, lease: Lease | None = None) -> None:
    """Write the job's table, or nothing when it is done or failed already. Safe to run again after a crash."""
    job = DeviceImportJob.objects.get(pk=job_id)
    if job.status in {Status.DONE, Status.FAILED}:
        return
    DeviceImportJob.objects.filter(pk=job_id).update(status=Status.RUNNING)
    name = find_upload("devices", job.created_by_id, job.upload_id)
    if name is None:
        _fail(job_id, "file_gone")
        return
    try:
        columns = {field: int(column) for field, column in job.columns.items()} or None
        checked = check_table(read_file(read_upload(name), job.file_name), columns=columns)
        if not checked.rows:
            _fail(job_id, "no_rows")
            return
        with long_running():  # the job's time limits, not the web's
            device_import_job_write(job_id=job_id, checked=checked, progress=lease.check if lease else None)
    except (HandedBack, LeaseLost):
        logger.info("Device import job %s stops here; another worker takes it up.", job_id)
        return
    except FileRefused as exc:
        _fail(job_id, exc.code)
        return
    except NoTacColumn:
        _fail(job_id, "no_tac_column")
        return
    except Exception:
        logger.exception("Device import job %s failed", job_id)
        _fail(job_id, "crashed")
        return
    remove_upload(name)


def give_up(job_id: int) -> None:
    """The job lost its worker ``JOB_MAX_ATTEMPTS`` times (the reaper's last word): failed, for a person to see."""
    _fail(job_id, "worker_lost")


def message_of(job: DeviceImportJob) -> str:
    """The job's message in the reader's language: the job keeps a code, the reader may speak another language."""
    if is_refusal_code(job.message):
        return FileRefused.from_code(job.message).message
    if job.message == "no_tac_column":
        return NoTacColumn("column").message
    return {
        "": "",
        "file_gone": _("The uploaded file has expired. Upload it again."),
        "no_rows": _("The file has no good rows to import."),
        "crashed": _("An unexpected error stopped the import. The administrators can find the details in the log."),
        "worker_lost": _("The workers running this import stopped without finishing it. Upload the file again."),
    }.get(job.message, job.message)
