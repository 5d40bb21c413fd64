"""Every periodic job of switchoff, in one place. The scheduler runs them (``manage.py run_scheduler``), on
a queue of their own, each once per period however many schedulers run (``switchoff/jobs/periodic.py``).

Jobs are thin: they call a tested service with no model instances.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from huey import crontab

from switchoff.counts.squash import squash_counts
from switchoff.fieldwork.photos import sweep_orphan_photos
from switchoff.jobs.periodic import periodic
from switchoff.lib.uploads import expire_uploads
from switchoff.privacy.services import disclosure_log_roll_up, retention_run
from switchoff.reports.reminders import send_reminders
from switchoff.sms.services import sms_batches_due, sms_late_receipts


# Huey reads crontabs in UTC: 00:30 UTC is 07:30 in Vietnam, the start of an office day.
@periodic(crontab(hour="0", minute="30"), every_minutes=24 * 60)
def daily_report_reminders() -> None:
    """Remind units before and after the monthly deadline; the service sends each reminder once."""
    send_reminders()


@periodic(crontab(minute=f"*/{settings.SQUASH_EVERY_MIN}"), every_minutes=settings.SQUASH_EVERY_MIN)
def squash_counts_often() -> None:
    """Every SQUASH_EVERY_MIN minutes (5): sum the count rows written since the last run, so that count reads
    stay small; safe beside writers."""
    squash_counts()


@periodic(crontab(minute="17"), every_minutes=60)
def expire_stored_uploads() -> None:
    """Remove uploads never confirmed (lists, villages workbooks, activity sheets, device tables), and the checks,
    cleaned rows and problems saved beside them."""
    expire_uploads(older_than=datetime.timedelta(hours=settings.UPLOAD_KEEP_HOURS))


@periodic(crontab(minute="43"), every_minutes=60)
def sweep_visit_photos() -> None:
    """Remove photo files left without their row by a rolled-back request (hours old, so none is under way)."""
    sweep_orphan_photos(older_than=datetime.timedelta(hours=1))


# 01:10 UTC: 08:10 in Vietnam, after the reminders.
@periodic(crontab(hour="1", minute="10"), every_minutes=24 * 60)
def erase_expired_personal_data() -> None:
    """Warn coordinators two weeks before a campaign's personal data goes; erase it once its period has passed."""
    retention_run()


@periodic(crontab(hour="19", minute="40"), every_minutes=24 * 60)
def roll_up_disclosure_log() -> None:
    """Roll the disclosure log past NUMBER_VIEW_KEEP_MONTHS up by person and month; drop audit rows past
    AUDIT_KEEP_MONTHS (02:40 in Vietnam, when nobody works)."""
    disclosure_log_roll_up()


@periodic(crontab(minute="*"), every_minutes=1)
def send_scheduled_sms() -> None:
    """Each minute: queue the text messages scheduled for now (a batch a worker holds is left to it)."""
    sms_batches_due()


@periodic(crontab(minute="*/5"), every_minutes=5)
def record_late_sms_receipts() -> None:
    """Every 5 minutes: bind to each operator's SMSC as a receiver for a short while (SMS_RECEIPT_LISTEN_S) and
    record the delivery receipts that came after the sending job stopped waiting (none waited for: no bind)."""
    sms_late_receipts()
