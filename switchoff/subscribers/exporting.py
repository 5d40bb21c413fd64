"""A registry export made by a worker, under the job's lease (``switchoff/jobs/lease.py``).

The registry page queues an ``ExportJob`` (``services.registry_export_job_create``); a worker reads the unit's
subscribers as the person filtered them (through the same ``unit_subscribers`` as the page, so as the person's
access is now), writes the Excel file to the ``uploads`` storage under a name of the job's own (written again
whole by a worker that takes the job over), then logs the export and marks it ready in one transaction
(``services.registry_export_job_done``). The person downloads it from the registry page, until uploads expire
(``UPLOAD_KEEP_HOURS``). A worker killed midway leaves no log and the job not ready: the reaper queues it again;
a worker stopped with SIGTERM stops at its next step and hands it over.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from switchoff.jobs.lease import HandedBack, Lease, LeaseLost
from switchoff.lib.db import long_running
from switchoff.lib.uploads import upload_storage
from switchoff.subscribers.models import ExportJob
from switchoff.subscribers.selectors import RegistryFilters, unit_subscribers
from switchoff.subscribers.services import masked_query, registry_export_job_done
from switchoff.subscribers.spreadsheets import registry_xlsx

logger = logging.getLogger(__name__)

EXPORT_LIMIT = 50_000  # rows of one export: a unit's list, narrowed by filters (a ward holds a few thousand)

Status = ExportJob.Status


def stored_name(job: ExportJob) -> str:
    """The export's file in the ``uploads`` storage: under ``exports/``, which expires like every upload."""
    return f"exports/{job.pk}-{job.created_by_id}.xlsx"


def _fail(job_id: int, code: str) -> None:
    job = ExportJob.objects.filter(pk=job_id).exclude(status=Status.DONE).first()
    if job is not None:
        ExportJob.objects.filter(pk=job_id).exclude(status=Status.DONE).update(
            status=Status.FAILED, message=code, query=masked_query(job.query), finished_at=timezone.now()
        )


def run_export(job_id: int, lease: Lease | None = None) -> None:
    """Make the job's file and log it, or nothing when it is ready or failed already. Safe to run again."""
    job = ExportJob.objects.select_related("created_by", "unit").get(pk=job_id)
    if job.status in {Status.DONE, Status.FAILED}:
        return
    ExportJob.objects.filter(pk=job_id).update(status=Status.RUNNING)
    check = lease.check if lease is not None else (lambda: None)
    try:
        with long_running():  # the job's time limits, not the web's
            subscribers = unit_subscribers(job.created_by, job.unit, RegistryFilters.of(job.query))
            rows = list(subscribers.select_related("unit", "operator").order_by("pk")[: EXPORT_LIMIT + 1])
        if len(rows) > EXPORT_LIMIT:
            _fail(job_id, "too_many")
            return
        check()
        content = registry_xlsx(job.unit, rows, full=job.full)
        check()
        storage, name = upload_storage(), stored_name(job)
        storage.delete(name)  # a file a worker that died left half-written, or whole
        storage.save(name, ContentFile(content))
        registry_export_job_done(job_id=job_id, subscriber_ids=[s.pk for s in rows], stored=name)
    except (HandedBack, LeaseLost):
        logger.info("Export job %s stops here; another worker takes it up.", job_id)
    except PermissionDenied:  # the person may no longer see full numbers there
        _fail(job_id, "not_allowed")
    except Exception:
        logger.exception("Export job %s failed", job_id)
        _fail(job_id, "crashed")


def give_up(job_id: int) -> None:
    """The job lost its worker ``JOB_MAX_ATTEMPTS`` times (the reaper's last word): failed, for a person to see."""
    _fail(job_id, "worker_lost")


def message_of(job: ExportJob) -> str:
    """Why the export failed, in the reader's language (the job keeps a code)."""
    return {
        "": "",
        "too_many": _("More than %(n)s subscribers match: choose a smaller unit or more filters, then export again.")
        % {"n": f"{EXPORT_LIMIT:,}".replace(",", ".")},
        "not_allowed": _("You may no longer export full numbers in this unit."),
        "crashed": _("An unexpected error stopped the export. The administrators can find the details in the log."),
        "worker_lost": _("The workers making this export stopped without finishing it. Export again."),
    }.get(job.message, job.message)
