from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("Security-level dossiers")

    def ready(self):
        from core import policy_files
        from systems_registry.classification import REGIMES

        from . import routing
        from .statutory import policy as forms

        policy_files.register(
            "routing-policy", routing.RoutingPolicy, lambda: [routing.load_policy(r) for r in REGIMES]
        )
        policy_files.register("statutory-forms-policy", forms.FormsPolicy, lambda: [forms.load(r) for r in REGIMES])

        # The registry's system page shows this app's panels without importing it (systems_registry/panels.py).
        from . import panels

        panels.register()
