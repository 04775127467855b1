from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "inspections"

    def ready(self):
        from core import policy_files

        from . import policy, transition

        policy_files.register(
            "inspection-schedule-policy", policy.SchedulePolicy, lambda: [policy.load_policy(r) for r in policy.REGIMES]
        )
        policy_files.register("catalogue-transition-policy", transition.TransitionPolicy, transition.load_policy)

        # The registry's system page shows this app's panels without importing it (systems_registry/panels.py).
        from . import panels

        panels.register()
