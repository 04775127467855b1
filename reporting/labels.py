"""People's words for the codes of `policies/changes.yaml` (pages and exports never show a raw code). A test checks
that every code the policy names has its label here."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

TRIGGERS = {
    "first_determination": _("First determination of the level"),
    "function_change": _("Change of function or scope"),
    "users_change": _("Change of users"),
    "data_change": _("Change of the information processed"),
    "technology_change": _("Change of technology"),
    "interconnection": _("Expansion, integration, interconnection or data sharing"),
    "serious_incident": _("Serious incident or high risk"),
    "authority_request": _("Request of a competent authority"),
}

CHANGE_KINDS = {
    "function": _("Function"),
    "scope": pgettext_lazy("kind of change", "Scope"),
    "architecture": _("Architecture"),
    "technology": _("Technology"),
    "users": _("Users"),
    "information_type": _("Type of information"),
    "interconnection": _("Interconnection or data sharing"),
}


def trigger_label(code: str) -> str:
    return str(TRIGGERS.get(code, code))


def kind_label(code: str) -> str:
    return str(CHANGE_KINDS.get(code, code))
