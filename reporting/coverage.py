"""Who has and has not reported: the national view (drillable by province and ministry down the organisation tree)
and the dashboard's reporting measures. A constant number of queries whatever the number of reports."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, OrganizationClosure
from core.errors import NotFound

from . import policy
from .dashboard import Measure
from .models import Report
from .selectors import reports_visible_to

SENT = (Report.Status.SUBMITTED, Report.Status.ACCEPTED)


@dataclass
class Tally:
    expected: int = 0
    on_time: int = 0
    late: int = 0
    accepted: int = 0
    missing: int = 0  # not sent yet
    overdue: int = 0  # not sent and past the due date

    @property
    def sent(self) -> int:
        return self.on_time + self.late

    @property
    def coverage(self) -> float:
        return round(self.sent / self.expected, 4) if self.expected else 0.0

    def add(self, row: dict, today: date) -> None:
        self.expected += 1
        if row["first_submitted_at"] is not None:
            if timezone.localtime(row["first_submitted_at"]).date() > row["due_date"]:
                self.late += 1
            else:
                self.on_time += 1
        if row["status"] == Report.Status.ACCEPTED:
            self.accepted += 1
        if row["status"] not in SENT:
            self.missing += 1
            if today > row["due_date"]:
                self.overdue += 1


@dataclass
class GroupRow:
    organization: Organization
    tally: Tally


@dataclass
class CoverageView:
    year: int
    level: str
    organization: Organization | None
    trail: list[Organization]
    total: Tally
    groups: list[GroupRow] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)


def coverage(
    user, *, year: int, organization_id=None, level: str = Report.Level.OWNER, today: date | None = None
) -> CoverageView:
    today = today or timezone.localdate()
    reports = reports_visible_to(user).filter(year=year, kind=Report.Kind.ANNUAL, level=level)
    organization = None
    trail: list[Organization] = []
    if organization_id not in (None, ""):
        try:
            organization = Organization.objects.get(pk=int(organization_id))
        except (ValueError, TypeError, Organization.DoesNotExist):
            raise NotFound() from None
        reports = reports.filter(
            owner_id__in=OrganizationClosure.objects.filter(ancestor_id=organization.pk).values("descendant_id")
        )
        trail = list(
            Organization.objects.filter(descendant_links__descendant_id=organization.pk).order_by(
                "-descendant_links__depth"
            )
        )
    rows = list(reports.values("id", "owner_id", "status", "due_date", "first_submitted_at"))
    if organization is not None and not rows and not reports_visible_to(user).filter(owner_id=organization.pk).exists():
        raise NotFound()
    owners = {r["owner_id"] for r in rows}
    # Each owner's group: the root above it at the top (a province, a ministry), else the child of the drilled
    # organisation it lies under (the drilled organisation itself for its own report).
    links = OrganizationClosure.objects.filter(descendant_id__in=owners)
    links = (
        links.filter(ancestor__parent__isnull=True)
        if organization is None
        else links.filter(ancestor__parent_id=organization.pk)
    )
    group_of = dict(links.values_list("descendant_id", "ancestor_id"))
    if organization is not None:
        for owner in owners - set(group_of):
            group_of[owner] = organization.pk
    orgs = Organization.objects.in_bulk(set(group_of.values()))
    tallies: dict[int, Tally] = defaultdict(Tally)
    total = Tally()
    for r in rows:
        total.add(r, today)
        tallies[group_of[r["owner_id"]]].add(r, today)
    groups = sorted((GroupRow(orgs[k], t) for k, t in tallies.items()), key=lambda g: g.organization.code)
    listed = []
    if organization is not None:
        listed = list(
            reports.select_related("organization", "owner").order_by("status", "due_date", "organization__code")
        )
    return CoverageView(
        year=year, level=level, organization=organization, trail=trail, total=total, groups=groups, reports=listed
    )


def dashboard_measure(user, organization, today: date):
    """The dashboard's reporting coverage for the year being reported: owners' reports expected, sent, overdue."""
    year = policy.current_year(today)
    reports = reports_visible_to(user).filter(year=year, kind=Report.Kind.ANNUAL, level=Report.Level.OWNER)
    if organization is not None:
        reports = reports.filter(
            owner_id__in=OrganizationClosure.objects.filter(ancestor_id=organization.pk).values("descendant_id")
        )
    figures = reports.aggregate(
        expected=Count("id"), sent=Count("id", filter=Q(status__in=SENT)),
        overdue=Count("id", filter=~Q(status__in=SENT) & Q(due_date__lt=today)),
    )  # fmt: skip
    measures = _incident_measures(user, organization, today)
    if not figures["expected"]:
        return measures
    share = round(figures["sent"] / figures["expected"], 4)
    return measures + [
        Measure("reports_expected", _("Owners' reports expected for %(year)s") % {"year": year}, figures["expected"]),
        Measure("reports_submitted", _("Owners' reports sent"), figures["sent"]),
        Measure("reports_overdue", _("Owners' reports overdue"), figures["overdue"]),
        Measure("reporting_coverage", _("Reporting coverage"), share, ratio=True),
    ]


def _incident_measures(user, organization, today: date):
    """Serious incidents whose reports are still open (not fully reported), and how many of those are overdue; then
    the follow-up tasks of changes and incidents (one visibility check for both)."""
    from systems_registry.selectors import systems_visible_to

    from .models import Incident

    systems = systems_visible_to(user)
    if organization is not None:
        below = OrganizationClosure.objects.filter(ancestor_id=organization.pk).values("descendant_id")
        systems = systems.filter(Q(owner_id__in=below) | Q(operator_id__in=below) | Q(security_unit_id__in=below))
    visible = systems.values("id")
    qs = Incident.objects.filter(system_id__in=visible).exclude(status=Incident.Status.FULLY_REPORTED)
    now = timezone.now()
    figures = qs.aggregate(
        open=Count("id"),
        overdue=Count(
            "id", filter=Q(full_report_due__lt=now) | Q(status=Incident.Status.RECORDED, initial_report_due__lt=now)
        ),
    )
    return [
        Measure("incident_reports_open", _("Serious incidents with reports outstanding"), figures["open"]),
        Measure("incident_reports_overdue", _("Serious incidents with an overdue report"), figures["overdue"]),
        *_follow_up_measures(visible, today),
    ]


def _follow_up_measures(visible_system_ids, today: date):
    """Follow-up tasks of changes and serious incidents still open, and how many of those are overdue."""
    from .models import FollowUpTask

    qs = FollowUpTask.objects.filter(system_id__in=visible_system_ids, status=FollowUpTask.Status.OPEN)
    figures = qs.aggregate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
    return [
        Measure("follow_up_tasks_open", _("Follow-up tasks of changes and incidents open"), figures["open"]),
        Measure("follow_up_tasks_overdue", _("Follow-up tasks overdue"), figures["overdue"]),
    ]
