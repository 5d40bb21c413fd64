from django.urls import path

from switchoff.ops import views

app_name = "ops"
urlpatterns = [
    path("health/", views.health, name="health"),
    path("health/live", views.live, name="live"),
    path("metrics", views.metrics, name="metrics"),
]
