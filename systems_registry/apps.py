from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SystemsRegistryConfig(AppConfig):
    name = "systems_registry"
    verbose_name = _("Information system registry")
