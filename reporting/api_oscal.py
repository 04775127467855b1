"""OSCAL documents of a system and of an inspection (docs/oscal.md), here because the plan reads the approval
decision in force as well as the inspections: the same visibility as the pages, so an outsider gets 404."""

from typing import Any

from ninja import Router

from accounts.api import ErrorOut
from checklists.api import oscal_response
from inspections import selectors
from systems_registry.selectors import system_for_user

from . import oscal

router = Router(tags=["inspections"])  # where they were first published; the paths are unchanged


@router.get(
    "/systems/{system_id}/oscal/ssp",
    url_name="system_oscal_ssp",
    response={200: dict[str, Any], 404: ErrorOut, 409: ErrorOut},
)
def system_oscal_ssp(request, system_id: int):
    """The system's OSCAL System Security Plan (JSON), validated before it is sent."""
    system = system_for_user(request.user, system_id)
    return oscal_response(oscal.ssp_json(system), f"{system.code}.oscal-ssp.json")


@router.get(
    "/systems/{system_id}/oscal/poam", url_name="system_oscal_poam", response={200: dict[str, Any], 404: ErrorOut}
)
def system_oscal_poam(request, system_id: int):
    """The system's findings not yet verified as an OSCAL Plan of Action and Milestones (JSON)."""
    system = system_for_user(request.user, system_id)
    return oscal_response(oscal.poam_json(system), f"{system.code}.oscal-poam.json")


@router.get(
    "/inspections/{inspection_id}/oscal/assessment-results",
    url_name="inspection_oscal_results",
    response={200: dict[str, Any], 404: ErrorOut},
)
def inspection_oscal_results(request, inspection_id: int):
    """The inspection as OSCAL Assessment Results (JSON): each item's result, note, evidence and inspectors."""
    inspection = selectors.inspection_for_user(request.user, inspection_id)
    return oscal_response(
        oscal.assessment_results_json(inspection), f"inspection-{inspection.pk}.oscal-assessment-results.json"
    )
