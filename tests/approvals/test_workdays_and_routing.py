"""Working-day arithmetic and the routing policy files."""

import copy
import json
from datetime import date
from pathlib import Path

import pytest
import yaml

from approvals import routing
from approvals.workdays import add_working_days, working_days_between

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
    for n in range(0, 30):
        assert working_days_between(date(2027, 1, 28), add_working_days(date(2027, 1, 28), n, TET_2027), TET_2027) == n
    with pytest.raises(ValueError):
        add_working_days(date(2027, 1, 1), -1)


def _raw(regime):
    return yaml.safe_load((routing.POLICY_DIR / f"routing_{regime}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("regime", ["decree_85_2016", "decree_331_2026"])
def test_both_policies_load_with_every_level(regime):
    policy = routing.load_policy(regime)
    assert policy.schema_version == 1 and policy.version
    assert set(policy.levels) == {1, 2, 3, 4, 5}
    assert policy.national_authorities == {"civil": "BCA-A05", "military": "BQP-BTL86", "cipher": "BQP-TCCY"}


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p["levels"].pop(5), "levels 1–5"),
        (lambda p: p["levels"][3][1].update(role="security_unit"), "needs role owner"),
        (lambda p: p["levels"][3].reverse(), "last step must be an approval"),
        (lambda p: p["levels"][1][0].update(kind="rubber_stamp"), "kind"),
        (lambda p: p.update(schema_version=2), "schema_version"),
        (lambda p: p["national_authorities"].pop("cipher"), "cipher"),
        (lambda p: p.update(surprise=True), "surprise"),
    ],
)
def test_a_broken_policy_is_refused_naming_the_problem(mutate, message):
    data = copy.deepcopy(_raw("decree_331_2026"))
    mutate(data)
    with pytest.raises(routing.PolicyError, match=message):
        routing.parse_policy(data)


def test_the_published_json_schema_is_current():
    published = Path(routing.POLICY_DIR / "routing.schema.json")
    assert json.loads(published.read_text(encoding="utf-8")) == routing.json_schema(), "regenerate: python manage.py shell -v0 -c \"import json; from approvals.routing import json_schema; print(json.dumps(json_schema(), indent=2, ensure_ascii=False))\" > approvals/policies/routing.schema.json"


def test_the_professional_opinion_default_is_configurable(settings):
    policy = routing.load_policy("decree_331_2026")
    spec = policy.levels[4][0]
    assert routing.step_working_days(policy, spec) == 10
    settings.APPROVALS_PROFESSIONAL_OPINION_WORKING_DAYS = 20
    assert routing.step_working_days(policy, spec) == 20
    assert routing.step_working_days(policy, policy.levels[5][2]) is None  # the PM's list decision: no limit
