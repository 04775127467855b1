"""Who may do what to an inspection. Separation of duties lives here so every entry point asks the same questions."""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization, OrganizationClosure, Role, User
from accounts.selectors import user_facts
from systems_registry.access import capacities
from systems_registry.models import InformationSystem

from .models import Inspection


def authority_org_ids(user) -> set[int]:
    """The national authorities the user holds the authority role in, from the memberships read once per request."""
    if not user.is_authenticated:
        return set()
    return {
        org for org, role, kind in user_facts(user).memberships
        if role == Role.AUTHORITY and kind == Organization.Kind.NATIONAL_AUTHORITY
    }  # fmt: skip


def system_capacities(user, system) -> set[str]:
    """capacities(user, system), read once per system instance and user: a request asks several times (may order?
    which buttons? may act?), each a read of the organisation tree."""
    memo = system.__dict__.setdefault("_attesta_capacities", {})
    if user.pk not in memo:
        memo[user.pk] = frozenset(capacities(user, system))
    return set(memo[user.pk])


def ordering_org_id(user, system) -> int | None:
    """The organisation on whose behalf the user orders an inspection of `system`, or None if they may not.
    Allowed: the designated security unit, the owner, a national authority (Contract: "Inspections and findings")."""
    if user.is_superuser:
        return system.security_unit_id
    roles = system_capacities(user, system)
    if Role.SECURITY_UNIT in roles:
        return system.security_unit_id
    if Role.OWNER in roles:
        return system.owner_id
    authorities = authority_org_ids(user)
    if authorities:
        return system.national_authority_id if system.national_authority_id in authorities else min(authorities)
    return None


def may_order(user, system) -> bool:
    """Whether create_inspection would let `user` order an inspection of `system`: an ordering organisation, and a
    system still in the registry's care (a decommissioned system is not inspected)."""
    return system.status != InformationSystem.Status.DECOMMISSIONED and ordering_org_id(user, system) is not None


def inspector_ids(inspection: Inspection) -> set[int]:
    cached = getattr(inspection, "_prefetched_objects_cache", {}).get("inspectors")
    if cached is not None:
        return {u.pk for u in cached}
    # Read once per instance: a request asks several times (may act? which buttons? the response). The services
    # that change the inspectors drop it (services._forget_inspectors).
    if "_inspector_ids" not in inspection.__dict__:
        inspection.__dict__["_inspector_ids"] = frozenset(inspection.inspectors.values_list("id", flat=True))
    return set(inspection.__dict__["_inspector_ids"])


def is_inspector(user, inspection: Inspection) -> bool:
    return user.pk in inspector_ids(inspection)


def can_close(user, inspection: Inspection, held: set | None = None) -> bool:
    """A member of the system's designated security unit or of the authority that ordered it; never an inspector."""
    if is_inspector(user, inspection):
        return False
    if user.is_superuser:
        return True
    held = system_capacities(user, inspection.system) if held is None else held
    if Role.SECURITY_UNIT in held:
        return True
    return inspection.ordered_by_org_id is not None and inspection.ordered_by_org_id in authority_org_ids(user)


def can_cancel(user, inspection: Inspection, held: set | None = None) -> bool:
    if user.is_superuser:
        return True
    held = system_capacities(user, inspection.system) if held is None else held
    if held & {Role.SECURITY_UNIT, Role.OWNER}:
        return True
    return inspection.ordered_by_org_id is not None and inspection.ordered_by_org_id in authority_org_ids(user)


def can_verify_findings(user, inspection: Inspection, held: set | None = None) -> bool:
    if user.is_superuser or is_inspector(user, inspection):
        return True
    held = system_capacities(user, inspection.system) if held is None else held
    return Role.SECURITY_UNIT in held


def can_resolve_finding(user, responsible_org_id: int) -> bool:
    """Operators of the responsible organisation (or of an organisation above it)."""
    return responsible_org_id in resolvable_org_ids(user, [responsible_org_id])


def resolvable_org_ids(user, responsible_org_ids) -> set[int]:
    """Which of `responsible_org_ids` the user may resolve findings for (can_resolve_finding), in one query."""
    member_orgs = Membership.objects.filter(user_id=user.pk, role=Role.OPERATOR).values("organization_id")
    return set(
        OrganizationClosure.objects.filter(ancestor_id__in=member_orgs, descendant_id__in=set(responsible_org_ids))
        .values_list("descendant_id", flat=True)
    )  # fmt: skip


def with_eligibility(users, system):
    """`users` (a User queryset) annotated with the three facts inspector_check asks, in the same statement: a
    membership at all, one at or below the system's operating unit, one in a licensed assessor organisation."""
    mine = Membership.objects.filter(user_id=OuterRef("pk"))
    operating_side = OrganizationClosure.objects.filter(ancestor_id=system.operator_id).values("descendant_id")
    return users.annotate(
        is_member=Exists(mine),
        on_operating_side=Exists(mine.filter(organization_id__in=operating_side)),
        in_licensed_assessor=Exists(mine.filter(organization__licensed_assessor=True)),
    )


def inspector_check(user, system, requirement: str) -> tuple[str, str] | None:
    """(error code, message) saying why `user` may not inspect `system` under `requirement` (any / independent /
    licensed), or None. The code is the API's; the message is translated. `user` read through with_eligibility
    answers without a query."""
    if not hasattr(user, "is_member"):
        user = with_eligibility(User.objects.filter(pk=user.pk), system).get()
    if not user.is_member:
        return "inspector_not_eligible", _("%(user)s is not a member of any organisation.") % {"user": user.username}
    if requirement in ("independent", "licensed") and user.on_operating_side:
        message = _("%(user)s belongs to the system's operating unit: the inspection must be independent of it.")
        return "inspector_not_independent", message % {"user": user.username}
    if requirement == "licensed" and not user.in_licensed_assessor:
        message = _("%(user)s does not belong to a licensed assessor organisation, which this inspection requires.")
        return "licensed_assessor_required", message % {"user": user.username}
    return None


def inspector_problem(user, system, requirement: str) -> str | None:
    """Why `user` may not inspect `system` under `requirement`, or None (inspector_check without the code)."""
    found = inspector_check(user, system, requirement)
    return found[1] if found else None
