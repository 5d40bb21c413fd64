"""Huey tasks of the device check: ids in, a job call, done, under the job's lease (``jobs.lease``)."""

from huey.contrib.djhuey import db_task

from switchoff.devices.jobs import give_up, run_device_import
from switchoff.devices.models import DeviceImportJob
from switchoff.devices.services import DEVICE_IMPORT
from switchoff.jobs.lease import Kind, hold, register


@db_task()
def device_import_task(job_id: int) -> None:
    with hold(DEVICE_IMPORT, job_id) as lease:
        if lease is not None:  # else another live worker runs it: a task queued twice runs once
            run_device_import(job_id, lease)


register(Kind(DEVICE_IMPORT, DeviceImportJob, enqueue=device_import_task, give_up=give_up))
