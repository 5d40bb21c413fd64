from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "switchoff.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        # The queue's hooks: the workers' heartbeat, the time each task was queued, a task's id on its log lines.
        from switchoff.ops import queue

        queue.connect()
