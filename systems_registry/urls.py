from django.urls import path

from . import views

app_name = "systems"
urlpatterns = [
    path("", views.system_list_view, name="list"),
    path("new/", views.system_create_view, name="create"),
    path("classification-preview/", views.classification_preview, name="classification_preview"),
    path("<int:system_id>/", views.system_detail_view, name="detail"),
    path("<int:system_id>/edit/", views.system_edit_view, name="edit"),
    path("<int:system_id>/classify/", views.system_classify_view, name="classify"),
    path("<int:system_id>/transitions/<str:name>/", views.system_transition_view, name="transition"),
]
