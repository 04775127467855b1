from django.urls import path

from . import views

app_name = "checklists"
urlpatterns = [
    path("", views.checklist_list_view, name="list"),
    path("import/", views.checklist_import_view, name="import"),
    path("<int:checklist_id>/", views.checklist_detail_view, name="detail"),
    path("mappings/", views.mapping_list_view, name="mappings"),
    path("mappings/<int:mapping_id>/", views.mapping_detail_view, name="mapping"),
]
