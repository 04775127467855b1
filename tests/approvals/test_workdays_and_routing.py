"""Working-day arithmetic and the routing policy files."""

import copy
from datetime import date

import pytest
import yaml

from approvals import routing
from approvals.workdays import add_calendar_days, add_days, add_working_days, days_between, working_days_between

# Tết Đinh Mùi 2027: days off Thu 4/2 to Wed 10/2 (New Year's Day is Sat 6/2).
TET_2027 = {date(2027, 2, d) for d in range(4, 11)}


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 12, 7), 0, date(2026, 12, 7)),  # Monday, nothing to count
        (date(2026, 12, 7), 1, date(2026, 12, 8)),  # the start day itself does not count
        (date(2026, 12, 11), 1, date(2026, 12, 14)),  # Friday + 1 → Monday
        (date(2026, 12, 12), 1, date(2026, 12, 14)),  # received on a Saturday
        (date(2026, 12, 7), 5, date(2026, 12, 14)),  # a full week
        (date(2026, 12, 7), 15, date(2026, 12, 28)),  # the L3 appraisal limit: three weeks
    ],
)
def test_add_working_days_skips_weekends(start, n, expected):
    assert add_working_days(start, n) == expected


def test_add_working_days_skips_tet():
    # Received Wed 3/2/2027, 7 working days: Tết takes 4–10/2, so count from Thu 11/2.
    assert add_working_days(date(2027, 2, 3), 7, TET_2027) == date(2027, 2, 19)
    assert add_working_days(date(2027, 2, 3), 7) == date(2027, 2, 12)
    assert add_working_days(date(2027, 2, 6), 1, TET_2027) == date(2027, 2, 11)  # received during Tết


def test_a_holiday_on_a_weekend_is_not_counted_twice():
    assert add_working_days(date(2026, 12, 11), 1, {date(2026, 12, 12)}) == date(2026, 12, 14)


def test_working_days_between_is_the_inverse():
    for n in range(30):
        assert working_days_between(date(2027, 1, 28), add_working_days(date(2027, 1, 28), n, TET_2027), TET_2027) == n
    with pytest.raises(ValueError):
        add_working_days(date(2027, 1, 1), -1)


def _raw(regime):
    return yaml.safe_load((routing.POLICY_DIR / f"routing_{regime}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("regime", ["decree_85_2016", "decree_331_2026"])
def test_both_policies_load_with_every_level(regime):
    policy = routing.load_policy(regime)
    assert policy.schema_version == 2 and policy.version
    assert set(policy.levels) == {1, 2, 3, 4, 5}
    # Decree 85: the Ministry of National Defence appraises cipher systems; the Government Cipher Committee only
    # under Decree 331 (Art. 18.3(c); issue 19).
    cipher = "BQP-BTL86" if regime == "decree_85_2016" else "BQP-TCCY"
    assert policy.national_authorities == {"civil": "BCA-A05", "military": "BQP-BTL86", "cipher": cipher}


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p["levels"].pop(5), "levels 1–5"),
        (lambda p: p["levels"][3][1].update(role="security_unit"), "needs role owner"),
        (lambda p: p["levels"][3].reverse(), "last step must be an approval"),
        (lambda p: p["levels"][1][0].update(kind="rubber_stamp"), "kind"),
        (lambda p: p.update(schema_version=1), "schema_version"),
        (lambda p: p["levels"][3][0].pop("unit"), "unit"),
        (lambda p: p["levels"][3][0].update(unit="fortnights"), "unit"),
        (lambda p: p["national_authorities"].pop("cipher"), "cipher"),
        (lambda p: p.update(surprise=True), "surprise"),
    ],
)
def test_a_broken_policy_is_refused_naming_the_problem(mutate, message):
    data = copy.deepcopy(_raw("decree_331_2026"))
    mutate(data)
    with pytest.raises(routing.PolicyError, match=message):
        routing.parse_policy(data)


def test_the_professional_opinion_default_is_configurable(settings):
    policy = routing.load_policy("decree_331_2026")
    spec = policy.levels[4][0]
    assert routing.step_limit(policy, spec) == (10, "working_days")
    settings.APPROVALS_PROFESSIONAL_OPINION_WORKING_DAYS = 20
    assert routing.step_limit(policy, spec) == (20, "working_days")
    assert routing.step_limit(policy, policy.levels[5][2])[0] is None  # the PM's list decision: no limit


def test_calendar_days_count_every_day_but_a_period_ending_on_a_day_off_ends_on_the_next_working_day():
    # Monday 7/12/2026 + 15 calendar days = Tuesday 22/12 (weekends inside the period count).
    assert add_calendar_days(date(2026, 12, 7), 15) == date(2026, 12, 22)
    # Wednesday 2/12 + 4 = Sunday 6/12 → Monday 7/12 (Civil Code 2015 Art. 148.5).
    assert add_calendar_days(date(2026, 12, 2), 4) == date(2026, 12, 7)
    # Tết: 30 calendar days from 6/1/2027 end on Fri 5/2, a holiday → Thu 11/2 after the days off.
    assert add_calendar_days(date(2027, 1, 6), 30, TET_2027) == date(2027, 2, 11)
    assert add_calendar_days(date(2026, 12, 12), 0) == date(2026, 12, 12)
    with pytest.raises(ValueError):
        add_calendar_days(date(2027, 1, 1), -1)


def test_the_unit_decides_the_due_date_and_the_days_late():
    start = date(2026, 12, 7)
    assert add_days(start, 15, "calendar_days") == date(2026, 12, 22)
    assert add_days(start, 15, "working_days") == date(2026, 12, 28)
    assert days_between(date(2026, 12, 11), date(2026, 12, 14), "calendar_days") == 3  # Friday → Monday
    assert days_between(date(2026, 12, 11), date(2026, 12, 14), "working_days") == 1
    assert days_between(date(2026, 12, 14), date(2026, 12, 11), "calendar_days") == 0
    with pytest.raises(ValueError):
        add_days(start, 1, "fortnights")


@pytest.mark.parametrize("regime", ["decree_85_2016", "decree_331_2026"])
def test_every_step_limit_in_the_policy_files_states_its_unit(regime):
    for level, steps in _raw(regime)["levels"].items():
        for step in steps:
            assert step.get("unit") in ("working_days", "calendar_days"), (regime, level, step)
            assert "working_days" not in step, "a limit is `days` with a `unit`, never an implied unit"


def test_decree_85_appraisal_is_calendar_days_and_approval_stays_working_days():
    policy = routing.load_policy("decree_85_2016")
    limits = {lvl: [(s.kind, s.days, s.unit) for s in steps] for lvl, steps in policy.levels.items()}
    assert ("appraisal", 15, "calendar_days") in limits[3]
    assert ("appraisal", 30, "calendar_days") in limits[4] and ("appraisal", 30, "calendar_days") in limits[5]
    assert all(unit == "working_days" for lvl in limits for kind, _d, unit in limits[lvl] if kind == "approval")
    assert all(
        s.unit == "working_days" for steps in routing.load_policy("decree_331_2026").levels.values() for s in steps
    )
