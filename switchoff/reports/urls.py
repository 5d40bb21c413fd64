from django.urls import path

from switchoff.reports.views import completeness, grid, levels, log, report, sheet

app_name = "reports"
urlpatterns = [
    path("<int:campaign_id>/units/<int:unit_id>/activities/", log.activities, name="activities"),
    path("<int:campaign_id>/units/<int:unit_id>/activities/grid/", grid.activity_grid, name="grid"),
    path("<int:campaign_id>/units/<int:unit_id>/activities/import/", sheet.activity_import, name="activity_import"),
    path(
        "<int:campaign_id>/units/<int:unit_id>/activities/template.xlsx",
        sheet.activity_template,
        name="activity_template",
    ),
    path(
        "<int:campaign_id>/units/<int:unit_id>/activities/<int:activity_id>/evidence/",
        log.activity_evidence,
        name="activity_evidence",
    ),
    path(
        "<int:campaign_id>/units/<int:unit_id>/activities/<int:activity_id>/delete/",
        log.activity_delete,
        name="activity_delete",
    ),
    path("<int:campaign_id>/units/<int:unit_id>/reports/<str:month>/", report.report_page, name="report"),
    # Before the review actions: "submit" and "ask-return" are the unit's, not review actions.
    path(
        "<int:campaign_id>/units/<int:unit_id>/reports/<str:month>/submit/",
        report.report_submit_confirm,
        name="submit",
    ),
    path(
        "<int:campaign_id>/units/<int:unit_id>/reports/<str:month>/ask-return/",
        report.report_ask_return,
        name="ask_return",
    ),
    path(
        "<int:campaign_id>/units/<int:unit_id>/reports/<str:month>/<str:action>/",
        report.report_review,
        name="review",
    ),
    path("<int:campaign_id>/completeness/", completeness.completeness_page, name="completeness"),
    # A province's report to the country: submitted by the province, reviewed by the country.
    path(
        "<int:campaign_id>/provinces/<int:unit_id>/reports/<str:month>/submit/",
        levels.level_submit,
        name="level_submit",
    ),
    path(
        "<int:campaign_id>/provinces/<int:unit_id>/reports/<str:month>/<str:action>/",
        levels.level_review,
        name="level_review",
    ),
    path("<int:campaign_id>/completeness/remind/", completeness.completeness_remind, name="remind"),
    path("<int:campaign_id>/completeness/accept/", completeness.completeness_accept, name="accept_many"),
    path("<int:campaign_id>/aggregate/<str:month>/<str:fmt>/", completeness.aggregate_download, name="aggregate"),
]
