"""Jurisdiction as sub-selects: callers combine these into one SQL statement instead of materialising id lists.

`user_facts(user)` is the one place a user's memberships are read for permission checks in Python: once per request
(kept on the request's user object until a membership, delegation or organisation changes in this process); outside
a request (services called directly, tasks) every call reads them afresh."""

import itertools
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import CharField, IntegerField, QuerySet, Value
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from core import context

from .models import Delegation, Membership, Organization, OrganizationClosure, Role

_generation = itertools.count(1)
_current = [next(_generation)]


def _changed(**kwargs) -> None:
    _current[0] = next(_generation)


for _model in (Membership, Delegation, Organization):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"user_facts_{_model.__name__}_save")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"user_facts_{_model.__name__}_delete")


@dataclass
class UserFacts:
    memberships: tuple[tuple[int, str, str], ...]  # (organization_id, role, organization kind)
    generation: int
    day: date
    scope: object  # the request these facts were read in (core.context)
    _delegations: tuple[tuple[int, int], ...] = ()  # today's, to any of the memberships: (owner_id, delegate_id)

    def member_orgs(self, roles=None) -> set[int]:
        return {org for org, role, _ in self.memberships if roles is None or role in roles}

    def delegated_owners(self, roles=(Role.OWNER,)) -> set[int]:
        """Owners that delegated, for today, to an organisation where the user holds one of `roles`."""
        delegates = self.member_orgs(roles)
        if not delegates:
            return set()
        return {owner for owner, delegate in self._delegations if delegate in delegates}


# The memberships and today's delegations to them in one statement (a UNION ALL), compiled once per process with
# stand-in values: building and compiling it took more of a request than running it (docs/benchmarks.md).
_STAND_IN_USER_ID = -(2**62)
_STAND_IN_DAY = date(1901, 2, 3)
_facts_sql: dict[str, tuple[str, tuple, tuple[int, ...], tuple[int, ...]]] = {}


def _compiled_facts() -> tuple[str, tuple, tuple[int, ...], tuple[int, ...]]:
    vendor = connection.vendor
    if vendor not in _facts_sql:
        own, text = Membership.objects.filter(user_id=_STAND_IN_USER_ID), CharField()
        memberships = own.values_list(
            "organization_id", "role", "organization__kind", Value(None, output_field=IntegerField())
        ).order_by()
        delegations = (
            Delegation.objects.active(on=_STAND_IN_DAY)
            .filter(delegate_id__in=own.values("organization_id"))
            .values_list("owner_id", Value(None, output_field=text), Value(None, output_field=text), "delegate_id")
            .order_by()
        )  # fmt: skip
        sql, params = memberships.union(delegations, all=True).query.sql_with_params()
        users = tuple(i for i, value in enumerate(params) if value == _STAND_IN_USER_ID)
        days = tuple(i for i, value in enumerate(params) if value in (_STAND_IN_DAY, str(_STAND_IN_DAY)))
        if len(users) != 2 or len(days) != 2:  # the memberships and the delegates; a term's start and end
            raise RuntimeError(f"user facts template: {len(users)} user and {len(days)} date parameters")
        _facts_sql[vendor] = (sql, tuple(params), users, days)
    return _facts_sql[vendor]


def _read_facts(user_id: int, day: date) -> tuple[tuple, tuple]:
    sql, template, users, days = _compiled_facts()
    params = list(template)
    for i in users:
        params[i] = user_id
    for i in days:
        params[i] = day if isinstance(template[i], date) else str(day)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    memberships = tuple(sorted((org, role, kind) for org, role, kind, delegate in rows if delegate is None))
    delegations = tuple(sorted((owner, delegate) for owner, _, _, delegate in rows if delegate is not None))
    return memberships, delegations


def user_facts(user) -> UserFacts:
    """The user's memberships (with each organisation's kind) and today's delegations to them: one query the first
    time in a request, none after in the same request while nothing changed."""
    today = timezone.localdate()
    scope = context.current()
    cached = getattr(user, "_attesta_facts", None)
    if cached is not None and cached.scope is scope and cached.generation == _current[0] and cached.day == today:
        return cached
    generation = _current[0]
    memberships, delegations = _read_facts(user.pk, today)
    facts = UserFacts(memberships=memberships, generation=generation, day=today, scope=scope, _delegations=delegations)
    if user.pk is not None and scope.request_id:  # only inside a request (RequestContextMiddleware)
        user._attesta_facts = facts
    return facts


def member_org_ids(user, roles=None) -> QuerySet:
    qs = Membership.objects.filter(user_id=user.pk)
    if roles is not None:
        qs = qs.filter(role__in=list(roles))
    return qs.values("organization_id")


def jurisdiction_org_ids(user, roles=None) -> QuerySet:
    """Organisations the user's memberships (optionally of some roles) reach: each one and its descendants."""
    return OrganizationClosure.objects.filter(ancestor_id__in=member_org_ids(user, roles)).values("descendant_id")


def organizations_in_view(user) -> QuerySet:
    """The organisations in the user's view: each one they are a member of and everything below it; national
    oversight sees every one. Filtered in SQL (a subquery on the closure table), so callers filter with
    `id__in=organizations_in_view(user).values("id")` in the same statement, never with a list of ids."""
    organizations = Organization.objects.all()
    if has_national_oversight(user):
        return organizations
    return organizations.filter(id__in=jurisdiction_org_ids(user))


def delegated_owner_ids(user, roles=(Role.OWNER,), *, on: date | None = None) -> QuerySet:
    """Owners that delegated, for the term running `on` (today), to an organisation where the user holds one of
    `roles`."""
    return Delegation.objects.active(on=on).filter(delegate_id__in=member_org_ids(user, roles)).values("owner_id")


def has_national_oversight(user) -> bool:
    """Superusers and auditors of a national authority see the whole country, read-only for the latter."""
    if user.is_superuser:
        return True
    if not user.is_authenticated:
        return False
    return any(
        role == Role.AUDITOR and kind == Organization.Kind.NATIONAL_AUTHORITY
        for _, role, kind in user_facts(user).memberships
    )


def organizations_for_listing() -> QuerySet:
    # Administrative units are public information; object data below them is what visibility protects.
    return Organization.objects.order_by("code")


def roles_of(user) -> list[dict]:
    return list(
        Membership.objects.filter(user_id=user.pk).order_by("organization_id", "role").values("organization_id", "role")
    )
