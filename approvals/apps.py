from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("Security-level dossiers")

    def ready(self):
        # The registry's system page shows this app's panels without importing it (systems_registry/panels.py).
        from . import panels

        panels.register()
