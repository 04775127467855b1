"""Compliance figures for the dashboard page and `GET /api/v1/dashboard/compliance`.

Every figure is an aggregate computed by the database over what the caller may see (`systems_visible_to`), for
the caller's whole view or for one organisation and everything below it. The number of queries does not depend on
the number of systems, inspections or findings: one aggregate statement per kind of figure, and one for the rows
of the organisations one level down (conditional aggregates, one column per organisation).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, Exists, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Organization, OrganizationClosure
from approvals.models import StepKind
from approvals.selectors import active_steps
from core.errors import NotFound
from inspections import list_self_inspection
from inspections.models import OPEN_STATUSES, Finding, Inspection
from systems_registry import national_list, transition
from systems_registry.models import InformationSystem
from systems_registry.selectors import systems_visible_to

DUE_WINDOW_DAYS = 30
SEVERITIES = [s.value for s in Finding.Severity]
STEP_KINDS = [k.value for k in StepKind]
WITHOUT_APPROVAL_LIMIT = 50
OPERATING = InformationSystem.Status.OPERATING

# Measures computed by apps above this one (reporting coverage): each registers a function
# `(user, organization | None, today) -> list[Measure]` at start-up, so this module never imports them.
_MEASURES: list = []


@dataclass(frozen=True)
class Measure:
    key: str
    label: str  # translated by the registering app
    value: int | float
    ratio: bool = False  # a share in 0..1, shown as a percentage


def register_measure(fn) -> None:
    if fn not in _MEASURES:
        _MEASURES.append(fn)


def extra_measures(user, organization, today: date) -> list[Measure]:
    return [m for fn in _MEASURES for m in fn(user, organization, today)]


def national_list_measures(user, organization, today: date) -> list[Measure]:
    """Systems on the national-security List and proposed for it, shown apart and only to those who see the flag
    (the owner's representatives and national authorities); and the systems past a transitional deadline
    (Decree 331 Art. 39.1) they have not met; with the List, the listed systems whose yearly self-inspection is
    overdue (Law 116 Art. 11.1(b)). Two queries."""
    visible = _scope(systems_visible_to(user), organization)
    viewer = national_list.FlagViewer(user)
    measures = []
    if viewer.everything or viewer.owner_ids:
        scoped = visible if viewer.everything else visible.filter(owner_id__in=viewer.owner_ids)
        counts = scoped.aggregate(
            listed=Count("id", filter=Q(national_security_list="listed")),
            proposed=Count("id", filter=Q(national_security_list="proposed")),
            self_inspection_overdue=Count("id", filter=list_self_inspection.overdue_condition(today=today)),
        )
        measures += [
            Measure("national_list_listed", gettext("Systems on the national-security List"), counts["listed"]),
            Measure("national_list_proposed", gettext("Systems proposed for the national-security List"),
                    counts["proposed"]),
            # Law 116 Art. 11.1(b): the year's self-inspection of a List system, not closed before 01/10.
            Measure("national_list_self_inspection_overdue",
                    gettext("List systems whose yearly self-inspection is overdue"),
                    counts["self_inspection_overdue"]),
        ]  # fmt: skip
    late = transition.rows(visible, state="late", today=today).count()
    measures.append(Measure("transition_late", gettext("Transitional deadlines passed and not met"), late))
    return measures


register_measure(national_list_measures)


def ratio(part: int, whole: int) -> float:
    """A share in 0..1; with nothing to measure the share is 0 (the page shows a dash instead)."""
    return round(part / whole, 4) if whole else 0.0


def below(org_id: int) -> QuerySet:
    return OrganizationClosure.objects.filter(ancestor_id=org_id).values("descendant_id")


def under_q(org_id: int, prefix: str = "") -> Q:
    """A system (reached through `prefix`) whose owner, operating unit or security unit lies in the subtree."""
    sub = below(org_id)
    return (
        Q(**{f"{prefix}owner_id__in": sub})
        | Q(**{f"{prefix}operator_id__in": sub})
        | Q(**{f"{prefix}security_unit_id__in": sub})
    )


def approved_q(prefix: str = "") -> Q:
    """Approved at the system's current level: the registry's approved dossier covers the proposed level."""
    return Q(
        **{f"{prefix}approved_dossier_id__isnull": False, f"{prefix}approved_level__gte": F(f"{prefix}proposed_level")}
    )


def on_time_q(today: date) -> Q:
    """Inspected on time: the next periodic inspection is not past due and no open inspection is overdue."""
    # An uncorrelated NOT IN runs once; the correlated EXISTS ran per system (406 → 88 ms nationally, benchmarks.md).
    overdue = Inspection.objects.filter(status__in=OPEN_STATUSES, due_date__lt=today).values("system_id").order_by()
    return (Q(next_inspection_due__isnull=True) | Q(next_inspection_due__gte=today)) & ~Q(id__in=overdue)


@dataclass
class Figures:
    systems_total: int = 0
    systems_operating: int = 0
    operating_with_approved_dossier: int = 0
    operating_inspected_on_time: int = 0
    inspections_due_30d: int = 0
    inspections_overdue: int = 0

    @property
    def operating_without_approval(self) -> int:
        return self.systems_operating - self.operating_with_approved_dossier

    @property
    def approval_coverage(self) -> float:
        return ratio(self.operating_with_approved_dossier, self.systems_operating)

    @property
    def inspection_coverage(self) -> float:
        return ratio(self.operating_inspected_on_time, self.systems_operating)


@dataclass
class OrgRow:
    organization: Organization
    figures: Figures


@dataclass
class Dashboard:
    organization: Organization | None
    trail: list[Organization]
    figures: Figures
    findings_open_by_severity: dict[str, int]
    dossiers_overdue_by_step: dict[str, int]
    rows: list[OrgRow] = field(default_factory=list)
    without_approval: list[InformationSystem] | None = None
    today: date | None = None
    measures: list[Measure] = field(default_factory=list)

    def as_api(self) -> dict:
        f = self.figures
        return {
            "organization_id": self.organization.pk if self.organization else None,
            **_figures_api(f),
            "findings_open_by_severity": self.findings_open_by_severity,
            "dossiers_overdue_by_step": self.dossiers_overdue_by_step,
            "measures": {m.key: m.value for m in self.measures},
            "by_organization": [
                {
                    "organization_id": r.organization.pk,
                    "code": r.organization.code,
                    "name": r.organization.name,
                    **_figures_api(r.figures),
                }
                for r in self.rows
            ],
        }


def _figures_api(f: Figures) -> dict:
    return {
        "systems_total": f.systems_total,
        "systems_operating": f.systems_operating,
        "operating_with_approved_dossier": f.operating_with_approved_dossier,
        "approval_coverage": f.approval_coverage,
        "inspections_due_30d": f.inspections_due_30d,
        "inspections_overdue": f.inspections_overdue,
        "inspection_coverage": f.inspection_coverage,
    }


def _scope(visible: QuerySet, organization: Organization | None) -> QuerySet:
    qs = visible
    if organization is not None:
        qs = qs.filter(under_q(organization.pk))
    return qs


def organization_in_view(user, organization_id, *, visible: QuerySet | None = None) -> Organization:
    """The organisation to drill into, or 404 when no system the user sees lies under it: one query."""
    try:
        organization_id = int(organization_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    visible = (systems_visible_to(user) if visible is None else visible).filter(under_q(organization_id))
    org = Organization.objects.filter(pk=organization_id).filter(Exists(visible)).first()
    if org is None:
        raise NotFound()
    return org


def _system_aggregates(today: date) -> dict:
    operating = Q(status=OPERATING)
    return {
        "systems_total": Count("id"),
        "systems_operating": Count("id", filter=operating),
        "operating_with_approved_dossier": Count("id", filter=operating & approved_q()),
        "operating_inspected_on_time": Count("id", filter=operating & on_time_q(today)),
    }


def _inspection_aggregates(today: date) -> dict:
    open_ = Q(status__in=OPEN_STATUSES)
    return {
        "inspections_due_30d": Count(
            "id", filter=open_ & Q(due_date__gte=today, due_date__lte=today + timedelta(days=DUE_WINDOW_DAYS))
        ),
        "inspections_overdue": Count("id", filter=open_ & Q(due_date__lt=today)),
    }


def compliance(user, organization_id=None, *, with_list: bool = False, today: date | None = None) -> Dashboard:
    today = today or timezone.localdate()
    visible = systems_visible_to(user)  # the oversight check runs once; the rest are sub-selects of this
    organization = (
        organization_in_view(user, organization_id, visible=visible) if organization_id not in (None, "") else None
    )
    trail: list[Organization] = []
    if organization is not None:
        trail = list(
            Organization.objects.filter(descendant_links__descendant_id=organization.pk)
            .order_by("-descendant_links__depth")
            .only("id", "code", "name")
        )
    systems = _scope(visible, organization)
    system_ids = systems.values("id")

    figures = Figures(**systems.aggregate(**_system_aggregates(today)))
    inspected = Inspection.objects.filter(system_id__in=system_ids).aggregate(**_inspection_aggregates(today))
    figures.inspections_due_30d = inspected["inspections_due_30d"]
    figures.inspections_overdue = inspected["inspections_overdue"]

    findings = Finding.objects.filter(system_id__in=system_ids, status=Finding.Status.OPEN).aggregate(
        **{sev: Count("id", filter=Q(severity=sev)) for sev in SEVERITIES}
    )
    overdue_steps = (
        active_steps()
        .filter(dossier__system_id__in=system_ids, due_date__lt=today)
        .aggregate(**{kind: Count("id", filter=Q(kind=kind)) for kind in STEP_KINDS})
    )

    rows = _rows(visible, organization, today)
    without = None
    if with_list:
        without = list(
            systems.filter(status=OPERATING)
            .exclude(approved_q())
            .select_related("owner", "operator")
            # the registry's flagged systems first, the nearest deadline to submit the new dossier on top
            .order_by(F("reapproval_deadline").asc(nulls_last=True), "code")[:WITHOUT_APPROVAL_LIMIT]
        )
    return Dashboard(
        organization=organization,
        trail=trail,
        figures=figures,
        findings_open_by_severity=findings,
        dossiers_overdue_by_step=overdue_steps,
        rows=rows,
        without_approval=without,
        today=today,
        measures=extra_measures(user, organization, today),
    )


def _child_orgs(visible: QuerySet, organization: Organization | None) -> list[Organization]:
    """One level down: the children of the organisation, or at the top the roots above the systems one sees."""
    if organization is not None:
        qs = Organization.objects.filter(parent_id=organization.pk)
    else:
        reached = OrganizationClosure.objects.filter(
            Q(descendant_id__in=visible.values("owner_id"))
            | Q(descendant_id__in=visible.values("operator_id"))
            | Q(descendant_id__in=visible.values("security_unit_id"))
        ).values("ancestor_id")
        qs = Organization.objects.filter(parent__isnull=True, id__in=reached)
    return list(qs.order_by("code").only("id", "code", "name"))


def _rows(visible: QuerySet, organization: Organization | None, today: date) -> list[OrgRow]:
    """Figures per child organisation in one grouped statement, whatever the number of children or systems.

    A system counts under a child when its owner, operating unit or security unit lies in the child's subtree:
    the (child, system) pairs are the UNION of three joins with the closure table (UNION drops the pairs found
    twice), and each system's open inspections are pre-aggregated once. Raw SQL because the ORM cannot group over
    a UNION; visibility still comes from `systems_visible_to`, compiled into the statement."""
    children = _child_orgs(visible, organization)
    if not children:
        return []
    ops = connection.ops
    systems, closure, inspections = (m._meta.db_table for m in (InformationSystem, OrganizationClosure, Inspection))
    vis_sql, vis_params = visible.values("id").query.sql_with_params()
    # National oversight sees every system: no need to semi-join the table with itself.
    restrict = f" AND s.id IN ({vis_sql})" if visible.query.has_filters() else ""
    vis_params = vis_params if restrict else ()
    ids = [org.pk for org in children]
    marks = ", ".join(["%s"] * len(ids))
    pairs = " UNION ".join(
        f"SELECT c.ancestor_id AS bucket, s.id AS system_id FROM {systems} s JOIN {closure} c ON c.descendant_id = s.{col} "
        f"WHERE c.ancestor_id IN ({marks}){restrict}"
        for col in ("owner_id", "operator_id", "security_unit_id")
    )
    day = ops.adapt_datefield_value
    open_marks = ", ".join(["%s"] * len(OPEN_STATUSES))
    sql = f"""
        SELECT p.bucket,
               COUNT(*),
               SUM(CASE WHEN s.status = %s THEN 1 ELSE 0 END),
               SUM(CASE WHEN s.status = %s AND s.approved_dossier_id IS NOT NULL AND s.approved_level >= s.proposed_level THEN 1 ELSE 0 END),
               SUM(CASE WHEN s.status = %s AND (s.next_inspection_due IS NULL OR s.next_inspection_due >= %s)
                         AND COALESCE(i.overdue, 0) = 0 THEN 1 ELSE 0 END),
               SUM(COALESCE(i.due_30d, 0)),
               SUM(COALESCE(i.overdue, 0))
        FROM ({pairs}) p
        JOIN {systems} s ON s.id = p.system_id
        LEFT JOIN (
            SELECT system_id,
                   SUM(CASE WHEN due_date >= %s AND due_date <= %s THEN 1 ELSE 0 END) AS due_30d,
                   SUM(CASE WHEN due_date < %s THEN 1 ELSE 0 END) AS overdue
            FROM {inspections} WHERE status IN ({open_marks}) GROUP BY system_id
        ) i ON i.system_id = s.id
        GROUP BY p.bucket
    """
    # In the order they appear in the statement: the select list, the three pairs, the inspections sub-select.
    params = [OPERATING, OPERATING, OPERATING, day(today), *([*ids, *vis_params] * 3),
              day(today), day(today + timedelta(days=DUE_WINDOW_DAYS)), day(today), *OPEN_STATUSES]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    rows = []
    for org in children:
        if org.pk not in found:
            continue
        total, operating, approved, on_time, due_30d, overdue = (int(v or 0) for v in found[org.pk])
        figures = Figures(
            systems_total=total, systems_operating=operating, operating_with_approved_dossier=approved,
            operating_inspected_on_time=on_time, inspections_due_30d=due_30d, inspections_overdue=overdue,
        )  # fmt: skip
        rows.append(OrgRow(organization=org, figures=figures))
    return rows


# --- the home page: what waits for this user ------------------------------------------------------------------
