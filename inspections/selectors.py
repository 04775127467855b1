"""Reads. An inspection is visible exactly when its system is (systems_visible_to), in one SQL statement."""

from collections import OrderedDict
from datetime import date

from django.db.models import Aggregate, CharField, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import Membership, Organization, OrganizationClosure, Role, User
from core.errors import NotFound
from systems_registry.selectors import systems_visible_to

from . import scheduling
from .models import Evidence, Finding, Inspection, InspectionResult
from .policy import load_policy

SCORE = {"met": 1.0, "partial": 0.5, "not_met": 0.0}


def inspections_visible_to(user) -> QuerySet:
    return Inspection.objects.filter(system_id__in=systems_visible_to(user).values("id"))


def inspection_list(
    user, *, system_id: int | None = None, status: str = "", due_before: date | None = None, overdue: bool = False,
    organization_id: int | None = None,
) -> QuerySet:  # fmt: skip
    qs = inspections_visible_to(user)
    if system_id is not None:
        qs = qs.filter(system_id=system_id)
    if status:
        qs = qs.filter(status=status)
    if due_before is not None:
        qs = qs.filter(due_date__lt=due_before)
    if overdue:
        qs = qs.overdue()
    if organization_id is not None:
        below = OrganizationClosure.objects.filter(ancestor_id=organization_id).values("descendant_id")
        qs = qs.filter(
            Q(system__owner_id__in=below) | Q(system__operator_id__in=below) | Q(system__security_unit_id__in=below)
        )
    inspectors = Prefetch("inspectors", queryset=User.objects.only("id", "username", "full_name"))
    return qs.select_related("system", "checklist").prefetch_related(inspectors).order_by("due_date", "id")


