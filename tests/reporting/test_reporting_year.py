"""One reporting year, end to end, for two provinces and a ministry: units report to their owner before 20/12, owners
consolidate and report to the national authority before 25/12 (Decree 331 Art. 35.4). Quảng Ninh is on time (its
owner's report is returned once and resubmitted), Lạng Sơn is late, the ministry's owner never reports."""

import datetime as dt
import hashlib
import io

import openpyxl
import pytest

from accounts.models import Organization, Role
from core.errors import Conflict, Forbidden, Invalid
from core.models import AuditEvent
from notifications.models import Notification
from reporting import coverage, policy, scanner, services
from reporting.models import Report
from tests import factories

YEAR = 2026


@pytest.fixture
def world(demo, clock):
    clock.set(dt.date(YEAR, 12, 1))
    lsn, lsn_unit = demo.org("LSN"), demo.org("LSN-SKHCN")
    lsn_owner = factories.user(lsn, Role.OWNER, username="lsn_owner")
    factories.system(demo.admin, lsn, operator=lsn_unit, security_unit=lsn_unit, name="Cổng dịch vụ công Lạng Sơn")
    ministry = factories.organization(Organization.Kind.CENTRAL_AGENCY, code="BTP", name="Bộ Tư pháp", address="Hà Nội")
    ministry_unit = factories.organization(parent=ministry, code="BTP-CNTT", name="Cục Công nghệ thông tin")
    ministry_owner = factories.user(ministry, Role.OWNER, username="btp_owner")
    ministry_staff = factories.user(ministry_unit, Role.SECURITY_UNIT, username="btp_staff")
    factories.system(demo.admin, ministry, operator=ministry_unit, security_unit=ministry_unit, name="Hệ thống hộ tịch")
    return {"lsn_owner": lsn_owner, "btp_owner": ministry_owner, "btp_staff": ministry_staff, "ministry": ministry,
            "ministry_unit": ministry_unit}  # fmt: skip


def _report(level, org, year=YEAR) -> Report:
    return Report.objects.get(year=year, kind="annual", level=level, organization=org)


def test_the_deadlines_and_period_come_from_the_policy_file():
    rules = policy.load_policy().for_year(YEAR)
    assert rules.regime == "decree_331_2026" and "Điều 35" in rules.deadline("owner").article
    assert rules.period_of(YEAR) == (dt.date(2025, 12, 15), dt.date(2026, 12, 14))
    assert rules.due_date(YEAR, "unit") == dt.date(2026, 12, 19) and rules.due_date(YEAR, "owner") == dt.date(
        2026, 12, 24
    )
    assert policy.load_policy().for_year(2025).regime == "decree_85_2016"
    assert "Thông tư 12/2022" in policy.load_policy().for_year(2025).source


