from django.urls import path

from switchoff.people import views

app_name = "people"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.login_verify, name="login_verify"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.language_view, name="language"),
    path("link/<str:token>/", views.link_view, name="link"),
    path("account/", views.account_view, name="account"),
    path("account/password/", views.password_change_view, name="password_change"),
    path("account/two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/remove/", views.two_factor_remove, name="two_factor_remove"),
    path("account/tokens/", views.token_create, name="token_create"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("people/", views.people_list, name="list"),
    path("people/invite/", views.person_invite, name="invite"),
    path("people/<int:person_id>/", views.person_detail, name="person"),
    path("people/<int:person_id>/reset-link/", views.person_reset_link, name="reset_link"),
    path("people/<int:person_id>/memberships/<int:membership_id>/revoke/", views.membership_revoke, name="revoke"),
]
