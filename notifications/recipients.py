"""Who hears about an event, as User querysets built from sub-selects: each event resolves to one SQL query."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Delegation, Membership, Role, User


def _holds(org_id: int, roles) -> Q:
    return Q(Exists(Membership.objects.filter(user_id=OuterRef("pk"), organization_id=org_id, role__in=list(roles))))


def _delegated_owner(org_id: int) -> Q:
    # An owner's active written delegation lets the delegate organisation's owners act for it (Decree 331 Art. 4).
    delegates = Delegation.objects.active().filter(owner_id=org_id).values("delegate_id")
    return Q(Exists(Membership.objects.filter(user_id=OuterRef("pk"), organization_id__in=delegates, role=Role.OWNER)))


def role_holders_q(org_id: int, role: str) -> Q:
    """Members of `org_id` holding `role`; for the owner role also the owners of an organisation it delegated to."""
    q = _holds(org_id, [role])
    return q | _delegated_owner(org_id) if role == Role.OWNER else q


def owner_representatives_q(owner_id: int) -> Q:
    return role_holders_q(owner_id, Role.OWNER)


def system_people_q(system, *, operator=True, security_unit=True, owner=False) -> Q:
    q = Q(pk__in=[])
    if operator:
        q |= _holds(system.operator_id, [Role.OPERATOR])
    if security_unit:
        q |= _holds(system.security_unit_id, [Role.SECURITY_UNIT])
    if owner:
        q |= owner_representatives_q(system.owner_id)
    return q


def inspectors_q(inspection) -> Q:
    through = inspection.inspectors.through
    return Q(Exists(through.objects.filter(inspection_id=inspection.pk, user_id=OuterRef("pk"))))


def users(q: Q, *, exclude=None) -> QuerySet:
    qs = User.objects.filter(q, is_active=True)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs
