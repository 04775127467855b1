from django.urls import path

from . import views, views_changes

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

urlpatterns += [
    path("changes/", views_changes.changes_worklist_view, name="change_worklist"),
    path("systems/<int:system_id>/risk/", views_changes.system_risk_view, name="risk"),
    path("systems/<int:system_id>/risk/new/", views_changes.risk_record_view, name="risk_record"),
    path("risk-assessments/<int:assessment_id>/document/", views_changes.risk_document_view, name="risk_document"),
    path("systems/<int:system_id>/changes/", views_changes.system_changes_view, name="changes"),
    path("systems/<int:system_id>/changes/new/", views_changes.change_record_view, name="change_record"),
    path("systems/<int:system_id>/changes/check/", views_changes.tasks_sync_view, name="tasks_sync"),
    path("tasks/<int:task_id>/close/", views_changes.task_close_view, name="task_close"),
]
