from django.urls import path

from switchoff.sms import views

app_name = "sms"
urlpatterns = [
    path("operators/<int:operator_id>/", views.compose, name="compose"),
    path("operators/<int:operator_id>/preview/", views.preview, name="preview"),
    path("operators/<int:operator_id>/opt-outs/", views.opt_outs, name="opt_outs"),
    path("batches/<int:batch_id>/", views.batch, name="batch"),
    path("cases/<int:case_id>/", views.case_messages, name="case"),
]
