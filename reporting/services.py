"""Writes of the reporting workflow. Views, the API, the scanner and the demo call these: one transaction, the row
locked, the check, the fsm transition, `save(update_fields=...)`, one audit event, notifications in the same
transaction (their emails go after commit)."""

import datetime as dt
import hashlib
import io

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts import registers
from accounts.models import Membership, Organization, Role
from accounts.selectors import delegated_owner_ids, jurisdiction_org_ids, member_org_ids
from core import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound, transition_not_allowed
from core.spreadsheets import StreamingWorkbook
from reporting.exports import form08
from systems_registry.models import InformationSystem

from . import events, policy, selectors
from .models import Report, ReportRequest, ReportVersion

TRANSITIONS = ("submit", "accept", "return")
UNIT_ROLES = (Role.OPERATOR, Role.SECURITY_UNIT)
LETTER_KIND = "BC"  # the symbol of a report (báo cáo) in the organisation's register of outgoing documents


# --- who may act ------------------------------------------------------------------------------------------------


def _holds(user, org_id: int, roles) -> bool:
    return Membership.objects.filter(user_id=user.pk, organization_id=org_id, role__in=list(roles)).exists()


def _represents_owner(user, owner_id: int) -> bool:
    return _holds(user, owner_id, [Role.OWNER]) or delegated_owner_ids(user).filter(owner_id=owner_id).exists()


def may_submit(user, report: Report) -> bool:
    """The sending organisation's own people: its operating or security-unit staff for a unit report, the owner's
    representatives (or its written delegate) for the owner's report."""
    if report.level == Report.Level.UNIT:
        return _holds(user, report.organization_id, UNIT_ROLES)
    return _represents_owner(user, report.organization_id)


def _national_recipient_ids(report: Report) -> list[int]:
    if report.request_id is not None:
        return [report.request.authority_id]
    code = policy.load_policy().for_regime(report.regime).national_authority_code
    return list(Organization.objects.filter(code=code).values_list("id", flat=True)) if code else []


def may_decide(user, report: Report) -> bool:
    """The recipient accepts or returns: the owner for a unit's report, the national authority for the owner's."""
    if report.level == Report.Level.UNIT:
        return _represents_owner(user, report.owner_id)
    recipients = _national_recipient_ids(report)
    authorities = selectors.national_authority_ids(user)
    if recipients:
        authorities = authorities.filter(organization_id__in=recipients)
    return authorities.exists()


def _permitted(user, report: Report, name: str) -> bool:
    return may_submit(user, report) if name == "submit" else may_decide(user, report)


def _method(report: Report, name: str):
    return report.return_for_revision if name == "return" else getattr(report, name)


def available_transitions(user, report: Report) -> list[str]:
    names = []
    for name in TRANSITIONS:
        if can_proceed(_method(report, name)) and _permitted(user, report, name):
            names.append(name)
    return names


# --- opening a year: the reports each organisation owes -----------------------------------------------------------


def expected_reports(year: int) -> list[tuple[str, int, int]]:
    """(level, organisation, owner) for every report the year calls for: each owner of a system in use during the
    period, and each of its systems' operating and designated security units that is not the owner itself."""
    rules = policy.load_policy().for_year(year)
    _, end = rules.period_of(year)
    systems = InformationSystem.objects.filter(created_at__date__lte=end).exclude(
        status=InformationSystem.Status.DECOMMISSIONED
    )
    wanted: set[tuple[str, int, int]] = set()
    for owner_id, operator_id, unit_id in systems.values_list("owner_id", "operator_id", "security_unit_id").distinct():
        wanted.add((Report.Level.OWNER, owner_id, owner_id))
        for org in (operator_id, unit_id):
            if org != owner_id:
                wanted.add((Report.Level.UNIT, org, owner_id))
    return sorted(wanted)


@transaction.atomic
def open_year(*, year: int, actor=None) -> int:
    """Create the draft reports the year calls for that do not exist yet (idempotent, set-based)."""
    rules = policy.load_policy().for_year(year)
    rows = [
        Report(
            year=year,
            level=level,
            organization_id=org,
            owner_id=owner,
            regime=rules.regime,
            due_date=rules.due_date(year, level),
        )
        for level, org, owner in expected_reports(year)
    ]
    existing = set(
        Report.objects.filter(year=year, kind=Report.Kind.ANNUAL).values_list("level", "organization_id", "owner_id")
    )
    new = [r for r in rows if (r.level, r.organization_id, r.owner_id) not in existing]
    Report.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        audit.record(actor=actor, action="report.open_year", object_type="report", object_id=str(year), data={"year": year, "created": len(new)},
                     actor_username="" if actor else "scanner")  # fmt: skip
    return len(new)


