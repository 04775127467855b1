from django.urls import path

from . import gap_views, views

app_name = "inspections"
urlpatterns = [
    path("", views.inspection_list_view, name="list"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("new/<int:system_id>/", views.order_view, name="order"),
    path("gap/<int:system_id>/", gap_views.gap_assessment_view, name="gap_assessment"),
    path("findings/", views.findings_view, name="findings"),
    path("findings/<int:finding_id>/transitions/<str:name>/", views.finding_transition_view, name="finding_transition"),
    path("evidence/<int:evidence_id>/", views.evidence_download_view, name="evidence"),
    path("<int:inspection_id>/", views.inspection_detail_view, name="detail"),
    path("<int:inspection_id>/results/", views.results_view, name="results"),
    path("<int:inspection_id>/findings/new/", views.finding_create_view, name="finding_create"),
    path("<int:inspection_id>/evidence/", views.evidence_upload_view, name="evidence_upload"),
    path("<int:inspection_id>/transitions/<str:name>/", views.transition_view, name="transition"),
]
