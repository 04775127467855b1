"""The transitional deadlines of Decree 331 Art. 39.1 / Law 116 Art. 45: each rule is a policy file; the state of
every system under a rule, computed in SQL, matches an independent computation from the dates; the page and the API
read it in a constant number of queries; reminders go out 30/7/1 days before and on the day, once each."""

import random
from datetime import date, timedelta

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import policy_files
from notifications.models import Notification
from systems_registry import transition
from systems_registry.models import InformationSystem
from tests import factories

pytestmark = pytest.mark.django_db

CONSTRUCTION, MEASURES = date(2027, 1, 1), date(2027, 7, 1)


def expected(s) -> dict[str, str]:
    """Art. 39.1 read directly, independently of the policy files' conditions."""
    legacy = "decree_85_2016" in (s["regime"], s["former_regime"])
    out = {}
    if not legacy or s["status"] == "decommissioned":
        return out
    on = s["today"]
    if s["status"] == "planned":
        met = s["approved_level"] is not None
        out["d331_art39_construction"] = "met" if met else ("late" if on > CONSTRUCTION else "due")
    met = s["regime"] == "decree_331_2026" and s["security_plan_status"] == "full"
    out["d331_art39_measures"] = "met" if met else ("late" if on > MEASURES else "due")
    return out


def _generate(demo, n, seed=19):
    rng = random.Random(seed)
    made = []
    for _ in range(n):
        system = factories.leveled_system(demo, rng.choice([1, 2, 3, 4]))
        fields = {
            "regime": rng.choice(["decree_85_2016", "decree_331_2026"]),
            "former_regime": rng.choice(["", "decree_85_2016"]),
            "status": rng.choice(["planned", "operating", "suspended", "decommissioned"]),
            "approved_level": rng.choice([None, 3]),
            "security_plan_status": rng.choice(["not_started", "partial", "full"]),
        }
        InformationSystem.objects.filter(pk=system.pk).update(**fields)
        made.append({"id": system.pk, **fields})
    return made


@pytest.mark.parametrize(
    "today", [date(2026, 12, 5), CONSTRUCTION, CONSTRUCTION + timedelta(days=1), MEASURES, MEASURES + timedelta(days=1)]
)
def test_the_state_of_every_generated_system_matches_the_dates(demo, today):
    made = _generate(demo, 60)
    got = {(r["id"], r["rule"]): (r["state"], str(r["deadline"])) for r in transition.rows(
        InformationSystem.objects.filter(pk__in=[m["id"] for m in made]), today=today)}  # fmt: skip
    want = {}
    for m in made:
        for rule, state in expected({**m, "today": today}).items():
            deadline = CONSTRUCTION if rule.endswith("construction") else MEASURES
            want[(m["id"], rule)] = (state, deadline.isoformat())
    assert got == want
    assert {s for s, _ in got.values()} >= ({"met", "due"} if today <= CONSTRUCTION else {"met", "late"})


def test_the_api_filters_by_state_and_deadline_and_hides_what_the_caller_cannot_see(api, demo):
    made = _generate(demo, 20, seed=7)
    body = api.get("transition?page_size=500", demo.owner).json()
    assert set(body) == {"items", "count", "page", "page_size"} and body["count"] == len(body["items"])
    mine = {(i["system_id"], i["rule"]): i["state"] for i in body["items"]}
    today = date.today()
    assert mine == {(m["id"], r): s for m in made for r, s in expected({**m, "today": today}).items()}
    late = api.get("transition?state=late&page_size=500", demo.owner).json()["items"]
    assert all(i["state"] == "late" for i in late)
    only = api.get("transition?deadline=2027-07-01&page_size=500", demo.owner).json()["items"]
    assert only and {i["rule"] for i in only} == {"d331_art39_measures"}
    assert api.get("transition", demo.outsider).json()["count"] == 0
    assert api.get("transition?state=soon", demo.owner).status_code == 422


def test_the_api_and_the_page_cost_the_same_queries_for_few_and_many_systems(api, client, demo):
    _generate(demo, 3, seed=1)
    client.force_login(demo.owner)

    def count():
        with CaptureQueriesContext(connection) as api_q:
            assert api.get("transition?page_size=500", demo.owner).status_code == 200
        with CaptureQueriesContext(connection) as page_q:
            assert client.get("/systems/transition/?sort=state").status_code == 200
        return len(api_q), len(page_q)

    count()
    few = count()
    _generate(demo, 30, seed=2)
    assert count() == few


def test_the_page_groups_by_deadline(client, demo):
    made = _generate(demo, 15, seed=3)
    client.force_login(demo.owner)
    page = client.get("/systems/transition/").content.decode()
    assert page.index('data-deadline="2027-01-01"') < page.index('data-deadline="2027-07-01"')
    assert "01/01/2027" in page
    code = InformationSystem.objects.get(pk=next(m["id"] for m in made if expected({**m, "today": date.today()}))).code
    assert code in page


def test_reminders_go_out_30_7_1_days_before_and_on_the_day_once_each(demo):
    pending = factories.leveled_system(demo, 3)
    done = factories.leveled_system(demo, 3)
    InformationSystem.objects.filter(pk=pending.pk).update(regime="decree_85_2016", status="planned")
    InformationSystem.objects.filter(pk=done.pk).update(regime="decree_85_2016", status="planned", approved_level=3)

    def told(on):
        transition.scan_transition_deadlines(today=on)
        return set(
            Notification.objects.filter(kind="transition_deadline", dedup_key__contains=":d331_art39_construction:")
            .values_list("dedup_key", flat=True)
        )  # fmt: skip

    assert told(CONSTRUCTION - timedelta(days=31)) == set()
    first = told(CONSTRUCTION - timedelta(days=30))
    assert first and all(f"system:{pending.pk}:" in k for k in first) and all(k.endswith(":30") for k in first)
    assert told(CONSTRUCTION - timedelta(days=29)) == first  # a rerun tells nobody again
    stages = {k.rsplit(":", 1)[1] for k in told(CONSTRUCTION - timedelta(days=7))}
    stages |= {k.rsplit(":", 1)[1] for k in told(CONSTRUCTION - timedelta(days=1))}
    stages |= {k.rsplit(":", 1)[1] for k in told(CONSTRUCTION)}
    assert stages == {"30", "7", "1", "0"}
    owner_told = Notification.objects.filter(kind="transition_deadline", recipient=demo.owner).count()
    assert owner_told == 4
    before = Notification.objects.count()
    transition.scan_transition_deadlines(today=CONSTRUCTION)
    assert Notification.objects.count() == before


def test_a_rule_file_with_an_unknown_key_or_a_wrong_deadline_is_refused(tmp_path):
    source = (transition.POLICY_DIR / "d331_art39_construction.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(source)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**data, "grace_days": 3}), encoding="utf-8")
    with pytest.raises(policy_files.PolicyFileError, match="grace_days"):
        policy_files.load(bad, transition.TransitionRule)
    bad.write_text(yaml.safe_dump({**data, "deadline": date(2027, 2, 1)}), encoding="utf-8")
    with pytest.raises(policy_files.PolicyFileError, match="starts_on"):
        policy_files.load(bad, transition.TransitionRule)
    bad.write_text(source + "rule: again\n", encoding="utf-8")
    with pytest.raises(policy_files.PolicyFileError, match="duplicate key"):
        policy_files.load(bad, transition.TransitionRule)


def test_add_months_ends_on_the_corresponding_day():
    assert transition.add_months(date(2026, 7, 1), 6) == date(2027, 1, 1)
    assert transition.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
