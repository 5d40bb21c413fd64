"""Writes of the device check: importing a device table (at once, or as a worker's job), counting verdicts, a
campaign's support contacts."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from switchoff.audit.services import log_action
from switchoff.campaigns.models import Campaign
from switchoff.devices.importer import CheckedTable, DeviceRow, search_name
from switchoff.devices.models import DeviceImportJob, DeviceModel, DeviceModelVersion, VerdictTally
from switchoff.devices.registry import classify_imported
from switchoff.jobs.lease import enqueue

DEVICE_IMPORT = "devices.import"  # the kind of the job's lease (``jobs.lease``), registered by ``tasks.py``

BATCH = 2000
_COMPARED = ("brand", "model", "radio", "device_type", "certified_2g_only", "is_demo")
_COPIED = ("tac", "brand", "model", "search_name", "radio", "device_type", "certified_2g_only", "is_demo", "source")


@dataclass(frozen=True)
class ImportResult:
    created: int
    replaced: int
    unchanged: int
    reclassified: int = 0  # subscribers whose device class changed


def _new(row: DeviceRow, *, source: str, now: datetime.datetime, actor: Any | None, demo: bool) -> DeviceModel:
    return DeviceModel(
        tac=row.tac,
        brand=row.brand,
        model=row.model,
        search_name=search_name(row.brand, row.model),
        radio=row.radio,
        device_type=row.device_type,
        certified_2g_only=row.certified_2g_only,
        is_demo=demo,
        source=source[:255],
        imported_at=now,
        imported_by=actor,
    )


@transaction.atomic
def devices_import(
    *,
    actor: Any | None,
    checked: CheckedTable,
    source: str,
    demo: bool = False,
    now: datetime.datetime | None = None,
    progress: Callable[[], None] | None = None,
) -> ImportResult:
    """Write the checked rows: a new TAC is added; a TAC already known with other values is replaced, and
    its old row kept as a ``DeviceModelVersion``; a TAC with the same values is left as it was.
    The registry's subscribers whose TAC was added or replaced get their device class again, in the
    same transaction. ``progress`` is called before each batch (a job's lease stops it there by raising).
    """
    now = now or timezone.now()
    created = replaced = unchanged = 0
    for start in range(0, len(checked.rows), BATCH):
        if progress is not None:
            progress()
        batch = {row.tac: row for row in checked.rows[start : start + BATCH]}
        known = {d.tac: d for d in DeviceModel.objects.filter(tac__in=list(batch))}
        versions, gone, fresh = [], [], []
        for tac, row in batch.items():
            old = known.get(tac)
            new = _new(row, source=source, now=now, actor=actor, demo=demo)
            if old is None:
                fresh.append(new)
                created += 1
            elif all(getattr(old, f) == getattr(new, f) for f in _COMPARED):
                unchanged += 1
            else:
                versions.append(
                    DeviceModelVersion(
                        **{f: getattr(old, f) for f in _COPIED},
                        imported_at=old.imported_at,
                        imported_by_id=old.imported_by_id,
                        replaced_at=now,
                    )
                )
                gone.append(old.pk)
                fresh.append(new)
                replaced += 1
        DeviceModelVersion.objects.bulk_create(versions)
        DeviceModel.objects.filter(pk__in=gone).delete()
        DeviceModel.objects.bulk_create(fresh)
    if progress is not None:
        progress()
    # The rows added or replaced are the ones dated ``now``: one statement over the registry, not one per TAC.
    reclassified = classify_imported(now) if created or replaced else 0
    result = ImportResult(created=created, replaced=replaced, unchanged=unchanged, reclassified=reclassified)
    log_action(
        "devices.table.imported",
        actor=actor,
        data={
            "file": source,
            "created": created,
            "replaced": replaced,
            "unchanged": unchanged,
            "demo": demo,
            "reclassified": reclassified,
        },
    )
    return result


@transaction.atomic
def verdicts_tally(*, verdicts: Counter[str], day: datetime.date | None = None) -> None:
    """Add the checks' verdicts to the counts of the day: nothing else of a check is kept."""
    day = day or timezone.localdate()
    for verdict, n in verdicts.items():
        if n <= 0:
            continue
        # A row per (day, verdict): created once, then incremented in the database (two checks at once add up).
        VerdictTally.objects.get_or_create(day=day, verdict=verdict)
        VerdictTally.objects.filter(day=day, verdict=verdict).update(count=F("count") + n)


@transaction.atomic
def campaign_update_device_check(
    *, actor: Any | None, campaign: Campaign, support_contacts: str, g3_stop_date: datetime.date | None
) -> Campaign:
    """Change what the public device check says for the campaign: where to get help, and when 3G stops."""
    before = {
        "support_contacts": campaign.support_contacts,
        "g3_stop_date": campaign.g3_stop_date.isoformat() if campaign.g3_stop_date else None,
    }
    campaign.support_contacts, campaign.g3_stop_date = support_contacts.strip(), g3_stop_date
    campaign.full_clean()
    campaign.save(update_fields=["support_contacts", "g3_stop_date"])
    log_action(
        "campaigns.campaign.device_check_changed",
        actor=actor,
        obj=campaign,
        unit=campaign.area,
        data={"before": before},
    )
    return campaign


@transaction.atomic
def device_import_job_create(*, actor: Any, upload_id: str, file_name: str, columns: dict[str, int]) -> DeviceImportJob:
    """Queue the write of a checked device table (its upload kept in the storage) for a worker: the table and
    the registry's classification are written by ``jobs.run_device_import``, once, whichever worker runs it."""
    queued = DeviceImportJob.objects.filter(created_by=actor, upload_id=upload_id).first()
    if queued is not None:
        return queued  # a retried confirmation: the job it queued already
    job = DeviceImportJob.objects.create(
        created_by=actor, upload_id=upload_id, file_name=file_name[:255], columns=columns
    )
    # Queued once the row is committed: a worker must find it (and not one that rolled back).
    transaction.on_commit(lambda: enqueue(DEVICE_IMPORT, job.pk))
    return job


@transaction.atomic
def device_import_job_write(
    *, job_id: int, checked: CheckedTable, progress: Callable[[], None] | None = None
) -> ImportResult | None:
    """The job's write: the table and the registry's classes (``devices_import``), and the job marked done, in one
    transaction. ``None`` when the job was done already (a worker that died after the commit): nothing is
    written twice."""
    job = DeviceImportJob.objects.select_for_update(of=("self",)).select_related("created_by").get(pk=job_id)
    if job.status == DeviceImportJob.Status.DONE:
        return None
    result = devices_import(actor=job.created_by, checked=checked, source=job.file_name, progress=progress)
    job.status, job.result, job.finished_at = DeviceImportJob.Status.DONE, asdict(result), timezone.now()
    job.message = ""
    job.save(update_fields=["status", "result", "message", "finished_at"])
    return result
