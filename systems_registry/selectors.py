"""Reads. Visibility is one SQL statement: jurisdiction from the organisation tree plus explicit guardian grants."""

from datetime import date
from types import SimpleNamespace

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import Role
from accounts.selectors import delegated_owner_ids, has_national_oversight, jurisdiction_org_ids, member_org_ids
from core.errors import NotFound

from .models import InformationSystem, InformationSystemUserObjectPermission

VIEW_PERM = "view_informationsystem"


def _granted_system_ids(user) -> QuerySet:
    return InformationSystemUserObjectPermission.objects.filter(user_id=user.pk, permission__codename=VIEW_PERM).values(
        "content_object_id"
    )


def _visible_ids(user, day, columns=("id",)) -> QuerySet:
    # One statement still, but a UNION of six index scans: an OR of six IN-subqueries made PostgreSQL scan every
    # system (119 ms → 15 ms for a commune operator at 50,000 systems; docs/benchmarks.md).
    reach = jurisdiction_org_ids(user)
    systems = InformationSystem.objects
    return (
        systems.filter(owner_id__in=reach).values(*columns).order_by()
        .union(
            systems.filter(operator_id__in=reach).values(*columns).order_by(),
            systems.filter(security_unit_id__in=reach).values(*columns).order_by(),
            systems.filter(owner_id__in=delegated_owner_ids(user, roles=[r.value for r in Role], on=day)).values(*columns).order_by(),
            systems.filter(national_authority_id__in=member_org_ids(user)).values(*columns).order_by(),
            (
                _granted_system_ids(user).order_by() if columns == ("id",)
                else systems.filter(id__in=_granted_system_ids(user)).values(*columns).order_by()
            ),
        )
    )  # fmt: skip


# Building and compiling that UNION took ~7 ms of every request in Python before any SQL ran, the same every time
# but for the user id and the date. It is compiled once per process with stand-in values, and each request only
# puts the user's own in (docs/benchmarks.md, "HTTP throughput").
_STAND_IN_USER = SimpleNamespace(pk=-(2**62), is_authenticated=True)
_STAND_IN_DAY = date(1901, 2, 3)
_compiled: dict[tuple[str, tuple[str, ...]], tuple[str, tuple, tuple[int, ...], tuple[int, ...]]] = {}


def _compiled_visibility(columns=("id",)) -> tuple[str, tuple, tuple[int, ...], tuple[int, ...]]:
    key = (connection.vendor, columns)
    if key not in _compiled:
        sql, params = _visible_ids(_STAND_IN_USER, _STAND_IN_DAY, columns).query.sql_with_params()
        users = tuple(i for i, value in enumerate(params) if value == _STAND_IN_USER.pk)
        days = tuple(i for i, value in enumerate(params) if value in (_STAND_IN_DAY, str(_STAND_IN_DAY)))
        if len(users) != 6 or len(days) != 2:  # six user terms; a delegation's start and end
            raise RuntimeError(f"visibility template: {len(users)} user and {len(days)} date parameters")
        _compiled[key] = (sql, tuple(params), users, days)
    return _compiled[key]


def _visibility_sql(user, columns=("id",)) -> tuple[str, list]:
    sql, template, users, days = _compiled_visibility(columns)
    params = list(template)
    for i in users:
        params[i] = user.pk
    today = timezone.localdate()
    for i in days:
        params[i] = today if isinstance(template[i], date) else str(today)
    return sql, params


def visibility_q(user) -> Q:
    return Q(id__in=RawSQL(*_visibility_sql(user)))


def visible_page_in_code_order(user, start: int, size: int) -> list[tuple[int, int]] | None:
    """The unfiltered registry list's page for a user without national oversight: (id, count of the visible set)
    for each system of the page, in (code, id) order, from the UNION's own rows. Sorting by a code the UNION
    already read saves looking up every visible system again by key (~3.6 against ~5 ms for a province at 50,000
    systems, docs/benchmarks.md). None where the general path applies (national oversight, a signed-out user)."""
    if not user.is_authenticated or not user.is_active or has_national_oversight(user):
        return None
    sql, params = _visibility_sql(user, ("id", "code"))  # compiled by Django; every value is a parameter
    page = f"SELECT v.id, COUNT(*) OVER () FROM ({sql}) v ORDER BY v.code, v.id LIMIT %s OFFSET %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(page, [*params, size, start])
        return cursor.fetchall()


