from django.urls import path

from switchoff.privacy import views

app_name = "privacy"

urlpatterns = [
    path("campaigns/<int:campaign_id>/", views.retention_page, name="retention"),
    path("campaigns/<int:campaign_id>/figures.xlsx", views.retention_figures, name="figures"),
]
