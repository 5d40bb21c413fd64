from django.urls import URLPattern, URLResolver, include, path

from switchoff.api.root import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("switchoff.web.urls")),
    path("", include("switchoff.ops.urls")),
    path("", include("switchoff.people.urls")),
    path("units/", include("switchoff.units.urls")),
    path("audit/", include("switchoff.audit.urls")),
    path("registry/", include("switchoff.subscribers.urls")),
    path("campaigns/", include("switchoff.campaigns.urls")),
    path("campaigns/", include("switchoff.reports.urls")),
    path("device/", include("switchoff.devices.urls")),
    path("fieldwork/", include("switchoff.fieldwork.urls")),
    path("field/", include("switchoff.fieldapp.urls")),
    path("programmes/", include("switchoff.programmes.urls")),
    path("shops/", include("switchoff.shops.urls")),
    path("banners/", include("switchoff.banners.urls")),
    path("library/", include("switchoff.library.urls")),
    path("dashboard/", include("switchoff.dashboard.urls")),
    path("maps/", include("switchoff.maps.urls")),
    path("sms/", include("switchoff.sms.urls")),
    path("personal-data/", include("switchoff.privacy.urls")),
    path("api/v1/", api.urls),
]

# The project's own translated error pages (switchoff/web/errors.py).
handler400 = "switchoff.web.errors.bad_request"
handler403 = "switchoff.web.errors.permission_denied"
handler404 = "switchoff.web.errors.page_not_found"
handler500 = "switchoff.web.errors.server_error"