class _IdList(Aggregate):
    """A group's ids as one comma-separated string (GROUP_CONCAT; STRING_AGG on PostgreSQL)."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "%(function)s((%(expressions)s)::text, ',')"
        return self.as_sql(compiler, connection, function="STRING_AGG", template=template, **extra_context)


def inspection_for_user(user, inspection_id, *, for_update: bool = False) -> Inspection:
    """The inspection if its system is visible, else 404; its inspector ids come in the same statement (every caller
    asks who the inspectors are: may act? which buttons? the response), so access.inspector_ids reads no more."""
    try:
        inspection_id = int(inspection_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    assigned = (
        Inspection.inspectors.through.objects.filter(inspection_id=OuterRef("pk"))
        .values("inspection_id")
        .annotate(ids=_IdList("user_id"))
        .values("ids")
    )  # fmt: skip
    qs = inspections_visible_to(user).select_related("system", "checklist").annotate(inspector_csv=Subquery(assigned))
    if for_update:
        qs = qs.select_for_update(of=("self",))
    found = list(qs.filter(pk=inspection_id)[:1])  # no ORDER BY: see systems_registry.selectors.system_for_user
    if not found:
        raise NotFound()
    inspection = found[0]
    inspection.__dict__["_inspector_ids"] = frozenset(int(i) for i in (inspection.inspector_csv or "").split(",") if i)
    return inspection


def results_of(inspection: Inspection) -> list[InspectionResult]:
    """Every snapshot row with its item and section: one query whatever the checklist size (none when
    services.save_results has just saved them: its rows, as saved)."""
    if "_results" in inspection.__dict__:
        return inspection.__dict__["_results"]
    return list(
        InspectionResult.objects.filter(inspection_id=inspection.pk)
        .select_related("item", "item__section")
        .order_by("order")
    )


def evidence_by_item(inspection: Inspection) -> dict[int, list[Evidence]]:
    grouped: dict[int, list[Evidence]] = {}
    for ev in Evidence.objects.filter(inspection_id=inspection.pk).order_by("id"):
        grouped.setdefault(ev.item_id, []).append(ev)
    return grouped


def _ratio(rows) -> float | None:
    applicable = [r for r in rows if r.result in SCORE]
    if not applicable:
        return None
    return round(sum(SCORE[r.result] for r in applicable) / len(applicable), 4)


def score(results: list[InspectionResult]) -> dict:
    """met = 1, partial = 0.5, not met = 0, over the applicable items assessed so far (N/A and unanswered are
    left out; submit requires every item answered, so a submitted score covers the whole checklist)."""
    sections: OrderedDict = OrderedDict()
    for r in results:
        sections.setdefault(r.item.section_id, []).append(r)
    section_scores = []
    for rows in sections.values():
        section = rows[0].item.section
        counts = {k: sum(1 for r in rows if r.result == k) for k in ("met", "partial", "not_met", "not_applicable")}
        counts["unanswered"] = sum(1 for r in rows if not r.result)
        section_scores.append({"code": section.code, "title": section.title, "score": _ratio(rows), **counts})
    return {
        "overall": _ratio(results),
        "answered": sum(1 for r in results if r.result),
        "total": len(results),
        "sections": section_scores,
    }


def findings_of(inspection: Inspection) -> QuerySet:
    return Finding.objects.filter(inspection_id=inspection.pk).select_related("item").order_by("id")


def finding_for_user(user, finding_id, *, for_update: bool = False) -> Finding:
    try:
        finding_id = int(finding_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = Finding.objects.filter(system_id__in=systems_visible_to(user).values("id")).select_related("item")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    finding = qs.filter(pk=finding_id).first()
    if finding is None:
        raise NotFound()
    return finding


def findings_visible_to(user, *, system_id: int | None = None, overdue: bool = False) -> QuerySet:
    qs = Finding.objects.filter(system_id__in=systems_visible_to(user).values("id"))
    if system_id is not None:
        qs = qs.filter(system_id=system_id)
    if overdue:
        qs = qs.overdue()
    return qs.select_related("item", "system", "responsible_org").order_by("due_date", "id")


def inspector_candidates(system, requirement: str, *, ordering_org_id: int | None = None) -> QuerySet:
    """Whom the order form offers as inspectors of `system`: holders of the inspector role in the system's own
    organisations (owner, designated security unit, national authority, the ordering organisation, and below them)
    or in an assessor organisation, kept to exactly those access.inspector_problem() accepts under `requirement`
    (independent: no membership at or below the operating unit; licensed: a membership of a licensed assessor
    organisation). One query, with `organization_name` (where they inspect from) annotated for the label."""
    roots = [
        org for org in (system.owner_id, system.security_unit_id, system.national_authority_id, ordering_org_id) if org
    ]
    own = OrganizationClosure.objects.filter(ancestor_id__in=roots).values("descendant_id")
    scope = Organization.objects.filter(
        Q(id__in=own) | Q(kind=Organization.Kind.ASSESSOR) | Q(licensed_assessor=True)
    ).values("id")  # fmt: skip
    inspecting = Membership.objects.filter(role=Role.INSPECTOR, organization_id__in=scope)
    qs = User.objects.filter(is_active=True, id__in=inspecting.values("user_id"))
    if requirement in ("independent", "licensed"):
        operating_side = OrganizationClosure.objects.filter(ancestor_id=system.operator_id).values("descendant_id")
        qs = qs.exclude(id__in=Membership.objects.filter(organization_id__in=operating_side).values("user_id"))
    if requirement == "licensed":
        qs = qs.filter(id__in=Membership.objects.filter(organization__licensed_assessor=True).values("user_id"))
    where = inspecting.filter(user_id=OuterRef("pk")).order_by("organization__code").values("organization__name")[:1]
    return (
        qs.annotate(organization_name=Subquery(where))
        .only("id", "username", "full_name")
        .order_by("full_name", "username")
    )


def checklist_choices(system, inspection_kind: str):
    """The checklists an inspection of `system` may use (its regime, the right kind, its level or any level), and
    the one the service picks when none is named (checklists.selectors.default_checklist), or None."""
    from checklists.models import ChecklistTemplate
    from checklists.selectors import default_checklist

    wanted = scheduling.checklist_kind(inspection_kind)
    level = scheduling.system_level(system)
    same_level = Q(level__isnull=True) | Q(level=level) if level else Q(level__isnull=True)
    choices = ChecklistTemplate.objects.filter(same_level, regime=system.regime, kind=wanted).order_by(
        "code", "-version"
    )
    return choices, default_checklist(regime=system.regime, level=level, kind=wanted)


def owner_round_progress(user, system) -> dict | None:
    """Decree 85 Art. 20.2(c): for an operating system whose periodic check is its owner's organisation-wide one, the
    round under way, whether this system was inspected in it, and how many of the owner's systems in scope that
    `user` can see were (a periodic inspection served the round when its `scheduling.served_day` is after the day
    the last round ended). None for any other system; else four queries, whatever the owner's size."""
    if system.status != system.Status.OPERATING or not scheduling.owner_scoped(system):
        return None
    level = scheduling.system_level(system)
    policy = load_policy(system.regime)
    months = scheduling.effective_cycles()[(system.regime, level)][0]
    epoch = scheduling.owner_epochs([system.owner_id])[system.owner_id]
    start, end = scheduling.owner_round(epoch, timezone.localdate(), months)
    served = (
        scheduling.completed_periodic().filter(system_id=OuterRef("pk")).alias(served=scheduling.served_day())
        .filter(served__gt=start)
    )  # fmt: skip
    counts = (
        systems_visible_to(user)
        .filter(owner_id=system.owner_id, regime=system.regime, status=system.Status.OPERATING)
        .alias(round_level=scheduling.system_level_expression(), round_done=Exists(served))
        .filter(round_level__in=[c.level for c in policy.cycles if c.scope == "owner"])
        .aggregate(
            total=Count("pk"),
            done=Count("pk", filter=Q(round_done=True)),
            this=Count("pk", filter=Q(pk=system.pk, round_done=True)),
        )
    )
    return {
        "start": start, "end": end, "months": months, "basis": policy.cycle(level).scope_basis,
        "this_done": bool(counts["this"]), "total": counts["total"], "done": counts["done"],
    }  # fmt: skip
