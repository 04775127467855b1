"""Decree 85 Art. 20.2(c): levels 1–2 are checked organisation-wide every two years, per owner, not per system."""

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from inspections.models import Inspection
from inspections.policy import load_policy, parse_policy
from inspections.scheduling import owner_due, owner_round, owner_round_end, scan_inspection_schedule
from systems_registry.models import InformationSystem
from tests.inspections.helpers import publish

D85 = "decree_85_2016"


def _round_end_by_enumeration(epoch: date, anchor: date, months: int) -> date:
    """Independent of the product: every round end from the epoch, by dateutil, the first one after the anchor."""
    ends = (epoch + relativedelta(months=months * k) for k in range(1, 2000))
    return next(end for end in ends if end > anchor)


@settings(max_examples=300, deadline=None)
@given(
    epoch=st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)),
    days_after=st.integers(min_value=-400, max_value=6000),
    months=st.sampled_from([1, 3, 6, 12, 24, 36]),
)
def test_the_round_end_matches_an_enumeration_of_the_owners_rounds(epoch, days_after, months):
    anchor = epoch + timedelta(days=days_after)
    assert owner_round_end(epoch, anchor, months) == _round_end_by_enumeration(epoch, anchor, months)
    start, end = owner_round(epoch, anchor, months)
    assert start <= anchor < end or anchor < epoch
    assert end == owner_round_end(epoch, anchor, months)


@settings(max_examples=300, deadline=None)
@given(
    epoch=st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)),
    registered_after=st.integers(min_value=0, max_value=3000),
    served_after=st.none() | st.integers(min_value=0, max_value=3000),
    months=st.sampled_from([6, 12, 24]),
)
def test_the_next_due_date_matches_an_enumeration(epoch, registered_after, served_after, months):
    """Rounds run from the day after one end up to and including the next; the inspection serves the round it falls
    in, and the system is due at the end of the round after it; a system never inspected, at the end of the round
    under way when it was registered."""
    registered = epoch + timedelta(days=registered_after)
    ends = [epoch + relativedelta(months=months * k) for k in range(2000)]
    if served_after is None:
        expected = next(end for end in ends if end > registered)
        served = None
    else:
        served = registered + timedelta(days=served_after)
        # Round k runs from the day after end k-1 to end k; the first round also takes the epoch day itself.
        served_round = next(k for k in range(1, len(ends)) if served <= ends[k] and (k == 1 or ends[k - 1] < served))
        expected = ends[served_round + 1]
    assert owner_due(epoch, months, served=served, registered=registered) == expected


def test_the_policy_puts_levels_1_and_2_of_decree_85_on_the_owner_with_its_article():
    d85 = load_policy(D85)
    assert [c.level for c in d85.cycles if c.scope == "owner"] == [1, 2]
    assert {c.scope_basis for c in d85.cycles if c.scope == "owner"} == {"Decree 85/2016 Art. 20.2(c)"}
    assert all(c.scope == "system" for c in load_policy("decree_331_2026").cycles)


def test_an_owner_wide_cycle_without_its_basis_is_refused():
    data = load_policy(D85).model_dump()
    data["cycles"][0]["scope_basis"] = ""
    with pytest.raises(ValidationError, match="scope_basis"):
        parse_policy(data)


def _owner_systems(base_days_ago: int):
    """Two Decree 85 systems of one owner, levels 1 and 2, operating; every system of the owner registered
    `base_days_ago` days ago except the second, registered 300 days later."""
    first = InformationSystem.objects.filter(owner__code="QNI", proposed_level=1).order_by("code").first()
    second = InformationSystem.objects.filter(owner__code="QNI", proposed_level=2).order_by("code").first()
    base = timezone.now() - timedelta(days=base_days_ago)
    InformationSystem.objects.filter(owner_id=first.owner_id).update(created_at=base)
    InformationSystem.objects.filter(pk=second.pk).update(created_at=base + timedelta(days=300))
    InformationSystem.objects.filter(pk__in=[first.pk, second.pk]).update(regime=D85, status="operating")
    publish(regime=D85, level=1)
    publish(regime=D85, level=2)
    return first, second, timezone.localtime(base).date()


