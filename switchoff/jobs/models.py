"""What every long job shares: a lease on its row, and the periods the periodic tasks already ran for."""

from django.db import models


class LeasedJob(models.Model):
    """A long job's row (an import's check and write today; any job a worker runs for minutes): the worker that
    runs it holds a lease (``lease_until``, extended by a heartbeat while it runs, ``switchoff/jobs/lease.py``).
    A lease that lapsed means its worker died (``kill -9``, a lost machine): the reaper queues the job again,
    up to ``JOB_MAX_ATTEMPTS`` runs, then fails it."""

    lease_until = models.DateTimeField(null=True, blank=True, db_index=True)
    leased_by = models.CharField(max_length=120, blank=True)  # host:pid:holder of the running worker
    attempts = models.PositiveSmallIntegerField(default=0)  # runs started since the job was (re)started by a person

    class Meta:
        abstract = True


class PeriodicRun(models.Model):
    """A periodic task claimed for one period: the unique row makes it run once per period however many
    schedulers queued it (``switchoff/jobs/periodic.py``)."""

    task = models.CharField(max_length=80)
    period = models.DateTimeField()  # the start of the period, UTC
    ran_by = models.CharField(max_length=120)
    ran_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "period"], name="jobs_periodic_run_once")]

    def __str__(self) -> str:
        return f"{self.task} {self.period:%Y-%m-%d %H:%M}"
