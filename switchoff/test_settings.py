"""Settings for the test suite: the same as production-like defaults, made fast and isolated."""

import os
import tempfile

os.environ["SWITCHOFF_ENV"] = "test"
os.environ.setdefault("SWITCHOFF_VAR_DIR", tempfile.mkdtemp(prefix="switchoff-test-"))

from switchoff.settings import *  # noqa: F403
from switchoff.settings import HUEY

# Argon2 is the production hasher (see settings.py); tests use a fast one.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
HUEY = {**HUEY, "immediate": True}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# settings.py puts django-prometheus's counting backends in place of Django's; pytest-django recognises Django's
# SQLite engine by name only (to keep each xdist worker's test database in memory), so it is said here.
if DATABASES["default"]["ENGINE"].endswith(".sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}  # noqa: F405
