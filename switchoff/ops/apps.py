from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "switchoff.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        # The queue's hooks: the workers' heartbeat, the time each task was queued, a task's id on its log lines.
        # The worker's metrics exporter, hooked by the metrics module itself (which reads the queue).
        from switchoff.ops import metrics, queue

        queue.connect()
        metrics.connect()
