"""`GET /api/v1/dashboard/compliance`: the dashboard's figures, over what the caller may see."""

from ninja import Query, Router
from pydantic import BaseModel

from accounts.api import ErrorOut

from . import dashboard

router = Router(tags=["dashboard"])


class Figures(BaseModel):
    systems_total: int
    systems_operating: int
    operating_with_approved_dossier: int
    approval_coverage: float
    inspections_due_30d: int
    inspections_overdue: int
    inspection_coverage: float


class OrganizationFigures(Figures):
    organization_id: int
    code: str
    name: str


class ComplianceOut(Figures):
    organization_id: int | None
    findings_open_by_severity: dict[str, int]
    dossiers_overdue_by_step: dict[str, int]
    # Added by the apps above (e.g. reporting: reports_expected, reports_submitted, reports_overdue, reporting_coverage).
    measures: dict[str, float] = {}
    by_organization: list[OrganizationFigures]


class ComplianceParams(BaseModel):
    organization_id: int | None = None


@router.get("/dashboard/compliance", response={200: ComplianceOut, 404: ErrorOut})
def compliance(request, params: Query[ComplianceParams]):
    """Ratios are 0..1 (0 when there is nothing to measure); `by_organization` is one level down the tree."""
    return dashboard.compliance(request.user, params.organization_id).as_api()
