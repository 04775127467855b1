"""Who hears about an event, by the rules of the organisation tree. An `Audience` names roles in organisations and
explicit users; `publish` turns any number of `Notice`s (an audience and what to tell it) into the plain user ids
`notifications` takes, in a constant number of queries, so a scanner batch of 200 notices costs the same handful
of queries as one. The domain apps build the notices (their `notices.py`); notifications never looks at them."""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import transaction
from django.urls import get_script_prefix, reverse
from django.utils import formats

from notifications.services import Event
from notifications.services import publish as publish_events

from .models import Delegation, Membership, Role


@dataclass(frozen=True)
class Audience:
    # (organisation id, role): that organisation's members holding the role. The owner role also reaches the owners
    # of an organisation the owner delegated to in writing for the current term (Decree 331 Art. 4).
    roles: frozenset = frozenset()
    users: frozenset = frozenset()
    exclude: int | None = None  # the actor: nobody is told about their own action

    def __or__(self, other: "Audience") -> "Audience":
        return Audience(self.roles | other.roles, self.users | other.users, self.exclude or other.exclude)

    def without(self, actor) -> "Audience":
        return Audience(self.roles, self.users, actor.pk if actor is not None else None)


def role_holders(org_id: int, role: str) -> Audience:
    return Audience(roles=frozenset({(org_id, role)}))


def owner_representatives(owner_id: int) -> Audience:
    return role_holders(owner_id, Role.OWNER)


def people(*user_ids) -> Audience:
    return Audience(users=frozenset(pk for pk in user_ids if pk))


@dataclass(frozen=True)
class Notice:
    """One thing to tell an audience: a `notifications.services.Event` before its audience is resolved to users."""

    audience: Audience
    kind: str
    key: str
    title: object
    body: object = ""
    url: str = ""
    params: dict = field(default_factory=dict)
    new_key: bool = False  # see notifications.services.Event


def resolve(audiences: list[Audience]) -> list[set[int]]:
    """For each audience, the ids of its users (notifications keeps the active ones). Two queries however many
    audiences: delegations, memberships."""
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
    result = []
    for a in audiences:
        ids = set(a.users)
        for org, role in a.roles:
            ids |= holders[(org, role)]
            if role == Role.OWNER:
                for delegate in delegates[org]:
                    ids |= holders[(delegate, Role.OWNER)]
        ids.discard(a.exclude)
        result.append(ids)
    return result


def publish(notices) -> list:
    """Resolve the notices' audiences and hand notifications the events, inside the caller's transaction; the
    notifications created. `None`s (a builder with nothing to say) are skipped."""
    notices = [n for n in notices if n is not None]
    if not notices:
        return []
    audiences = resolve([n.audience for n in notices])
    return publish_events([
        Event(user_ids=tuple(sorted(ids)), kind=n.kind, key=n.key, title=n.title, body=n.body, url=n.url, params=n.params,
              new_key=n.new_key)
        for n, ids in zip(notices, audiences, strict=True)
    ])  # fmt: skip


def publish_ids(notices) -> list[int]:
    return [n.pk for n in publish(notices)]


def _batches(qs, batch_size: int):
    last = 0
    while True:
        rows = list(qs.filter(pk__gt=last).order_by("pk")[:batch_size])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def publish_batches(qs, notices_of, batch_size: int, counts: dict | None = None) -> dict:
    """A deadline scan: each batch of rows becomes a batch of notices published together (`notices_of(rows)` → an
    iterable of notices or `None`s), a constant number of queries per batch, one transaction per batch (a crash
    loses at most the batch, which the next run redoes). Adds the notifications created per kind to `counts`."""
    counts = {} if counts is None else counts
    for batch in _batches(qs, batch_size):
        with transaction.atomic():
            for n in publish(notices_of(batch)):
                counts[str(n.kind)] = counts.get(str(n.kind), 0) + 1
    return counts


# --- what the notices put in their params and links ---------------------------------------------------------------


def choice_label(instance, name: str):
    """The lazy label of a choice field's value: rendered later, in each recipient's language."""
    value = getattr(instance, name)
    return dict(instance._meta.get_field(name).flatchoices).get(value, value)


class LazyDate:
    """A date rendered later, in each recipient's language (dd/mm/yyyy in Vietnamese), like the choice labels."""

    def __init__(self, value):
        self.value = value

    def __str__(self) -> str:
        return formats.date_format(self.value, "SHORT_DATE_FORMAT") if self.value else "—"


_MARKER = 918273645546372819  # an id no table reaches


@lru_cache(maxsize=32)
def _url_pattern(name: str, script_prefix: str) -> str:
    """`reverse()` once per URL name: a scan links tens of thousands of rows to the same three pages."""
    return reverse(name, args=[_MARKER]).replace(str(_MARKER), "{}")


def url_of(name: str, pk: int) -> str:
    return _url_pattern(name, get_script_prefix()).format(int(pk))
