"""The yearly self-inspection of a system on the national-security List (Law 116/2025 Art. 11.1(b)): results before
01/10 of each year; its state per system and year, reminders before the deadline and on the day, and the overdue
figure on the dashboard for those who see the List flag."""

import random
from datetime import date, datetime, time, timedelta

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pydantic import ValidationError

from inspections import list_self_inspection
from inspections.models import Inspection
from inspections.policy import POLICY_DIR, parse_policy
from notifications.models import Kind, Notification
from reporting import dashboard
from systems_registry.models import InformationSystem
from tests import factories
from tests.inspections.helpers import publish

pytestmark = pytest.mark.django_db

YEAR = 2027
DEADLINE = date(YEAR, 10, 1)
_dues = iter(range(1, 10_000))


def _listed_system(demo, level=3, *, listed="listed", status="operating", regime="decree_331_2026"):
    system = factories.leveled_system(demo, level, regime=regime)
    InformationSystem.objects.filter(pk=system.pk).update(national_security_list=listed, status=status)
    system.refresh_from_db()
    return system


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def _inspection(system, checklist, *, kind="periodic", status="closed", closed_on: date | None = None):
    due = date(2020, 1, 1) + timedelta(days=next(_dues))  # periodic inspections of a system differ in due date
    return Inspection.objects.create(
        system=system, kind=kind, trigger="authority_request" if kind == "ad_hoc" else "", checklist=checklist,
        scheduled_for=due, due_date=due, status=status,
        closed_at=_at(closed_on) if closed_on and status == "closed" else None,
    )  # fmt: skip


def _expected(inspections, listed, status, regime, today, year=YEAR):
    """The rule read from the law, independently of the SQL: listed, operating Decree 331 systems only; done when
    a periodic or ad hoc inspection was closed from 01/01 to 30/09 of the year."""
    if listed != "listed" or status != "operating" or regime != "decree_331_2026":
        return None
    if any(
        kind in ("periodic", "ad_hoc") and st == "closed" and date(year, 1, 1) <= closed <= date(year, 9, 30)
        for kind, st, closed in inspections
    ):
        return "done"
    return "overdue" if today >= date(year, 10, 1) else "due"


def test_the_state_of_each_system_matches_an_independent_computation(demo):
    checklist = publish(level=3)
    rng = random.Random(19)
    edges = [date(YEAR - 1, 12, 31), date(YEAR, 1, 1), date(YEAR, 6, 15), date(YEAR, 9, 30), date(YEAR, 10, 1),
             date(YEAR, 12, 31)]  # fmt: skip
    built = {}
    for _ in range(24):
        listed = rng.choice(["listed", "listed", "listed", "proposed", "none"])
        status = rng.choice(["operating", "operating", "operating", "planned"])
        regime = rng.choice(["decree_331_2026"] * 4 + ["decree_85_2016"])
        system = _listed_system(demo, rng.choice([3, 4, 5]), listed=listed, status=status, regime=regime)
        rows = []
        for _ in range(rng.randint(0, 3)):
            kind = rng.choice(["periodic", "ad_hoc", "pre_operation"])
            st = rng.choice(["closed", "closed", "submitted", "cancelled"])
            closed = rng.choice(edges)
            _inspection(system, checklist, kind=kind, status=st, closed_on=closed)
            rows.append((kind, st, closed))
        built[system.pk] = (rows, listed, status, regime)
    for today in (date(YEAR, 3, 1), date(YEAR, 9, 30), DEADLINE, date(YEAR, 12, 20)):
        got = {
            s.pk: s.self_inspection_state
            for s in list_self_inspection.with_state(InformationSystem.objects.all(), year=YEAR, today=today)
        }
        expected = {pk: _expected(*args, today) for pk, args in built.items()}
        expected = {pk: state for pk, state in expected.items() if state is not None}
        assert got == expected, today
        assert set(got.values()) >= {"done", "overdue" if today >= DEADLINE else "due"}


def test_the_state_is_one_statement_whatever_the_number_of_systems(demo):
    checklist = publish(level=3)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            list(list_self_inspection.with_state(InformationSystem.objects.all(), year=YEAR, today=DEADLINE))
        return len(ctx.captured_queries)

    _inspection(_listed_system(demo), checklist, closed_on=date(YEAR, 5, 1))
    few = count()
    for _ in range(6):
        _inspection(_listed_system(demo), checklist, closed_on=date(YEAR, 5, 1))
        _listed_system(demo)
    assert count() == few == 1


def _told(system):
    return list(
        Notification.objects.filter(dedup_key__contains=f"system:{system.pk}:list_self_inspection:")
        .order_by("id")
        .values_list("recipient__username", "kind", "dedup_key")
    )


