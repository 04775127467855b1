"""The periodic scanner under both regimes: cycles per level, idempotency, level changes, admin overrides."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inspections.models import Inspection, InspectionCyclePolicy
from inspections.policy import REGIMES, load_policy
from inspections.scheduling import add_months, scan_inspection_schedule
from systems_registry.models import InformationSystem
from tests.inspections.helpers import make_operating, publish, system_at_level


def _registered(system, days_ago: int) -> None:
    InformationSystem.objects.filter(pk=system.pk).update(created_at=timezone.now() - timedelta(days=days_ago))


def test_policy_files_define_every_level_and_the_documented_cycles():
    d85 = {c.level: (c.months, c.assessor) for c in load_policy("decree_85_2016").cycles}
    assert d85 == {1: (24, "any"), 2: (24, "any"), 3: (12, "licensed"), 4: (12, "licensed"), 5: (6, "licensed")}
    d331 = load_policy("decree_331_2026")
    assert d331.cycle(5).assessor == "licensed" and d331.cycle(1).assessor == "independent"
    assert {t.name for t in d331.triggers} == {
        "serious_incident",
        "major_change",
        "authority_request",
        "doubtful_self_assessment",
    }
    assert set(REGIMES) == {"decree_85_2016", "decree_331_2026"}


@pytest.mark.parametrize(("regime", "level", "months"), [
    ("decree_85_2016", 1, 24), ("decree_85_2016", 3, 12), ("decree_85_2016", 5, 6),
    ("decree_331_2026", 2, 24), ("decree_331_2026", 4, 12), ("decree_331_2026", 5, 6),
])  # fmt: skip
def test_next_due_follows_the_regime_cycle_for_the_level(demo, regime, level, months):
    system = system_at_level(level)
    InformationSystem.objects.filter(pk=system.pk).update(regime=regime)
    make_operating(system)
    scan_inspection_schedule()
    system.refresh_from_db()
    assert system.next_inspection_due == add_months(timezone.localtime(system.created_at).date(), months)


def test_scanner_creates_the_inspection_ahead_of_due_once(demo):
    system = system_at_level(3)
    checklist = publish(level=3, items=4)
    make_operating(system)
    _registered(system, 365 - 10)  # due in about 10 days: inside the 30-day lead time
    first = scan_inspection_schedule()
    assert len(first.created) == 1
    inspection = Inspection.objects.get(system=system)
    assert (inspection.kind, inspection.status, inspection.checklist_id) == ("periodic", "scheduled", checklist.pk)
    assert inspection.results.count() == 8
    rows = list(Inspection.objects.values_list("id", "due_date"))
    second = scan_inspection_schedule()
    assert second.created == [] and list(Inspection.objects.values_list("id", "due_date")) == rows


def test_nothing_is_created_before_the_lead_time(demo):
    system = system_at_level(3)
    publish(level=3)
    make_operating(system)
    assert scan_inspection_schedule().created == []
    system.refresh_from_db()
    assert system.next_inspection_due is not None


def test_planned_systems_are_not_scheduled(demo):
    publish(level=3)
    _registered(system_at_level(3), 400)
    assert scan_inspection_schedule().systems == 0
    assert not Inspection.objects.exists()


def test_database_refuses_a_second_open_periodic_inspection(demo):
    from django.db import IntegrityError, transaction

    system = system_at_level(3)
    publish(level=3)
    make_operating(system)
    _registered(system, 360)
    scan_inspection_schedule()
    existing = Inspection.objects.get(system=system)
    with pytest.raises(IntegrityError), transaction.atomic():
        Inspection.objects.create(
            system=system, kind="periodic", checklist=existing.checklist, scheduled_for=existing.scheduled_for,
            due_date=existing.due_date + timedelta(days=1),
        )  # fmt: skip


def test_a_level_change_moves_the_next_due_date_and_the_scheduled_inspection(demo):
    system = system_at_level(4)  # 12 months under Decree 331
    publish(level=4)
    make_operating(system)
    _registered(system, 360)
    scan_inspection_schedule()
    inspection = Inspection.objects.get(system=system)
    registered = timezone.localtime(InformationSystem.objects.get(pk=system.pk).created_at).date()
    assert inspection.due_date == add_months(registered, 12)
    InformationSystem.objects.filter(pk=system.pk).update(proposed_level=5)  # now every 6 months
    report = scan_inspection_schedule()
    inspection.refresh_from_db()
    system.refresh_from_db()
    assert report.rescheduled == [inspection.pk]
    assert inspection.due_date == system.next_inspection_due == add_months(registered, 6)


def test_an_administrator_changed_cycle_wins_over_the_file(demo):
    system = system_at_level(2)
    make_operating(system)
    InspectionCyclePolicy.objects.filter(regime="decree_331_2026", level=2).update(months=3)
    scan_inspection_schedule()
    system.refresh_from_db()
    assert system.next_inspection_due == add_months(timezone.localtime(system.created_at).date(), 3)


def test_next_cycle_counts_from_the_last_submitted_inspection(demo):
    system = system_at_level(3)
    publish(level=3)
    make_operating(system)
    _registered(system, 360)
    scan_inspection_schedule()
    done = Inspection.objects.get(system=system)
    Inspection.objects.filter(pk=done.pk).update(status="closed", submitted_at=timezone.now())
    scan_inspection_schedule()
    system.refresh_from_db()
    assert system.next_inspection_due == add_months(timezone.localdate(), 12)
    assert Inspection.objects.filter(system=system).count() == 1


def test_overdue_is_computed_from_the_due_date(demo):
    system = system_at_level(3)
    publish(level=3)
    make_operating(system)
    _registered(system, 400)  # due a month ago
    report = scan_inspection_schedule()
    inspection = Inspection.objects.get(system=system)
    assert inspection.is_overdue and report.overdue == 1
    assert list(Inspection.objects.overdue()) == [inspection]


def test_the_beat_schedule_runs_the_scanner_task():
    from django.conf import settings

    from inspections.tasks import scan_inspection_schedule as task

    assert any(e["task"] == task.name for e in settings.CELERY_BEAT_SCHEDULE.values())


def test_a_scan_costs_the_same_queries_for_few_or_many_operating_systems(demo):
    """Per batch, not per system: a deferred state field once cost one query per system (60,000 at national
    scale), and an ORM CASE per system most of the rest of the time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories

    def queries(extra: int) -> int:
        for _ in range(extra):
            make_operating(factories.leveled_system(demo, 2))
        InformationSystem.objects.update(next_inspection_due=None)  # every due date changes: the worst case
        with CaptureQueriesContext(connection) as ctx:
            report = scan_inspection_schedule(today=timezone.localdate() - timedelta(days=3650))
        assert report.systems == InformationSystem.objects.filter(status="operating").count()
        return len(ctx)

    assert queries(1) == queries(6)
    assert InformationSystem.objects.filter(status="operating", next_inspection_due__isnull=True).count() == 0


