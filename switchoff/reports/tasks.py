"""Huey discovers ``tasks`` modules of installed apps; the schedule itself lives in switchoff/schedule.py."""

from switchoff.schedule import daily_report_reminders

__all__ = ["daily_report_reminders"]
