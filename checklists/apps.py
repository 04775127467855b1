from django.apps import AppConfig


class ChecklistsConfig(AppConfig):
    name = "checklists"

    def ready(self):
        from core import policy_files

        from .catalogue.schemas import ChecklistTemplateFile

        # An upload format, not a file of ours: published so other systems can prepare imports without Python.
        policy_files.register("checklist-template", ChecklistTemplateFile)
