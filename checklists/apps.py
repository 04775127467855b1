from django.apps import AppConfig


class ChecklistsConfig(AppConfig):
    name = "checklists"

    def ready(self):
        from core import policy_files

        from .catalogue.schemas import ChecklistTemplateFile
        from .mapping.schemas import MappingFile

        # Upload formats, not files of ours: published so other systems can prepare imports without Python. The
        # shipped mappings are checked against the catalogue versions they name when they are published
        # (checklists/mapping/parser.py), which needs the database, so not here.
        policy_files.register("checklist-template", ChecklistTemplateFile)
        policy_files.register("requirement-mapping", MappingFile)