@transaction.atomic
def create_report(*, actor, year: int, organization_id: int, owner_id: int | None = None) -> Report:
    """One report on request (`POST /reports`): the owner's own report when the organisation owns systems and no
    other owner is named; otherwise the unit's report to `owner_id` (or to the one owner it serves)."""
    org = Organization.objects.filter(pk=organization_id, id__in=member_org_ids(actor)).first()
    if org is None:
        if Organization.objects.filter(pk=organization_id, id__in=jurisdiction_org_ids(actor)).exists():
            raise Forbidden(_("Only members of the organisation start its report."))
        raise NotFound()
    expected = [e for e in expected_reports(year) if e[1] == org.pk]
    if owner_id is not None:
        expected = [e for e in expected if e[2] == owner_id]
    elif any(e[0] == Report.Level.OWNER for e in expected):
        expected = [e for e in expected if e[0] == Report.Level.OWNER]
    if not expected:
        raise Invalid.field(
            "organization_id", _("This organisation has no systems to report on for %(year)s.") % {"year": year}
        )
    if len(expected) > 1:
        raise Invalid.field("owner_id", _("This unit reports to several owners: name the owner (owner_id)."))
    level, _org, owner = expected[0]
    if level == Report.Level.OWNER and not _represents_owner(actor, org.pk):
        raise Forbidden(_("The owner's report is started by the owner's representatives."))
    if level == Report.Level.UNIT and not _holds(actor, org.pk, UNIT_ROLES):
        raise Forbidden(_("A unit's report is started by its operating or security staff."))
    rules = policy.load_policy().for_year(year)
    report = Report(
        year=year,
        level=level,
        organization=org,
        owner_id=owner,
        regime=rules.regime,
        due_date=rules.due_date(year, level),
    )
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise Conflict(_("This report already exists."), code="report_exists") from None
    audit.record(
        actor=actor,
        action="report.create",
        obj=report,
        to_status=report.status,
        data={"year": year, "level": level, "owner_id": owner},
    )
    return report


@transaction.atomic
def request_ad_hoc(
    *, actor, owner_ids: list[int], subject: str, due_date: dt.date, content: str = "", year: int | None = None
) -> ReportRequest:
    """The national authority asks some owners for a report with its own deadline (Art. 35.2(b))."""
    authority_id = selectors.national_authority_ids(actor).values_list("organization_id", flat=True).first()
    if authority_id is None:
        raise Forbidden(_("Only a national authority asks for an ad-hoc report."))
    if not subject.strip():
        raise Invalid.field("subject", _("Say what the report is about."))
    if due_date < timezone.localdate():
        raise Invalid.field("due_date", _("The due date cannot be in the past."))
    owners = list(
        Organization.objects.filter(pk__in=set(owner_ids), owned_systems__isnull=False)
        .distinct()
        .values_list("id", flat=True)
    )
    unknown = sorted(set(owner_ids) - set(owners))
    if not owner_ids or unknown:
        raise Invalid.field(
            "owner_ids", _("Name owners of information systems; these are not: %(ids)s.") % {"ids": unknown or "—"}
        )
    year = year or policy.current_year(timezone.localdate())
    rules = policy.load_policy().for_year(year)
    req = ReportRequest.objects.create(authority_id=authority_id, subject=subject.strip(), content=content, due_date=due_date, year=year,
                                       requested_by=actor)  # fmt: skip
    Report.objects.bulk_create([
        Report(year=year, kind=Report.Kind.AD_HOC, request=req, level=Report.Level.OWNER, organization_id=o, owner_id=o,
               regime=rules.regime, due_date=due_date, other_information=content)
        for o in owners
    ])  # fmt: skip
    audit.record(
        actor=actor,
        action="report.request",
        obj=req,
        data={"owner_ids": owners, "due_date": due_date.isoformat(), "subject": req.subject},
    )
    events.ad_hoc_requested(req, list(Report.objects.filter(request=req)), actor=actor)
    return req


# --- content and transitions --------------------------------------------------------------------------------------


def _own_system_ids(report: Report) -> set[int]:
    _, end = policy.load_policy().for_regime(report.regime).period_of(report.year)
    unit = report.organization_id if report.level == Report.Level.UNIT else None
    return set(form08.owner_systems(report.owner_id, end, unit_id=unit).values_list("id", flat=True))


@transaction.atomic
def update_content(
    *, actor, report_id: int, national_list_ids=None, regulation_compliant_ids=None, roadmap_note=None, other_information=None,
) -> Report:  # fmt: skip
    """The Art. 36 items the table does not carry, written by whoever sends the report, before it is sent."""
    report = selectors.report_for_user(actor, report_id, for_update=True)
    if not may_submit(actor, report):
        raise Forbidden(_("Only the sending organisation edits its report."))
    if report.status not in (Report.Status.DRAFT, Report.Status.RETURNED):
        raise Conflict(
            _("A submitted report is frozen; it can be changed only after it is returned."), code="report_frozen"
        )
    own = _own_system_ids(report)
    fields = []
    for name, ids in (("national_list_ids", national_list_ids), ("regulation_compliant_ids", regulation_compliant_ids)):
        if ids is None:
            continue
        foreign = sorted(set(ids) - own)
        if foreign:
            raise Invalid.field(name, _("These systems are not in this report: %(ids)s.") % {"ids": foreign})
        setattr(report, name, sorted(set(ids)))
        fields.append(name)
    for name, text in (("roadmap_note", roadmap_note), ("other_information", other_information)):
        if text is not None:
            setattr(report, name, text)
            fields.append(name)
    if fields:
        report.save(update_fields=fields)
        audit.record(actor=actor, action="report.content", obj=report, data={f: getattr(report, f) for f in fields})
    return report


