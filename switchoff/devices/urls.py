from django.urls import path

from switchoff.devices import views

app_name = "devices"

urlpatterns = [
    path("", views.public_check, name="check"),
    path("bulk/", views.bulk_check, name="bulk"),
    path("import/", views.import_table, name="import"),
    path("campaigns/<int:campaign_id>/support/", views.campaign_support, name="support"),
]
