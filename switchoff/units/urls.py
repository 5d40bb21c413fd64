from django.urls import path

from switchoff.units import views

app_name = "units"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("search/", views.search, name="search"),
    path("kinds/", views.kinds, name="kinds"),
    path("kinds/<int:kind_id>/", views.kind_edit, name="kind_edit"),
    path("<int:unit_id>/", views.detail, name="detail"),
    path("<int:unit_id>/add/", views.add_child, name="add_child"),
    path("<int:unit_id>/edit/", views.edit, name="edit"),
    path("<int:unit_id>/merge/", views.merge, name="merge"),
    path("<int:unit_id>/coverage/", views.coverage, name="coverage"),
    path("<int:unit_id>/workbook.xlsx", views.workbook_export, name="workbook_export"),
    path("<int:unit_id>/workbook/import/", views.workbook_import, name="workbook_import"),
]