def _letter(report: Report, number: str, on: dt.date) -> form08.Letter:
    org = report.organization
    if report.level == Report.Level.UNIT:
        addressee = report.owner.name
    elif report.request_id is not None:
        addressee = report.request.authority.name
    else:
        addressee = policy.load_policy().for_regime(report.regime).national_recipient
    subject = form08.SUBJECT if report.request_id is None else f"{form08.SUBJECT} ({report.request.subject})"
    return form08.Letter(
        issuer=org.name, addressee=addressee, issued_on=on, number=number, place=form08.place_of(org), subject=subject
    )


def _take_letter_number(report: Report, on: dt.date) -> str:
    """The letter's number from the sender's register of outgoing documents, taken in this transaction: a
    submission that fails leaves no gap, and each version is a new letter with its own number."""
    return registers.take_number(organization_id=report.organization_id, kind=LETTER_KIND, issued_on=on).number


def freeze_form08(report: Report, *, letter_number: str, on: dt.date) -> bytes:
    """The report's Form 08 as sent: the owner's systems (a unit's: those it operates or secures), whoever submits."""
    _, end = policy.load_policy().for_regime(report.regime).period_of(report.year)
    unit = report.organization_id if report.level == Report.Level.UNIT else None
    buf = io.BytesIO()
    with StreamingWorkbook() as wb:
        form08.write_form08(
            wb, owner=report.owner, systems=form08.owner_systems(report.owner_id, end, unit_id=unit), year=report.year,
            letter=_letter(report, letter_number, on),
            art36=form08.Art36(tuple(report.national_list_ids), tuple(report.regulation_compliant_ids), report.roadmap_note,
                               report.other_information),
        )  # fmt: skip
        wb.save(buf)
    return buf.getvalue()


@transaction.atomic
def transition_report(*, actor, report_id: int, name: str, comment: str = "") -> Report:
    report = selectors.report_for_user(actor, report_id, for_update=True)
    allowed = available_transitions(actor, report)
    if name not in TRANSITIONS:
        raise transition_not_allowed(name, allowed)
    if not _permitted(actor, report, name):
        raise Forbidden(_("You may not %(transition)s this report.") % {"transition": name})
    method = _method(report, name)
    if not can_proceed(method):
        raise transition_not_allowed(name, allowed)
    before, now = report.status, timezone.now()
    data: dict = {}
    if name == "submit":
        today = timezone.localdate()
        number = _take_letter_number(report, today)
        content = freeze_form08(report, letter_number=number, on=today)
        method(by=actor, at=now)
        sha = hashlib.sha256(content).hexdigest()
        version = ReportVersion(report=report, number=report.version, sha256=sha, size=len(content), letter_number=number,
                                submitted_at=now, submitted_by=actor)  # fmt: skip
        version.file.save(f"form08-{report.pk}-v{report.version}.xlsx", ContentFile(content), save=False)
        version.save()
        data = {"version": report.version, "sha256": sha, "letter_number": number, "late": report.is_late}
    elif name == "return":
        reason = comment.strip()
        if not reason:
            raise Invalid.field("comment", _("Give the reasons for returning the report."))
        method(by=actor, at=now, reason=reason)
    else:
        method(by=actor, at=now)
    report.save(update_fields=["status", "version", "submitted_at", "submitted_by", "first_submitted_at", "decided_at", "decided_by",
                               "return_reason"])  # fmt: skip
    audit.record(actor=actor, action=f"report.{name}", obj=report, from_status=before, to_status=report.status, comment=comment,
                 revision=report.version, data=data)  # fmt: skip
    events.report_moved(report, national_ids=_national_recipient_ids(report), actor=actor)
    return report


def latest_version(actor, report_id: int) -> ReportVersion:
    report = selectors.report_for_user(actor, report_id)
    version = ReportVersion.objects.filter(report=report).order_by("-number").first()
    if version is None:
        raise NotFound(_("This report has not been submitted yet: it has no frozen Form 08."))
    return version


def systems_of(report: Report):
    """The systems the report covers, for the Art. 36 choices on its page."""
    ids = _own_system_ids(report)
    return InformationSystem.objects.filter(id__in=ids).order_by("code").only("id", "code", "name", "status")
