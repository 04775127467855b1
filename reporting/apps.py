from django.apps import AppConfig


class ReportingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self):
        # coverage.py reads dashboard.Measure, so the dashboard is handed its coverage measure here (no import cycle).
        from . import coverage, dashboard

        dashboard.register_measure(coverage.dashboard_measure)
