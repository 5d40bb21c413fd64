"""Settings for the test suite: the same as production-like defaults, made fast and isolated."""

import os
import tempfile

os.environ["SWITCHOFF_ENV"] = "test"
# A folder of stored files per test process: xdist's workers inherit the controller's environment, and a test
# that scans every stored file must not see another worker's. A process a test starts with its own folder keeps it.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if "SWITCHOFF_VAR_DIR" not in os.environ or os.environ.get("SWITCHOFF_TEST_VAR_OF") != _worker:
    os.environ["SWITCHOFF_VAR_DIR"] = tempfile.mkdtemp(prefix=f"switchoff-test-{_worker or 'main'}-")
    os.environ["SWITCHOFF_TEST_VAR_OF"] = _worker

from switchoff.settings import *  # noqa: F403, E402
from switchoff.settings import HUEY  # noqa: E402

# Argon2 is the production hasher (see settings.py); tests use a fast one.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
HUEY = {**HUEY, "immediate": True}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# settings.py puts django-prometheus's counting backends in place of Django's; pytest-django recognises Django's
# SQLite engine by name only (to keep each xdist worker's test database in memory), so it is said here.
if DATABASES["default"]["ENGINE"].endswith(".sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}  # noqa: F405
# A test database need not survive a crash of its server: commits do not wait for the write-ahead log to reach the
# disk (the transactional tests, the live servers' and the migrations' commits waited on it, about an eighth of the
# PostgreSQL suite's time). What each test sees is unchanged.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["default"]["OPTIONS"]["options"] += " -c synchronous_commit=off"  # noqa: F405
    os.environ.setdefault("PGOPTIONS", "-c synchronous_commit=off")  # pg_dump and pg_restore, run by the tests
