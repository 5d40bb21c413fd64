"""The project's own deployment checks, run by ``manage.py check --deploy``.

Django's deploy checks know nothing of this project: a production server on
the embedded SQLite, with the demo accounts' conveniences, or without the
two-factor that coordinators must use, would start without a word. Each of
these is an error with its fix, so that the README's deployment steps stop
there; a setting that works but hurts (the proxy's address taken for every
client's) is a warning.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_production_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if not settings.PRODUCTION:
        errors.append(
            Error(
                "SWITCHOFF_ENV is not 'production'.",
                hint="Set SWITCHOFF_ENV=production on the server: it makes SECRET_KEY, ALLOWED_HOSTS and "
                "DATABASE_URL required and turns on secure cookies, HSTS and the TLS redirect.",
                id="switchoff.E001",
            )
        )
    if settings.DATABASES["default"]["ENGINE"].endswith(".sqlite3"):  # Django's, or django-prometheus's
        errors.append(
            Error(
                "The database is SQLite, the embedded default for a laptop.",
                hint="Set DATABASE_URL=postgres://user:password@host:5432/switchoff: a campaign's registry "
                "and its concurrent users need PostgreSQL.",
                id="switchoff.E002",
            )
        )
    if settings.DEMO_REQUESTED:
        errors.append(
            Error(
                "SWITCHOFF_DEMO is set.",
                hint="Remove SWITCHOFF_DEMO: demo mode prints two-factor codes of the demo accounts and "
                "is for `make run` only.",
                id="switchoff.E003",
            )
        )
    if not settings.TWO_FACTOR_ENFORCED:
        errors.append(
            Error(
                "TWO_FACTOR_ENFORCED is off.",
                hint="Remove TWO_FACTOR_ENFORCED=0: administrators and coordinators see every unit's "
                "personal data and must use two-factor authentication.",
                id="switchoff.E004",
            )
        )
    if "*" in settings.ALLOWED_HOSTS:
        errors.append(
            Error(
                "ALLOWED_HOSTS accepts any host ('*').",
                hint="List the server's own host names, e.g. ALLOWED_HOSTS=switchoff.example.gov.vn.",
                id="switchoff.E005",
            )
        )
    if settings.DEBUG:
        errors.append(
            Error(
                "DEBUG is on.",
                hint="Remove DEBUG=1: debug pages show settings, code and personal data to anyone.",
                id="switchoff.E006",
            )
        )
    if settings.SECURE_PROXY_SSL_HEADER and not settings.TRUSTED_PROXIES:
        errors.append(
            Warning(
                "BEHIND_PROXY is on but TRUSTED_PROXIES is empty.",
                hint="Set TRUSTED_PROXIES to the reverse proxy's address (e.g. TRUSTED_PROXIES=127.0.0.1): "
                "without it every request seems to come from the proxy, so 20 failed logins from anyone "
                "lock every first-time login out for 15 minutes, and the audit trail names the proxy.",
                id="switchoff.W001",
            )
        )
    return errors
