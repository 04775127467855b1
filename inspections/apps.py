from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "inspections"

    def ready(self):
        # The registry's system page shows this app's panels without importing it (systems_registry/panels.py).
        from . import panels

        panels.register()
