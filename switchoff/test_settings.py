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
