from django.urls import path

from . import views
from .statutory.urls import dossier_patterns as statutory_patterns

app_name = "approvals"
urlpatterns = [
    path("", views.dossier_list_view, name="list"),
    path("waiting/", views.worklist_view, name="waiting"),
    path("new/<int:system_id>/", views.dossier_create_view, name="create"),
    path("<int:dossier_id>/", views.dossier_detail_view, name="detail"),
    path("<int:dossier_id>/documents/", views.document_upload_view, name="upload"),
    path("<int:dossier_id>/transitions/<str:name>/", views.dossier_transition_view, name="transition"),
    path("documents/<int:document_id>/download/", views.document_download_view, name="download"),
    path("<int:dossier_id>/independent-appraiser/", views.designate_appraiser_view, name="designate_appraiser"),
    *statutory_patterns,
]
