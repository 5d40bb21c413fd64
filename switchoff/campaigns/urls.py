from django.urls import path

from switchoff.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("<int:campaign_id>/rule/", views.campaign_rule, name="rule"),
    path("<int:campaign_id>/reporting-units/", views.campaign_assignments, name="assignments"),
    path("<int:campaign_id>/catalogue/", views.campaign_catalogue, name="catalogue"),
    path("<int:campaign_id>/catalogue/other-names/", views.campaign_synonyms, name="synonyms"),
]
