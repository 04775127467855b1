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
    reach = jurisdiction_org_ids(user)
    return (
        Q(owner_id__in=reach)
        | Q(operator_id__in=reach)
        | Q(security_unit_id__in=reach)
        | Q(owner_id__in=delegated_owner_ids(user, roles=[r.value for r in Role]))
        | Q(national_authority_id__in=member_org_ids(user))
        | Q(id__in=_granted_system_ids(user))
    )


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