def test_reminders_go_once_per_stage_to_the_owner_representatives_only(demo):
    checklist = publish(level=3)
    late = _listed_system(demo)
    done = _listed_system(demo)
    _inspection(done, checklist, closed_on=date(YEAR, 8, 1))
    assert list_self_inspection.scan_reminders(today=date(YEAR, 8, 31)) == 0  # 31 days before: nothing yet
    assert list_self_inspection.scan_reminders(today=date(YEAR, 9, 1)) > 0  # 30 days before
    assert list_self_inspection.scan_reminders(today=date(YEAR, 9, 2)) == 0  # the same stage: told already
    list_self_inspection.scan_reminders(today=date(YEAR, 9, 26))  # missed the 7-day run: the current stage only
    list_self_inspection.scan_reminders(today=DEADLINE)
    assert list_self_inspection.scan_reminders(today=DEADLINE + timedelta(days=3)) == 0
    told = _told(late)
    stages = sorted({key.rsplit(":", 1)[1] for _, _, key in told}, key=int)
    assert stages == ["0", "7", "30"]
    assert {who for who, _, _ in told} == {demo.owner.username}
    assert {kind for _, kind, key in told if key.endswith(":0")} == {Kind.INSPECTION_OVERDUE}
    assert {kind for _, kind, key in told if not key.endswith(":0")} == {Kind.INSPECTION_DUE}
    assert _told(done) == []
    assert not Notification.objects.filter(recipient=demo.operator, dedup_key__contains="list_self_inspection").exists()


def test_a_system_not_on_the_list_gets_no_reminder(demo):
    proposed = _listed_system(demo, listed="proposed")
    list_self_inspection.scan_reminders(today=DEADLINE)
    assert _told(proposed) == []


def test_the_reminder_scan_costs_the_same_for_more_systems(demo):
    def count(day):
        with CaptureQueriesContext(connection) as ctx:
            list_self_inspection.scan_reminders(today=day)
        return len(ctx.captured_queries)

    _listed_system(demo)
    one = count(date(YEAR, 9, 1))
    for _ in range(5):
        _listed_system(demo)
    assert count(date(YEAR, 9, 24)) == one


def test_the_dashboard_counts_overdue_self_inspections_for_those_who_see_the_flag(api, demo):
    checklist = publish(level=3)
    _listed_system(demo)
    _listed_system(demo, level=4)
    _inspection(_listed_system(demo), checklist, closed_on=date(YEAR, 2, 1))

    def figure(user, today):
        return {m.key: m.value for m in dashboard.national_list_measures(user, None, today)}

    assert figure(demo.owner, date(YEAR, 9, 30))["national_list_self_inspection_overdue"] == 0
    assert figure(demo.owner, DEADLINE)["national_list_self_inspection_overdue"] == 2
    assert "national_list_self_inspection_overdue" not in figure(demo.operator, DEADLINE)
    assert "national_list_self_inspection_overdue" in api.get("dashboard/compliance", demo.owner).json()["measures"]
    theirs = api.get("dashboard/compliance", demo.security_unit).json()["measures"]
    assert "national_list_self_inspection_overdue" not in theirs


def test_the_dashboard_figure_keeps_its_query_count_as_list_systems_grow(demo):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            dashboard.national_list_measures(demo.owner, None, DEADLINE)
        return len(ctx.captured_queries)

    _listed_system(demo)
    few = count()
    for _ in range(5):
        _listed_system(demo)
    assert count() == few


def _policy_with(**self_inspection):
    data = yaml.safe_load((POLICY_DIR / "schedule_decree_331_2026.yaml").read_text(encoding="utf-8"))
    data["national_security_list"]["self_inspection"].update(self_inspection)
    return data


def test_the_shipped_rule_cites_the_law_and_the_first_of_october():
    rule = parse_policy(_policy_with()).national_security_list.self_inspection
    assert rule.basis == "Law 116/2025/QH15 Art. 11.1(b)"
    assert list_self_inspection.deadline(rule, YEAR) == DEADLINE


@pytest.mark.parametrize(
    "change",
    [
        {"report_before": {"day": 29, "month": 2}},  # not every year has it
        {"report_before": {"day": 1, "month": 10, "year": 2027}},  # unknown key
        {"reminder_days_before": [30, 30]},
        {"reminder_days_before": [-1]},
        {"kinds": ["pre_operation"]},
        {"kinds": ["periodic", "periodic"]},
        {"when": "yearly"},
    ],
)
def test_the_loader_refuses_a_bad_rule(change):
    with pytest.raises(ValidationError):
        parse_policy(_policy_with(**change))


def test_the_list_card_shows_this_years_state_to_the_owner_only(client, demo):
    system = _listed_system(demo)
    today = timezone.localdate()
    expected = "overdue" if today >= date(today.year, 10, 1) else "due"
    client.force_login(demo.owner)
    page = client.get(f"/systems/{system.pk}/").content.decode()
    assert f'data-self-inspection="{expected}"' in page and f"01/10/{today.year}" in page
    client.force_login(demo.operator)
    page = client.get(f"/systems/{system.pk}/").content.decode()
    assert "data-self-inspection" not in page and "list-self-inspection" not in page
