from django.urls import path

from switchoff.subscribers import views

app_name = "subscribers"
urlpatterns = [
    path("", views.registry, name="registry"),
    path("export/", views.registry_export, name="export"),
    path("exports/<int:export_id>/", views.export_download, name="export_download"),
    path("households/", views.households, name="households"),
    path("import/", views.import_list, name="import"),
    path("import/jobs/<int:job_id>/", views.job_page, name="job"),
    path("import/jobs/<int:job_id>/confirm/", views.job_confirm, name="job_confirm"),
    path("import/jobs/<int:job_id>/rejected/", views.job_rejected, name="job_rejected"),
    path("import/jobs/<int:job_id>/cancel/", views.job_cancel, name="job_cancel"),
    path("import/jobs/<int:job_id>/restart/", views.job_restart, name="job_restart"),
    path("<int:subscriber_id>/", views.subscriber_detail, name="detail"),
    path("<int:subscriber_id>/reveal/", views.subscriber_reveal, name="reveal"),
    path("<int:subscriber_id>/assign/", views.subscriber_assign_view, name="assign"),
]
