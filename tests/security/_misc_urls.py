"""A URL configuration whose one view fails, to see the project's own 500 page."""

from django.http import HttpRequest, HttpResponse

from switchoff.urls import handler500, urlpatterns  # noqa: F401  (the project's handlers)


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


from django.urls import path  # noqa: E402

urlpatterns = [*urlpatterns, path("boom/", boom)]
