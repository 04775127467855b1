from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SystemsRegistryConfig(AppConfig):
    name = "systems_registry"
    verbose_name = _("Information system registry")

    def ready(self):
        from django.db.models.signals import post_migrate

        from core import policy_files

        from . import golive, national_list, services, transition
        from .classification import REGIMES, ClassificationPolicy, load_policy

        policy_files.register("classification-policy", ClassificationPolicy, lambda: [load_policy(r) for r in REGIMES])
        policy_files.register("golive-policy", golive.GoLivePolicy, golive.load_policy)
        policy_files.register("national-list-policy", national_list.ListPolicy, national_list.load_policy)
        policy_files.register("transition-rule", transition.TransitionRule, transition.load_rules)
        # Migrations and a test's flush recreate the permissions under new ids.
        post_migrate.connect(services.forget_view_permission, dispatch_uid="systems_registry.forget_view_permission")
