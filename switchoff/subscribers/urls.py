from django.urls import path

from switchoff.subscribers import views

app_name = "subscribers"
urlpatterns = [
    path("", views.registry, name="registry"),
    path("import/", views.import_list, name="import"),
    path("<int:subscriber_id>/", views.subscriber_detail, name="detail"),
    path("<int:subscriber_id>/reveal/", views.subscriber_reveal, name="reveal"),
]