def test_one_reporting_year_end_to_end(demo, world, clock, api, django_capture_on_commit_callbacks):
    qni, lsn, ministry = demo.org("QNI"), demo.org("LSN"), world["ministry"]
    # 10/12: the scanner opens the year: one report per owner and per unit that is not the owner itself.
    clock.set(dt.date(YEAR, 12, 10))
    scanner.scan_reports()
    assert set(Report.objects.filter(year=YEAR).values_list("level", "organization__code")) >= {
        ("owner", "QNI"), ("unit", "QNI-TTCDS"), ("unit", "QNI-SKHCN"), ("owner", "LSN"), ("unit", "LSN-SKHCN"),
        ("owner", "BTP"), ("unit", "BTP-CNTT"),
    }  # fmt: skip
    assert scanner.scan_reports()["opened"] == 0  # idempotent
    # 12/12: seven days before the units' deadline, their staff are reminded (once, however often the scan runs).
    clock.set(dt.date(YEAR, 12, 12))
    scanner.scan_reports()
    scanner.scan_reports()
    reminders = Notification.objects.filter(kind="report_due", recipient=demo.security_unit)
    assert reminders.count() == 1 and "19/12/2026" in reminders.get().title

    # Quảng Ninh's units report on time; the owner accepts them.
    clock.set(dt.date(YEAR, 12, 15))
    for user, org in ((demo.security_unit, "QNI-SKHCN"), (demo.operator, "QNI-TTCDS")):
        services.transition_report(actor=user, report_id=_report("unit", demo.org(org)).pk, name="submit")
        services.transition_report(actor=demo.owner, report_id=_report("unit", demo.org(org)).pk, name="accept")
    # Lạng Sơn's unit is late (after 19/12); the ministry's unit is on time.
    clock.set(dt.date(YEAR, 12, 18))
    services.transition_report(
        actor=world["btp_staff"], report_id=_report("unit", world["ministry_unit"]).pk, name="submit"
    )
    clock.set(dt.date(YEAR, 12, 21))
    services.transition_report(actor=demo.outsider, report_id=_report("unit", demo.org("LSN-SKHCN")).pk, name="submit")
    assert _report("unit", demo.org("LSN-SKHCN")).is_late and not _report("unit", world["ministry_unit"]).is_late

    # Quảng Ninh's owner consolidates and reports through the API; the authority returns it with reasons, the owner
    # resubmits version 2, the authority accepts it.
    owner_report = _report("owner", qni)
    resp = api.patch(
        f"reports/{owner_report.pk}", demo.owner, {"roadmap_note": "Lộ trình 2027", "national_list_ids": []}
    )
    assert resp.status_code == 200, resp.content
    resp = api.post(f"reports/{owner_report.pk}/transitions/submit", demo.owner, {"comment": ""})
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "submitted" and resp.json()["version"] == 1 and resp.json()["late"] is False
    assert api.post(f"reports/{owner_report.pk}/transitions/return", demo.authority, {"comment": ""}).status_code == 422
    resp = api.post(f"reports/{owner_report.pk}/transitions/return", demo.authority, {"comment": "Thiếu lộ trình"})
    assert resp.json()["status"] == "returned" and resp.json()["return_reason"] == "Thiếu lộ trình"
    clock.set(dt.date(YEAR, 12, 22))
    api._tokens.clear()  # a day later: the tokens of yesterday have expired
    assert api.post(f"reports/{owner_report.pk}/transitions/submit", demo.owner).json()["version"] == 2
    resp = api.post(f"reports/{owner_report.pk}/transitions/accept", demo.authority)
    assert resp.status_code == 200 and resp.json()["status"] == "accepted" and resp.json()["late"] is False

    # Lạng Sơn's owner reports after 24/12: late. The ministry's owner never reports.
    clock.set(dt.date(YEAR, 12, 26))
    services.transition_report(actor=world["lsn_owner"], report_id=_report("owner", lsn).pk, name="submit")
    assert _report("owner", lsn).is_late
    scanner.scan_reports()
    overdue = Notification.objects.filter(kind="report_overdue", recipient=world["btp_owner"])
    assert overdue.count() == 1

    # The national view: who has and has not reported, by province and ministry.
    view = coverage.coverage(demo.admin, year=YEAR)
    tallies = {g.organization.code: g.tally for g in view.groups}
    assert (tallies["QNI"].on_time, tallies["QNI"].late, tallies["QNI"].accepted) == (1, 0, 1)
    assert (tallies["LSN"].on_time, tallies["LSN"].late) == (0, 1)
    assert (tallies["BTP"].sent, tallies["BTP"].missing, tallies["BTP"].overdue) == (0, 1, 1)
    drilled = coverage.coverage(demo.admin, year=YEAR, organization_id=ministry.pk, level="unit")
    assert [r.organization.code for r in drilled.reports] == ["BTP-CNTT"] and drilled.total.on_time == 1

    # The frozen workbook of each version: its hash is in the audit chain, and the download is that version.
    events = AuditEvent.objects.filter(action="report.submit", object_id=str(owner_report.pk)).order_by("id")
    assert [e.data["version"] for e in events] == [1, 2]
    api._tokens.clear()
    download = api.get(f"reports/{owner_report.pk}/form08", demo.authority)
    content = b"".join(download.streaming_content)
    assert hashlib.sha256(content).hexdigest() == events.last().data["sha256"]
    wb = openpyxl.load_workbook(io.BytesIO(content))
    letter = {r[0]: r[1] for r in wb["Văn bản"].iter_rows(values_only=True)}
    assert letter["Kính gửi:"] == "Lực lượng chuyên trách bảo vệ an ninh mạng - Bộ Công an"
    # Version 2 is a new letter: the owner's register gave it the next number of the year.
    assert letter["Số: 02/BC-UBND"] == "Quảng Ninh, ngày 22 tháng 12 năm 2026"
    assert list(owner_report.versions.order_by("number").values_list("letter_number", flat=True)) == [
        "01/BC-UBND",
        "02/BC-UBND",
    ]


