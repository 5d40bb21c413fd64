from django.urls import include, path

from switchoff.api.root import api

urlpatterns = [
    path("", include("switchoff.web.urls")),
    path("", include("switchoff.people.urls")),
    path("units/", include("switchoff.units.urls")),
    path("audit/", include("switchoff.audit.urls")),
    path("registry/", include("switchoff.subscribers.urls")),
    path("campaigns/", include("switchoff.campaigns.urls")),
    path("campaigns/", include("switchoff.reports.urls")),
    path("api/v1/", api.urls),
]
