from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.report_list_view, name="list"),
    path("national/", views.national_view, name="national"),
    path("request/", views.request_ad_hoc_view, name="request"),
    path("incidents/", views.incident_list_view, name="incidents"),
    path("incidents/new/", views.incident_record_view, name="incident_record"),
    path("incidents/<int:incident_id>/", views.incident_detail_view, name="incident"),
    path("incidents/<int:incident_id>/reports/<str:stage>/", views.incident_report_view, name="incident_report"),
    path("<int:report_id>/", views.report_detail_view, name="detail"),
    path("<int:report_id>/content/", views.report_content_view, name="content"),
    path("<int:report_id>/transitions/<str:name>/", views.report_transition_view, name="transition"),
    path("<int:report_id>/versions/<int:number>/form08.xlsx", views.form08_view, name="form08"),
]
