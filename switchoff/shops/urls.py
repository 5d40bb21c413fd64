from django.urls import path

from switchoff.shops import views

app_name = "shops"
urlpatterns = [
    path("", views.shop_list_page, name="list"),
    path("new/", views.shop_new, name="new"),
    path("import/", views.shop_import, name="import"),
    path("<int:shop_id>/", views.shop_detail, name="detail"),
    path("inspections/<int:inspection_id>/commitment/", views.commitment, name="commitment"),
]
