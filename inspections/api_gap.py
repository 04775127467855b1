"""POST /systems/{id}/gap-assessments (contract: "The national-security List, the transition, mappings")."""

from datetime import date

from ninja import Body, Router, Status
from pydantic import BaseModel, Field

from . import gap, selectors
from .api import InspectionOut, serialize

router = Router(tags=["inspections"])


class GapAssessmentIn(BaseModel):
    scheduled_for: date | None = None
    inspector_ids: list[int] = Field(default_factory=list, max_length=50)
    comment: str = Field(default="", max_length=5000)


@router.post(
    "/systems/{system_id}/gap-assessments",
    response={201: InspectionOut},
    description="An inspection of the system's Decree 331 catalogue at its level, pre-filled from its latest closed "
    "Circular 12 inspection through the published mapping: `equal` and `superset` pairs carry the answer with "
    "`carried_from`; the rest stay unassessed. 409 `no_closed_circular12_inspection`, `no_target_checklist`, "
    "`no_mapping`, `gap_assessment_exists`. Inspectors may be assigned later.",
)
def create_gap_assessment(request, system_id: int, data: GapAssessmentIn | None = Body(None)):
    data = data or GapAssessmentIn()
    inspection = gap.create_gap_assessment(
        actor=request.user, system_id=system_id, scheduled_for=data.scheduled_for, inspector_ids=data.inspector_ids,
        comment=data.comment,
    )  # fmt: skip
    return Status(201, serialize(selectors.inspection_for_user(request.user, inspection.pk), request.user))