def test_the_owners_systems_fall_due_together_and_one_inspected_waits_for_the_next_round(demo):
    first, second, epoch = _owner_systems(base_days_ago=700)
    round_end = epoch + relativedelta(months=24)
    scan_inspection_schedule()
    first.refresh_from_db()
    second.refresh_from_db()
    # Per system, the second would be due 300 days later; per owner both are due at the end of the round.
    assert first.next_inspection_due == second.next_inspection_due == round_end
    assert set(Inspection.objects.filter(system__in=[first, second]).values_list("due_date", flat=True)) == {round_end}
    done = Inspection.objects.get(system=first)
    Inspection.objects.filter(pk=done.pk).update(status="closed", submitted_at=timezone.now())
    scan_inspection_schedule()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.next_inspection_due == epoch + relativedelta(months=48)  # the round after, not the one it served
    assert second.next_inspection_due == round_end
    assert Inspection.objects.filter(system=first).count() == 1  # nothing new for the one inspected


def test_an_inspection_submitted_late_serves_the_round_it_was_due_in(client, demo):
    _first, second, epoch = _owner_systems(base_days_ago=800)  # the first round ended about 70 days ago
    scan_inspection_schedule()
    late = Inspection.objects.get(system=second)
    assert late.due_date == epoch + relativedelta(months=24)
    Inspection.objects.filter(pk=late.pk).update(status="closed", submitted_at=timezone.now())
    scan_inspection_schedule()
    second.refresh_from_db()
    # Due at the end of the round under way (two years after the one it was late for), not four years away.
    assert second.next_inspection_due == epoch + relativedelta(months=48)
    assert Inspection.objects.filter(system=second).count() == 1
    # It did not serve the round under way, so the page says it is still to be inspected in it.
    client.force_login(demo.owner)
    page = client.get(f"/systems/{second.pk}/").content.decode()
    assert 'data-round="due"' in page and 'data-round-count="0/2"' in page


def test_the_system_page_shows_the_owners_round_in_vietnamese(client, demo):
    first, second, epoch = _owner_systems(base_days_ago=700)
    scan_inspection_schedule()
    Inspection.objects.filter(system=first).update(status="closed", submitted_at=timezone.now())
    client.force_login(demo.owner)
    client.cookies["django_language"] = "vi"
    page = client.get(f"/systems/{second.pk}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    start, end = epoch, epoch + relativedelta(months=24)
    assert 'id="owner-round"' in page and 'data-round="due"' in page and 'data-round-count="1/2"' in page
    assert f"{start:%d/%m/%Y}" in page and f"{end:%d/%m/%Y}" in page
    assert "điểm c khoản 2 Điều 20 Nghị định 85/2016/NĐ-CP" in page and "Art. 20.2" not in page
    page = client.get(f"/systems/{first.pk}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'data-round="done"' in page


def test_no_round_for_a_system_on_its_own_cycle(client, demo):
    first, _second, _epoch = _owner_systems(base_days_ago=100)
    InformationSystem.objects.filter(pk=first.pk).update(regime="decree_331_2026")
    client.force_login(demo.owner)
    assert 'id="owner-round"' not in client.get(f"/systems/{first.pk}/").content.decode()


def test_the_round_card_costs_the_same_for_a_larger_owner(client, demo):
    first, _second, _epoch = _owner_systems(base_days_ago=700)
    client.force_login(demo.owner)

    def statements() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/systems/{first.pk}/").status_code == 200
        return len(ctx.captured_queries)

    before = statements()
    InformationSystem.objects.filter(owner_id=first.owner_id).update(regime=D85, status="operating")
    after = statements()
    assert after == before
