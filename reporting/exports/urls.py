from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("", views.export_list_view, name="list"),
    path("new/", views.export_request_view, name="new"),
    path("annual-report/", views.annual_report_view, name="annual_report"),
    path("<uuid:job_id>/download/", views.export_download_view, name="download"),
]
