from django.urls import path

from . import views

# Under /dossiers/ (approvals.urls includes these).
dossier_patterns = [
    path("<int:dossier_id>/forms/<str:form>/draft/", views.draft_view, name="form_draft"),
    path("<int:dossier_id>/forms/<str:form>/signed/", views.signed_upload_view, name="form_signed"),
    path("<int:dossier_id>/forms/<str:form>/paper/", views.paper_view, name="form_paper"),
    path("<int:dossier_id>/forms/<str:form>/<str:fmt>/", views.download_view, name="form_download"),
]

# The public verification page (config.urls mounts it at /verify/, outside sign-in).
app_name = "verify"
urlpatterns = [
    path("", views.verify_page, name="page"),
    path("<str:short_id>", views.verify_page, name="document"),
]
