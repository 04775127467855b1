"""The system's dossiers on the registry's system page (systems_registry/panels.py), registered in apps.py."""

from systems_registry import panels

from . import selectors, services
from .models import Dossier


def system_dossiers(request, system) -> dict:
    dossiers = selectors.dossier_list(request.user, system_id=system.pk)[:20]
    # A system has at most one open dossier and it is among the newest, so the list read answers the question.
    has_open = any(d.status in Dossier.OPEN_STATUSES for d in dossiers)
    return {
        "system": system,
        "dossiers": dossiers,
        "can_start": services.may_create_dossier(request.user, system, has_open=has_open),
    }


def register() -> None:
    panels.register("sections", "approvals/_system_dossiers_list.html", system_dossiers)
