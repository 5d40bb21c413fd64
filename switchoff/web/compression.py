"""gzip, by Django's own GZipMiddleware, for the field app's answers only: its shell, manifest and service
worker, and the field API's JSON. A member on a prepaid 3G allowance downloads each of them often.

Only where it is safe from BREACH (an attacker reading a secret from the compressed size of pages
that reflect their input beside it): the shell, its manifest and the service worker are the same for
everyone and hold no secret; the field API is reached with a device token in a header, which no other
site's page can send, and its answers hold no token or CSRF value. Pages with a form (a CSRF token),
the enrol page (the device token), everything else of the site: left as they are. Static files are
compressed by WhiteNoise (``CompressedManifestStaticFilesStorage``) when collected.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

COMPRESSED_PATHS = frozenset({"/field/", "/field/sw.js", "/field/manifest.webmanifest"})
COMPRESSED_PREFIXES = ("/api/v1/field/",)


class FieldGZipMiddleware(GZipMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if request.path in COMPRESSED_PATHS or request.path.startswith(COMPRESSED_PREFIXES):
            return super().process_response(request, response)
        return response
