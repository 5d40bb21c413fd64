"""``manage.py run_scheduler``: the periodic tasks' consumer (``jobs.periodic.PERIODIC``), with the options of
``run_huey``. Runs the schedule of ``switchoff/schedule.py``; imports never reach its queue."""

from __future__ import annotations

import logging
from typing import Any

from django.utils.module_loading import autodiscover_modules
from huey.consumer_options import ConsumerConfig
from huey.contrib.djhuey.management.commands.run_huey import Command as RunHuey


class Command(RunHuey):
    help = "Run the periodic tasks' scheduler and consumer (one or more hosts: each task runs once per period)"

    def handle(self, *args: Any, **options: Any) -> None:
        from switchoff.jobs.periodic import PERIODIC

        autodiscover_modules("tasks")
        import switchoff.schedule  # noqa: F401  (the periodic tasks, registered on PERIODIC)

        values = {key: value for key, value in options.items() if value is not None and key in _OPTIONS}
        config = ConsumerConfig(**{"workers": 2, **values, "periodic": True})
        config.validate()
        huey_logger = logging.getLogger("huey")
        if not huey_logger.handlers:
            config.setup_logger(huey_logger)
        PERIODIC.create_consumer(**config.values).run()


_OPTIONS = set(ConsumerConfig._fields)
