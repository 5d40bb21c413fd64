"""Huey tasks of the registry: ids in, a service call, done."""

from huey.contrib.djhuey import db_task

from switchoff.subscribers.jobs import run_job


@db_task()
def import_job_task(job_id: int) -> None:
    run_job(job_id)
