"""Which capacities a user holds over one system: the roles that count for it, derived from the org tree."""

from django.db.models import Exists, IntegerField, OuterRef, Value

from accounts.models import Membership, OrganizationClosure, Role
from accounts.selectors import delegated_owner_ids, user_facts

from .models import InformationSystem

# The side of a system each role acts for (its column on InformationSystem).
SIDES = {
    Role.OPERATOR: "operator_id",
    Role.SECURITY_UNIT: "security_unit_id",
    Role.OWNER: "owner_id",
    Role.INSPECTOR: "security_unit_id",
    Role.AUDITOR: "owner_id",
}

# Roles that may edit registry data and move the lifecycle; the others only read or act through workflows.
EDITOR_ROLES = {Role.OPERATOR, Role.OWNER}


def capacities(user, system: InformationSystem) -> set[str]:
    """Role r counts for `system` when the user holds r in an organisation at or above the side of the system that r
    acts for: operators over the operating unit, security units over the designated unit, owners over the owner
    (or by an active delegation from it), authorities at the national authority the dossier was routed to."""
    if not user.is_authenticated:
        return set()
    sides = {role: getattr(system, column) for role, column in SIDES.items()}
    facts = user_facts(user)  # memberships and delegations read once per request, not once per check
    memberships = [(org, role) for org, role, _ in facts.memberships]
    if not memberships:
        return set()
    held = set()
    if getattr(system, "capacity_user_id", None) == user.pk:  # read with the system (capacity_annotations)
        held = {role for _org, role in memberships if role in SIDES and getattr(system, f"reach_{role}")}
    else:
        member_orgs = {org for org, _ in memberships}
        reach = set(
            OrganizationClosure.objects.filter(
                ancestor_id__in=member_orgs, descendant_id__in=[v for v in sides.values() if v]
            ).values_list("ancestor_id", "descendant_id")
        )
        for org, role in memberships:
            target = sides.get(role)
            if target is not None and (org, target) in reach:
                held.add(role)
    for org, role in memberships:
        if role == Role.AUTHORITY and system.national_authority_id == org:
            held.add(role)
    if system.owner_id in facts.delegated_owners():
        held.add(Role.OWNER)
    return held


def capacity_annotations(user) -> dict:
    """What `capacities` asks the organisation tree, as expressions for the statement that reads the system anyway
    (`selectors.system_for_user(..., annotate=...)`): for each role the user holds over a side of a system, whether
    one of the organisations it holds the role in is at or above that side. `capacities` then reads no more."""
    if not user.is_authenticated:
        return {}
    orgs_by_role: dict[str, set[int]] = {}
    for org, role, _kind in user_facts(user).memberships:
        if role in SIDES:
            orgs_by_role.setdefault(role, set()).add(org)
    annotations = {
        f"reach_{role}": Exists(
            OrganizationClosure.objects.filter(ancestor_id__in=orgs, descendant_id=OuterRef(SIDES[role]))
        )
        for role, orgs in orgs_by_role.items()
    }
    annotations["capacity_user_id"] = Value(user.pk, output_field=IntegerField())
    return annotations


def can_edit(user, system: InformationSystem) -> bool:
    return user.is_superuser or bool(capacities(user, system) & EDITOR_ROLES)


class EditScope:
    """can_edit for many systems at once (a bulk import): the organisations under the user's operator and owner
    memberships and the owners delegated to them, loaded in three queries; same answer as can_edit."""

    def __init__(self, user):
        self.everything = user.is_superuser
        memberships = list(
            Membership.objects.filter(user_id=user.pk, role__in=EDITOR_ROLES).values_list("organization_id", "role")
        )
        below = OrganizationClosure.objects.values_list("descendant_id", flat=True)
        self.operators = set(below.filter(ancestor_id__in=[o for o, r in memberships if r == Role.OPERATOR]))
        self.owners = set(below.filter(ancestor_id__in=[o for o, r in memberships if r == Role.OWNER]))
        self.owners |= set(delegated_owner_ids(user).values_list("owner_id", flat=True))

    def can_edit(self, *, operator_id: int, owner_id: int) -> bool:
        return self.everything or operator_id in self.operators or owner_id in self.owners
