from django.urls import path

from switchoff.privacy import views

app_name = "privacy"

urlpatterns = [
    path("campaigns/<int:campaign_id>/", views.retention_page, name="retention"),
    path("campaigns/<int:campaign_id>/figures.xlsx", views.retention_figures, name="figures"),
]
urlpatterns += [
    path("requests/", views.requests_page, name="requests"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/file.xlsx", views.request_file, name="request_file"),
    path("requests/<int:request_id>/correct/", views.request_correct, name="request_correct"),
    path("requests/<int:request_id>/erase/", views.request_erase, name="request_erase"),
]
