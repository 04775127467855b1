"""What reporting shows on the registry's system page (systems_registry/panels.py), registered in apps.py after the
inspections' buttons: the links to the system's OSCAL plan and open findings."""

from systems_registry import panels

from .oscal.ssp import level_catalogue


def oscal_links(request, system) -> dict:
    """The plan needs a catalogue for the system's level (else the API answers 409), so its link shows only then."""
    return {"system": system, "has_plan": level_catalogue(system) is not None}


def register() -> None:
    panels.register("actions", "reporting/_oscal_system_links.html", oscal_links)
