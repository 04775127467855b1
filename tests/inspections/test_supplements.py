"""A level-5 system and a system on the national-security List are hosted physically separate when they rent a data
centre or cloud (Decree 331/2026 Art. 30.9): those items join every inspection of such a system made against a
Decree 331 catalogue (ordered, scheduled or a gap assessment), after its level catalogue's."""

from datetime import date, timedelta

import pytest
import yaml
from django.utils import timezone
from pydantic import ValidationError

from checklists.models import ChecklistTemplate
from inspections import supplements
from inspections.models import Inspection
from inspections.policy import POLICY_DIR, parse_policy
from inspections.scheduling import scan_inspection_schedule
from systems_registry.models import InformationSystem
from tests.inspections.helpers import make_operating, publish, system_at_level

pytestmark = pytest.mark.django_db

HOSTING = ["D331.HOST.01", "D331.HOST.02", "D331.HOST.03", "D331.HOST.04", "D331.HOST.05"]


def _list(system, state="listed"):
    InformationSystem.objects.filter(pk=system.pk).update(national_security_list=state)
    system.refresh_from_db()
    return system


def _codes(api, user, inspection_id):
    body = api.get(f"inspections/{inspection_id}", user).json()
    return [r["code"] for r in body["results"]]


def _order(api, demo, system):
    resp = api.post(f"systems/{system.pk}/inspections", demo.security_unit, {
        "kind": "periodic", "scheduled_for": timezone.localdate().isoformat(),
        "inspector_ids": [demo.inspector.pk],  # a licensed organisation's inspector (Art. 31.2(c))
    })  # fmt: skip
    assert resp.status_code == 201, resp.content
    return resp.json()["id"]


def test_an_inspection_of_a_listed_system_adds_the_hosting_items_after_its_level_items(api, demo):
    publish(level=3, sections=2, items=2)
    system = _list(system_at_level(3))
    codes = _codes(api, demo.security_unit, _order(api, demo, system))
    assert codes == ["S1.1", "S1.2", "S2.1", "S2.2", *HOSTING]


@pytest.mark.parametrize("state", ["none", "proposed", "removed"])
def test_a_system_not_on_the_list_gets_only_its_level_items(api, demo, state):
    publish(level=3, sections=1, items=2)
    system = _list(system_at_level(3), state)
    assert _codes(api, demo.security_unit, _order(api, demo, system)) == ["S1.1", "S1.2"]


def test_a_level_5_system_not_on_the_list_gets_them_too(api, demo):
    publish(level=5, sections=1, items=2)
    system = _list(system_at_level(5), "none")
    assert _codes(api, demo.security_unit, _order(api, demo, system)) == ["S1.1", "S1.2", *HOSTING]


def test_a_decree_85_inspection_against_its_own_catalogue_gets_none(api, demo):
    publish(regime="decree_85_2016", level=5, sections=1, items=2)
    system = _list(system_at_level(5), "none")
    InformationSystem.objects.filter(pk=system.pk).update(regime="decree_85_2016")
    assert _codes(api, demo.security_unit, _order(api, demo, system)) == ["S1.1", "S1.2"]


def test_the_scheduler_adds_them_for_listed_and_level_5_systems_only(demo):
    publish(level=3, sections=1, items=1)
    publish(level=4, sections=1, items=1)
    publish(level=5, sections=1, items=1)
    listed, other, top = system_at_level(3), system_at_level(4), system_at_level(5)
    for system in (listed, other, top):
        make_operating(system)
        InformationSystem.objects.filter(pk=system.pk).update(created_at=timezone.now() - timedelta(days=360))
    _list(listed)
    _list(top, "none")
    scan_inspection_schedule(today=date.today())
    codes = {
        i.system_id: [r.item.code for r in i.results.select_related("item").order_by("order")]
        for i in Inspection.objects.filter(system__in=[listed, other, top])
    }
    assert codes == {listed.pk: ["S1.1", *HOSTING], other.pk: ["S1.1"], top.pk: ["S1.1", *HOSTING]}


def test_the_supplement_is_published_once_and_cites_the_article(demo):
    (rule,) = supplements.rules("decree_331_2026")
    assert (rule.listed, rule.levels, rule.basis) == (True, [5], "Decree 331/2026 Art. 30.9")
    first = supplements.supplement_template(rule)
    again = supplements.supplement_template(rule)
    assert first.pk == again.pk
    assert ChecklistTemplate.objects.filter(code="d331-hosting-separation").count() == 1
    references = list(first.items.order_by("order").values_list("reference", flat=True))
    assert references[0] == "Decree 331/2026 Art. 30.9(a)" and len(references) == 5
    assert supplements.rules("decree_85_2016") == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"catalogue": "missing_file.yaml"}, "not a file"),
        ({"catalogue": "../schedule_decree_85_2016.yaml"}, "catalogue"),
        ({"levels": [5, 5]}, "distinct"),
        ({"levels": [6]}, "distinct"),
        ({"listed": False, "levels": []}, "names the List"),
        ({"applies_to": "all"}, "applies_to"),
    ],
)
def test_the_loader_refuses_a_bad_supplement(change, message):
    data = yaml.safe_load((POLICY_DIR / "schedule_decree_331_2026.yaml").read_text(encoding="utf-8"))
    data["supplements"][0].update(change)
    with pytest.raises(ValidationError, match=message):
        parse_policy(data)


def test_the_loader_refuses_a_supplement_listed_twice():
    data = yaml.safe_load((POLICY_DIR / "schedule_decree_331_2026.yaml").read_text(encoding="utf-8"))
    data["supplements"].append(dict(data["supplements"][0]))
    with pytest.raises(ValidationError, match="twice"):
        parse_policy(data)