def test_a_unit_report_covers_only_the_systems_that_unit_operates_or_secures(demo, world, clock):
    clock.set(dt.date(YEAR, 12, 10))
    services.open_year(year=YEAR)
    other = factories.organization(parent=demo.org("QNI"), code="QNI-OTHER", name="Đơn vị khác")
    factories.system(
        demo.admin, demo.org("QNI"), operator=other, security_unit=demo.org("QNI-SKHCN"), name="Hệ thống đơn vị khác"
    )
    report = services.create_report(actor=factories.user(other, Role.OPERATOR), year=YEAR, organization_id=other.pk)
    assert report.level == "unit" and report.owner_id == demo.org("QNI").pk
    assert [s.name for s in services.systems_of(report)] == ["Hệ thống đơn vị khác"]


def test_submitted_reports_are_frozen_and_only_the_sender_submits(demo, world, clock):
    clock.set(dt.date(YEAR, 12, 10))
    services.open_year(year=YEAR)
    report = _report("unit", demo.org("QNI-SKHCN"))
    with pytest.raises(Forbidden):
        services.transition_report(actor=demo.owner, report_id=report.pk, name="submit")
    services.transition_report(actor=demo.security_unit, report_id=report.pk, name="submit")
    with pytest.raises(Conflict):
        services.update_content(actor=demo.security_unit, report_id=report.pk, roadmap_note="sửa sau khi gửi")
    with pytest.raises(Conflict):
        services.transition_report(actor=demo.security_unit, report_id=report.pk, name="submit")
    with pytest.raises(Forbidden):  # the unit cannot accept its own report: the owner does
        services.transition_report(actor=demo.security_unit, report_id=report.pk, name="accept")


def test_art_36_choices_must_be_systems_of_the_report(demo, world, clock):
    clock.set(dt.date(YEAR, 12, 10))
    services.open_year(year=YEAR)
    lsn_system = Report.objects.none()
    from systems_registry.models import InformationSystem

    lsn_system = InformationSystem.objects.filter(owner=demo.org("LSN")).first()
    with pytest.raises(Invalid):
        services.update_content(
            actor=demo.owner, report_id=_report("owner", demo.org("QNI")).pk, national_list_ids=[lsn_system.pk]
        )


def test_an_ad_hoc_report_has_its_own_deadline(demo, world, clock, api):
    clock.set(dt.date(YEAR, 12, 2))
    resp = api.post("report-requests", demo.authority, {"owner_ids": [demo.org("QNI").pk], "subject": "Sự cố mã độc", "due_date": "2026-12-09",
                                                        "content": "Báo cáo tình hình khắc phục"})  # fmt: skip
    assert resp.status_code == 201, resp.content
    report = Report.objects.get(pk=resp.json()["report_ids"][0])
    assert (report.kind, report.level, report.due_date, report.other_information) == ("ad_hoc", "owner", dt.date(2026, 12, 9),
                                                                                      "Báo cáo tình hình khắc phục")  # fmt: skip
    assert Notification.objects.filter(kind="report_requested", recipient=demo.owner).exists()
    assert (
        api.post(
            "report-requests", demo.owner, {"owner_ids": [demo.org("QNI").pk], "subject": "x", "due_date": "2026-12-09"}
        ).status_code
        == 403
    )
    services.transition_report(actor=demo.owner, report_id=report.pk, name="submit")
    resp = api.post(f"reports/{report.pk}/transitions/accept", demo.authority)
    assert resp.status_code == 200 and resp.json()["status"] == "accepted"