@pytest.mark.parametrize("regime", ["decree_331_2026", "decree_85_2016"])
def test_a_periodic_order_without_a_due_date_takes_the_systems_next_due_date(api, demo, regime):
    """The order reads the cycle and the last periodic inspection in the checklist's statement
    (scheduling.schedule_annotations): the same date the scanner computes, after an earlier inspection too, and under
    an administrator's cycle."""
    from inspections.scheduling import next_due_for

    level = 3 if regime == "decree_331_2026" else 2  # Decree 85 level 2: the owner's round
    system = system_at_level(level)
    InformationSystem.objects.filter(pk=system.pk).update(regime=regime)
    make_operating(system)
    publish(regime=regime, level=level, items=2)
    _registered(system, 500)
    InspectionCyclePolicy.objects.update_or_create(
        regime=regime, level=level, defaults={"months": 9, "assessor_requirement": "any"}
    )
    body = {"kind": "periodic", "scheduled_for": timezone.localdate().isoformat(), "inspector_ids": [demo.inspector.pk]}
    for _round in range(2):
        system.refresh_from_db()
        expected = max(next_due_for(system), timezone.localdate())
        created = api.post(f"systems/{system.pk}/inspections", demo.security_unit, body)
        assert created.status_code == 201, created.content
        assert created.json()["due_date"] == expected.isoformat()
        # Done 40 days ago: the next order counts from it.
        Inspection.objects.filter(pk=created.json()["id"]).update(
            status="closed", submitted_at=timezone.now() - timedelta(days=40)
        )
