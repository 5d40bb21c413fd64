from django.urls import path

from switchoff.banners import views

app_name = "banners"
urlpatterns = [
    path("units/<int:unit_id>/", views.unit_banners, name="unit"),
    path("units/<int:unit_id>/new/", views.record, name="record"),
    path("<uuid:placement_id>/take-down/", views.take_down, name="take_down"),
    path("<uuid:placement_id>/photo/", views.photo, name="photo"),
]
