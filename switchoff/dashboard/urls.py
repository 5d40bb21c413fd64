from django.urls import path

from switchoff.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard_home, name="home"),
    path("<int:unit_id>/", views.dashboard_page, name="unit"),
    path("<int:unit_id>/print/", views.dashboard_print, name="print"),
    path("<int:unit_id>/pdf/", views.dashboard_pdf, name="pdf"),
    path("<int:unit_id>/xlsx/", views.dashboard_xlsx, name="xlsx"),
    path("<int:unit_id>/targets/", views.dashboard_targets, name="targets"),
    path("<int:unit_id>/targets/<int:target_id>/delete/", views.dashboard_target_delete, name="target_delete"),
]
