from django.urls import path

from . import views, views_imports

app_name = "systems"
urlpatterns = [
    path("", views.system_list_view, name="list"),
    path("new/", views.system_create_view, name="create"),
    path("import/", views_imports.import_view, name="import"),
    path("import/template/", views_imports.import_template_view, name="import_template"),
    path("import/reports/<str:token>/", views_imports.import_report_view, name="import_report"),
    path("transition/", views.transition_view, name="transition_deadlines"),
    path("classification-preview/", views.classification_preview, name="classification_preview"),
    path("<int:system_id>/", views.system_detail_view, name="detail"),
    path("<int:system_id>/edit/", views.system_edit_view, name="edit"),
    path("<int:system_id>/classify/", views.system_classify_view, name="classify"),
    path("<int:system_id>/transitions/<str:name>/", views.system_transition_view, name="transition"),
]
