from django.apps import AppConfig


class ReportingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self):
        from core import policy_files

        # coverage.py reads dashboard.Measure, so the dashboard is handed its coverage measure here (no import cycle).
        from . import coverage, dashboard, panels, policy

        policy_files.register("reporting-policy", policy.ReportingPolicy, policy.load_policy)
        policy_files.register("incident-policy", policy.IncidentPolicy, policy.incident_policy)
        policy_files.register("change-policy", policy.ChangePolicy, policy.change_policy)

        dashboard.register_measure(coverage.dashboard_measure)
        panels.register()
