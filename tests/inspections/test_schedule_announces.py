"""The scheduler announces each periodic inspection it creates in the same transaction: the notification exists the
moment the inspection does (no scan finds it later), never without it, and a batch costs the same queries however
many inspections it creates."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from inspections.models import Inspection
from inspections.scheduling import scan_inspection_schedule
from notifications.models import Kind, Notification
from systems_registry.models import InformationSystem
from tests import factories
from tests.inspections.helpers import make_operating, publish, system_at_level
from tests.notifications.helpers import holders, recipients


def _due_in_ten_days(system) -> None:
    InformationSystem.objects.filter(pk=system.pk).update(created_at=timezone.now() - timedelta(days=365 - 10))


def test_the_periodic_inspection_is_announced_when_the_scheduler_creates_it(demo):
    system = system_at_level(3)
    publish(level=3)
    make_operating(system)
    _due_in_ten_days(system)
    assert len(scan_inspection_schedule().created) == 1
    inspection = Inspection.objects.get(system=system, kind="periodic")
    expected = holders(system.operator_id, Role.OPERATOR) | holders(system.security_unit_id, Role.SECURITY_UNIT)
    assert expected  # the demo province staffs both units
    assert recipients(Kind.INSPECTION_SCHEDULED, dedup_key=f"inspection:{inspection.pk}:scheduled") == expected
    before = Notification.objects.count()
    scan_inspection_schedule()  # nothing new to create, nothing new to announce
    assert Notification.objects.count() == before


def test_a_rolled_back_scheduling_announces_nothing(demo):
    system = system_at_level(3)
    publish(level=3)
    make_operating(system)
    _due_in_ten_days(system)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert len(scan_inspection_schedule().created) == 1
        assert Notification.objects.filter(kind=Kind.INSPECTION_SCHEDULED).exists()
        raise RuntimeError("the transaction fails after the scheduler ran")
    assert not Inspection.objects.filter(system=system).exists()
    assert not Notification.objects.filter(kind=Kind.INSPECTION_SCHEDULED).exists()


def test_announcing_a_batch_costs_the_same_queries_for_few_or_many_inspections(demo):
    publish(level=3)

    def queries(systems: int) -> int:
        Inspection.objects.filter(kind="periodic").delete()
        Notification.objects.all().delete()
        InformationSystem.objects.filter(status="operating").update(status="planned")
        for _ in range(systems):
            system = factories.leveled_system(demo, 3)
            make_operating(system)
            _due_in_ten_days(system)
        with CaptureQueriesContext(connection) as ctx:
            report = scan_inspection_schedule()
        assert len(report.created) == systems
        announced = Notification.objects.filter(kind=Kind.INSPECTION_SCHEDULED)
        assert announced.values("dedup_key").distinct().count() == systems
        return len(ctx)

    assert queries(1) == queries(5)
