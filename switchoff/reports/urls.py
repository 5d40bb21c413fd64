from django.urls import path

from switchoff.reports import views

app_name = "reports"
urlpatterns = [
    path("<int:campaign_id>/units/<int:unit_id>/activities/", views.activities, name="activities"),
    path("<int:campaign_id>/units/<int:unit_id>/activities/grid/", views.activity_grid, name="grid"),
    path("<int:campaign_id>/units/<int:unit_id>/activities/import/", views.activity_import, name="activity_import"),
    path(
        "<int:campaign_id>/units/<int:unit_id>/activities/template.xlsx",
        views.activity_template,
        name="activity_template",
    ),
    path(
        "<int:campaign_id>/units/<int:unit_id>/activities/<int:activity_id>/delete/",
        views.activity_delete,
        name="activity_delete",
    ),
    path("<int:campaign_id>/units/<int:unit_id>/reports/<str:month>/", views.report_page, name="report"),
    # Before the review actions: "submit" is the reporter's, not one of them.
    path(
        "<int:campaign_id>/units/<int:unit_id>/reports/<str:month>/submit/",
        views.report_submit_confirm,
        name="submit",
    ),
    path(
        "<int:campaign_id>/units/<int:unit_id>/reports/<str:month>/<str:action>/",
        views.report_review,
        name="review",
    ),
    path("<int:campaign_id>/completeness/", views.completeness_page, name="completeness"),
    path("<int:campaign_id>/completeness/remind/", views.completeness_remind, name="remind"),
    path("<int:campaign_id>/aggregate/<str:month>/<str:fmt>/", views.aggregate_download, name="aggregate"),
]
