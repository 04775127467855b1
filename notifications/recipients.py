"""Who hears about an event. An `Audience` names roles in organisations, explicit users and the inspectors of an
inspection; `resolve` turns any number of audiences into active users in a constant number of queries, so a
scanner batch of 200 events costs the same handful of queries as one event."""

from collections import defaultdict
from dataclasses import dataclass

from accounts.models import Delegation, Membership, Role, User


@dataclass(frozen=True)
class Audience:
    # (organisation id, role): that organisation's members holding the role. The owner role also reaches the owners
    # of an organisation the owner delegated to in writing for the current term (Decree 331 Art. 4).
    roles: frozenset = frozenset()
    users: frozenset = frozenset()
    inspections: frozenset = frozenset()  # the inspectors assigned to these inspections
    exclude: int | None = None  # the actor: nobody is told about their own action

    def __or__(self, other: "Audience") -> "Audience":
        return Audience(
            roles=self.roles | other.roles, users=self.users | other.users,
            inspections=self.inspections | other.inspections, exclude=self.exclude or other.exclude,
        )  # fmt: skip

    def without(self, actor) -> "Audience":
        return Audience(self.roles, self.users, self.inspections, actor.pk if actor is not None else None)


def role_holders(org_id: int, role: str) -> Audience:
    return Audience(roles=frozenset({(org_id, role)}))


def owner_representatives(owner_id: int) -> Audience:
    return role_holders(owner_id, Role.OWNER)


def system_people(system, *, operator=True, security_unit=True) -> Audience:
    roles = set()
    if operator:
        roles.add((system.operator_id, Role.OPERATOR))
    if security_unit:
        roles.add((system.security_unit_id, Role.SECURITY_UNIT))
    return Audience(roles=frozenset(roles))


def inspectors(inspection) -> Audience:
    return Audience(inspections=frozenset({inspection.pk}))


def people(*user_ids) -> Audience:
    return Audience(users=frozenset(pk for pk in user_ids if pk))


def resolve(audiences: list[Audience]) -> tuple[list[list[int]], dict[int, dict]]:
    """For each audience, the ids of its active users in id order; and those users' rows (id, email, language).
    At most four queries however many audiences: delegations, memberships, inspectors, users."""
    pairs = {pair for a in audiences for pair in a.roles}
    owner_orgs = {org for org, role in pairs if role == Role.OWNER}
    delegates = defaultdict(set)
    if owner_orgs:
        for owner_id, delegate_id in (
            Delegation.objects.active().filter(owner_id__in=owner_orgs).values_list("owner_id", "delegate_id")
        ):
            delegates[owner_id].add(delegate_id)
    wanted = pairs | {(d, Role.OWNER) for ds in delegates.values() for d in ds}
    holders = defaultdict(set)
    if wanted:
        memberships = Membership.objects.filter(
            organization_id__in={org for org, _ in wanted}, role__in={role for _, role in wanted}
        ).values_list("organization_id", "role", "user_id")  # fmt: skip
        for org, role, user_id in memberships:
            holders[(org, role)].add(user_id)
    assigned = defaultdict(set)
    inspection_ids = {pk for a in audiences for pk in a.inspections}
    if inspection_ids:
        from inspections.models import Inspection

        through = Inspection.inspectors.through
        for inspection_id, user_id in through.objects.filter(inspection_id__in=inspection_ids).values_list(
            "inspection_id", "user_id"
        ):
            assigned[inspection_id].add(user_id)
    candidates = []
    for a in audiences:
        ids = set(a.users)
        for org, role in a.roles:
            ids |= holders[(org, role)]
            if role == Role.OWNER:
                for delegate in delegates[org]:
                    ids |= holders[(delegate, Role.OWNER)]
        for inspection_id in a.inspections:
            ids |= assigned[inspection_id]
        ids.discard(a.exclude)
        candidates.append(ids)
    everyone = set().union(*candidates) if candidates else set()
    rows = {}
    if everyone:
        rows = {
            r["id"]: r for r in User.objects.filter(pk__in=everyone, is_active=True).values("id", "email", "language")
        }
    return [sorted(pk for pk in ids if pk in rows) for ids in candidates], rows
