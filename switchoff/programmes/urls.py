from django.urls import path

from switchoff.programmes import views

app_name = "programmes"
urlpatterns = [
    path("", views.programme_list, name="list"),
    path("new/", views.programme_new, name="new"),
    path("<int:programme_id>/", views.programme_detail, name="detail"),
    path("<int:programme_id>/edit/", views.programme_edit, name="edit"),
    path("<int:programme_id>/deliveries/import/", views.deliveries_import, name="deliveries_import"),
    path("cases/<int:case_id>/refer/", views.refer, name="refer"),
    path("referrals/<int:referral_id>/", views.referral, name="referral"),
    path("households/<int:unit_id>/", views.households, name="households"),
]
