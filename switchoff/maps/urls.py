from django.urls import path

from switchoff.maps import views

app_name = "maps"
urlpatterns = [
    path("<int:unit_id>/geo.json", views.geo, name="geo"),
    path("<int:unit_id>/import/", views.boundaries_import, name="import"),
]
