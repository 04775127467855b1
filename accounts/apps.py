from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        from core import policy_files

        from . import registers, security  # noqa: F401  (security connects the sign-in audit receivers)

        policy_files.register("document-kinds-policy", registers.DocumentKindsPolicy, registers.policy)
