"""Reads. Visibility is one SQL statement: jurisdiction from the organisation tree plus explicit guardian grants."""

from django.db.models import Q, QuerySet

from accounts.errors import NotFound
from accounts.models import Role
from accounts.selectors import delegated_owner_ids, has_national_oversight, jurisdiction_org_ids, member_org_ids

from .models import InformationSystem, InformationSystemUserObjectPermission

VIEW_PERM = "view_informationsystem"


def _granted_system_ids(user) -> QuerySet:
    return InformationSystemUserObjectPermission.objects.filter(
        user_id=user.pk, permission__codename=VIEW_PERM
    ).values("content_object_id")


def visibility_q(user) -> Q:
    # One statement still, but a UNION of six index scans: an OR of six IN-subqueries made PostgreSQL scan every
    # system (119 ms → 15 ms for a commune operator at 50,000 systems; docs/benchmarks.md).
    reach = jurisdiction_org_ids(user)
    systems = InformationSystem.objects
    ids = (
        systems.filter(owner_id__in=reach).values("id").order_by()
        .union(
            systems.filter(operator_id__in=reach).values("id").order_by(),
            systems.filter(security_unit_id__in=reach).values("id").order_by(),
            systems.filter(owner_id__in=delegated_owner_ids(user, roles=[r.value for r in Role])).values("id").order_by(),
            systems.filter(national_authority_id__in=member_org_ids(user)).values("id").order_by(),
            _granted_system_ids(user).order_by(),
        )
    )  # fmt: skip
    return Q(id__in=ids)


def systems_visible_to(user) -> QuerySet:
    if not user.is_authenticated or not user.is_active:
        return InformationSystem.objects.none()
    qs = InformationSystem.objects.all()
    if has_national_oversight(user):
        return qs
    return qs.filter(visibility_q(user))


def system_list(user, *, q: str = "", level: int | None = None, status: str = "", owner_id: int | None = None) -> QuerySet:
    qs = systems_visible_to(user).select_related("owner", "operator", "security_unit")
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if level:
        qs = qs.filter(proposed_level=level)
    if status:
        qs = qs.filter(status=status)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    return qs.order_by("code", "id")


def system_for_user(user, system_id, *, for_update: bool = False) -> InformationSystem:
    """One system the user may see, or 404. Whether the user may *act* is the caller's question (403)."""
    try:
        system_id = int(system_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = systems_visible_to(user).select_related("owner", "operator", "security_unit", "parent", "approved_dossier")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    system = qs.filter(pk=system_id).first()
    if system is None:
        raise NotFound()
    return system


def operating_without_approval(systems: QuerySet | None = None) -> QuerySet:
    """Systems operating without an approved dossier at their current level (their level moved while operating),
    nearest deadline to submit the new dossier first: for the dashboard and the annual report (Form 08)."""
    qs = InformationSystem.objects.all() if systems is None else systems
    return qs.filter(status=InformationSystem.Status.OPERATING, operating_without_approval=True).order_by("reapproval_deadline", "code")
