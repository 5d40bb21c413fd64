"""Huey tasks of the registry: ids in, a service call, done. Each runs under the job's lease (``jobs.lease``)."""

from huey.contrib.djhuey import db_task

from switchoff.jobs.lease import Kind, hold, register
from switchoff.subscribers import exporting
from switchoff.subscribers.jobs import give_up, run_job
from switchoff.subscribers.models import ExportJob, ImportJob
from switchoff.subscribers.progress import EXPORT_KIND as EXPORT
from switchoff.subscribers.progress import IMPORT_KIND as IMPORT


@db_task()
def import_job_task(job_id: int) -> None:
    with hold(IMPORT, job_id) as lease:
        if lease is not None:  # else another live worker runs it: a task queued twice runs once
            run_job(job_id, lease)


register(Kind(IMPORT, ImportJob, enqueue=import_job_task, give_up=give_up))


@db_task()
def export_job_task(job_id: int) -> None:
    with hold(EXPORT, job_id) as lease:
        if lease is not None:
            exporting.run_export(job_id, lease)


register(Kind(EXPORT, ExportJob, enqueue=export_job_task, give_up=exporting.give_up))
