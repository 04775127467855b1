from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from reporting.views_dashboard import home

from .api import api
from .health import healthz, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", home, name="home"),
    path("", include("accounts.urls")),
    path("systems/", include("systems_registry.urls")),
    path("inspections/", include("inspections.urls")),
    path("exports/", include("reporting.exports.urls")),
    path("checklists/", include("checklists.urls")),
    path("dossiers/", include("approvals.urls")),
    path("verify/", include("approvals.statutory.urls")),
    path("notifications/", include("notifications.urls")),
    path("dashboard/", include("reporting.dashboard_urls")),
    path("reports/", include("reporting.urls")),
]

handler404 = account_views.not_found
handler403 = account_views.forbidden
