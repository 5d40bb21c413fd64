from django.urls import path

from switchoff.library import views

app_name = "library"
urlpatterns = [
    path("campaigns/<int:campaign_id>/", views.library, name="list"),
    path("campaigns/<int:campaign_id>/new/", views.material_new, name="new"),
    path("materials/<int:material_id>/", views.material, name="material"),
    path("materials/<int:material_id>/remind/", views.remind, name="remind"),
    path("versions/<int:version_id>/download/", views.download, name="download"),
]
