"""Reads of reports, visibility filtered in SQL. Who sees a report: members of the sending organisation or of the
owner it concerns (or of an organisation above either, or holding the owner's delegation), the national authority
it goes to (owner level), and national oversight. Anyone else gets 404."""

from django.db.models import Exists, Q, QuerySet

from accounts.models import Membership, Organization, Role
from accounts.selectors import delegated_owner_ids, has_national_oversight, jurisdiction_org_ids, member_org_ids
from core.errors import NotFound

from .models import Report


def national_authority_ids(user) -> QuerySet:
    return Membership.objects.filter(
        user_id=user.pk, role=Role.AUTHORITY, organization__kind=Organization.Kind.NATIONAL_AUTHORITY
    ).values("organization_id")


def is_national(user) -> bool:
    """National authorities and national oversight see the country's owner-level reports."""
    return has_national_oversight(user) or national_authority_ids(user).exists()


def reports_visible_to(user) -> QuerySet:
    qs = Report.objects.all()
    if user.is_superuser:
        return qs
    reach = jurisdiction_org_ids(user)
    q = Q(organization_id__in=reach) | Q(owner_id__in=reach) | Q(owner_id__in=delegated_owner_ids(user))
    # A national authority sees every owner's annual report and the ad-hoc ones it asked for: decided in the same
    # statement (EXISTS), not by a query of its own.
    q |= Q(Exists(national_authority_ids(user)), level=Report.Level.OWNER, kind=Report.Kind.ANNUAL)
    q |= Q(request__authority_id__in=national_authority_ids(user))
    # National oversight (has_national_oversight: auditors of a national authority) sees everything, also in SQL.
    q |= Q(
        Exists(
            Membership.objects.filter(
                user_id=user.pk, role=Role.AUDITOR, organization__kind=Organization.Kind.NATIONAL_AUTHORITY
            )
        )
    )
    return qs.filter(q)


def report_for_user(user, report_id: int, *, for_update: bool = False) -> Report:
    qs = reports_visible_to(user).filter(pk=report_id)
    if for_update:
        # Lock the row itself (visibility decided by the same statement) so two submissions run one after the other.
        qs = Report.objects.select_for_update(of=("self",)).filter(pk__in=qs.values("pk"))
    report = qs.select_related("organization", "owner", "request").first()
    if report is None:
        raise NotFound()
    return report


def report_list(
    user, *, year: int | None = None, organization_id: int | None = None, status: str = "", level: str = ""
) -> QuerySet:
    qs = reports_visible_to(user).select_related("organization", "owner")
    if year is not None:
        qs = qs.filter(year=year)
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    if status:
        qs = qs.filter(status=status)
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("due_date", "id")


def due_from_my_units(user) -> QuerySet:
    """The worklist: reports my own organisations must still send (draft or returned), soonest first."""
    return (
        Report.objects.filter(
            organization_id__in=member_org_ids(user), status__in=[Report.Status.DRAFT, Report.Status.RETURNED]
        )
        .select_related("organization", "owner")
        .order_by("due_date", "id")
    )


def awaiting_my_decision(user) -> QuerySet:
    """Submitted reports addressed to me: unit reports to an owner I represent, owner reports to my national authority."""
    owners = member_org_ids(user, [Role.OWNER])
    q = Q(level=Report.Level.UNIT, owner_id__in=owners) | Q(
        level=Report.Level.UNIT, owner_id__in=delegated_owner_ids(user)
    )
    if national_authority_ids(user).exists():
        q |= Q(level=Report.Level.OWNER)
    return (
        Report.objects.filter(q, status=Report.Status.SUBMITTED)
        .select_related("organization", "owner")
        .order_by("due_date", "id")
    )
