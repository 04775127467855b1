from django.apps import AppConfig


class ReportingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self):
        # The dashboard (inspections) never imports this app: reporting hands it its measure.
        from inspections import dashboard

        from . import coverage, exports

        dashboard.register_measure(coverage.dashboard_measure)
        # The risk-assessment register joins the export jobs (inspections never imports reporting).
        exports.register()