def systems_visible_to(user) -> QuerySet:
    if not user.is_authenticated or not user.is_active:
        return InformationSystem.objects.none()
    qs = InformationSystem.objects.all()
    if has_national_oversight(user):
        return qs
    return qs.filter(visibility_q(user))


def system_list(
    user,
    *,
    q: str = "",
    level: int | None = None,
    status: str = "",
    owner_id: int | None = None,
    related: bool = True,
) -> QuerySet:
    """`related=False` for callers that show the organisations' ids only (the API): joining three organisations
    added some 40 columns for Django to compile into every page's statement (docs/benchmarks.md)."""
    qs = systems_visible_to(user)
    if related:
        qs = qs.select_related("owner", "operator", "security_unit")
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if level:
        qs = qs.filter(proposed_level=level)
    if status:
        qs = qs.filter(status=status)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    return qs.order_by("code", "id")


def system_for_user(
    user, system_id, *, for_update: bool = False, related: bool = True, annotate: dict | None = None
) -> InformationSystem:
    """One system the user may see, or 404. Whether the user may *act* is the caller's question (403).
    `related=False` leaves out the five organisations and the dossier (the API shows their ids only); `annotate`
    adds expressions to the same statement (access.capacity_annotations: what the user holds over it)."""
    try:
        system_id = int(system_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if (
        not related
        and not for_update
        and not annotate
        and user.is_authenticated
        and user.is_active
        and not has_national_oversight(user)
    ):
        found = list(InformationSystem.objects.raw(*_one_visible_sql(user, system_id)))
        if not found:
            raise NotFound()
        return found[0]
    qs = systems_visible_to(user)
    if related:
        qs = qs.select_related("owner", "operator", "security_unit", "parent")
    if annotate:
        qs = qs.annotate(**annotate)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    # Not .first(): its ORDER BY pk makes Django hash every selected column of the five joined tables while
    # compiling (~7 ms a request under load); a primary-key filter needs no order.
    found = list(qs.filter(pk=system_id)[:1])
    if not found:
        raise NotFound()
    return found[0]


def operating_without_approval(systems: QuerySet | None = None) -> QuerySet:
    """Systems operating without an approved dossier at their current level (their level moved while operating),
    nearest deadline to submit the new dossier first: for the dashboard and the annual report (Form 08)."""
    qs = InformationSystem.objects.all() if systems is None else systems
    return qs.filter(status=InformationSystem.Status.OPERATING, operating_without_approval=True).order_by(
        "reapproval_deadline", "code"
    )


_STAND_IN_SYSTEM_ID = -(2**61)
_one_visible: dict[str, tuple[str, int]] = {}


def _one_visible_sql(user, system_id: int) -> tuple[str, list]:
    """The statement of `system_for_user(..., related=False)` for a user under the visibility filter, compiled once
    per process (with the visibility UNION's stand-ins and a stand-in id): compiling the system's columns took about
    a third of an API detail request in Python (docs/benchmarks.md)."""
    vendor = connection.vendor
    if vendor not in _one_visible:
        template = InformationSystem.objects.filter(visibility_q(_STAND_IN_USER), pk=_STAND_IN_SYSTEM_ID)[:1]
        sql, params = template.query.sql_with_params()
        ids = [i for i, value in enumerate(params) if value == _STAND_IN_SYSTEM_ID]
        if len(ids) != 1 or len(params) != len(_compiled_visibility()[1]) + 1:
            raise RuntimeError(f"one-system template: {len(ids)} id and {len(params)} parameters")
        _one_visible[vendor] = (sql, ids[0])
    sql, at = _one_visible[vendor]
    params = _visibility_sql(user)[1]
    params.insert(at, system_id)
    return sql, params
