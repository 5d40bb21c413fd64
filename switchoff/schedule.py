"""Every periodic job of switchoff, in one place. Huey's worker runs them (``manage.py run_huey``).

Jobs are thin: they call a tested service with no model instances.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from switchoff.counts.squash import squash_counts
from switchoff.fieldwork.photos import sweep_orphan_photos
from switchoff.lib.uploads import expire_uploads
from switchoff.privacy.services import retention_run
from switchoff.reports.reminders import send_reminders


# Huey reads crontabs in UTC: 00:30 UTC is 07:30 in Vietnam, the start of an office day.
@db_periodic_task(crontab(hour="0", minute="30"))
def daily_report_reminders() -> None:
    """Remind units before and after the monthly deadline; the service sends each reminder once."""
    send_reminders()


@db_periodic_task(crontab(minute="*/5"))
def squash_counts_often() -> None:
    """Sum the count rows written since the last run, so that count reads stay small; safe beside writers."""
    squash_counts()


@db_periodic_task(crontab(minute="17"))
def expire_stored_uploads() -> None:
    """Remove uploads never confirmed (lists, villages workbooks, activity sheets, device tables), and the checks,
    cleaned rows and problems saved beside them."""
    expire_uploads(older_than=datetime.timedelta(hours=settings.UPLOAD_KEEP_HOURS))


@db_periodic_task(crontab(minute="43"))
def sweep_visit_photos() -> None:
    """Remove photo files left without their row by a rolled-back request (hours old, so none is under way)."""
    sweep_orphan_photos(older_than=datetime.timedelta(hours=1))


# 01:10 UTC: 08:10 in Vietnam, after the reminders.
@db_periodic_task(crontab(hour="1", minute="10"))
def erase_expired_personal_data() -> None:
    """Warn coordinators two weeks before a campaign's personal data goes; erase it once its period has passed."""
    retention_run()
