from django.urls import path

from switchoff.fieldwork import views

app_name = "fieldwork"
urlpatterns = [
    path("cases/", views.cases, name="cases"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/call/", views.case_call, name="case_call"),
    path("cases/<int:case_id>/visit/", views.case_visit, name="case_visit"),
    path("cases/<int:case_id>/resolve/", views.case_resolve, name="case_resolve"),
    path("photos/<uuid:photo_id>/", views.photo, name="photo"),
    path("teams/<int:team_id>/", views.team, name="team"),
    path("teams/<int:team_id>/members/", views.team_members, name="team_members"),
    path("teams/<int:team_id>/found/", views.team_found, name="team_found"),
    path("teams/<int:team_id>/held/", views.held, name="held"),
    path("devices/<int:device_id>/revoke/", views.device_revoke, name="device_revoke"),
    path("progress/<int:unit_id>/", views.progress, name="progress"),
]
