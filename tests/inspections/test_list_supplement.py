"""A system on the national-security List is hosted physically separate when it rents a data centre or cloud
(Decree 331/2026 Art. 30.9): those items join every inspection of a listed system, after its level catalogue's."""

from datetime import date, timedelta

import pytest
import yaml
from django.utils import timezone
from pydantic import ValidationError

from checklists.models import ChecklistTemplate
from inspections import list_supplement
from inspections.models import Inspection
from inspections.policy import POLICY_DIR, parse_policy
from inspections.scheduling import scan_inspection_schedule
from systems_registry.models import InformationSystem
from tests.inspections.helpers import make_operating, publish, system_at_level

pytestmark = pytest.mark.django_db

HOSTING = ["NSL.HOST.01", "NSL.HOST.02", "NSL.HOST.03", "NSL.HOST.04", "NSL.HOST.05"]


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


def test_the_scheduler_adds_them_for_listed_systems_only(demo):
    publish(level=3, sections=1, items=1)
    publish(level=4, sections=1, items=1)
    listed, other = system_at_level(3), system_at_level(4)
    for system in (listed, other):
        make_operating(system)
        InformationSystem.objects.filter(pk=system.pk).update(created_at=timezone.now() - timedelta(days=360))
    _list(listed)
    scan_inspection_schedule(today=date.today())
    codes = {
        i.system_id: [r.item.code for r in i.results.select_related("item").order_by("order")]
        for i in Inspection.objects.filter(system__in=[listed, other])
    }
    assert codes == {listed.pk: ["S1.1", *HOSTING], other.pk: ["S1.1"]}


def test_the_supplement_is_published_once_and_cites_the_article(demo):
    first = list_supplement.supplement_template("decree_331_2026")
    again = list_supplement.supplement_template("decree_331_2026")
    assert first.pk == again.pk
    assert ChecklistTemplate.objects.filter(code="d331-national-list-hosting").count() == 1
    references = list(first.items.order_by("order").values_list("reference", flat=True))
    assert references[0] == "Decree 331/2026 Art. 30.9(a)" and len(references) == 5
    assert list_supplement.supplement_template("decree_85_2016") is None  # no List under Decree 85


def test_the_loader_refuses_a_supplement_that_is_not_a_file_here():
    data = yaml.safe_load((POLICY_DIR / "schedule_decree_331_2026.yaml").read_text(encoding="utf-8"))
    data["national_security_list"]["supplement"] = "missing_file.yaml"
    with pytest.raises(ValidationError, match="not a file"):
        parse_policy(data)
    data["national_security_list"]["supplement"] = "../schedule_decree_85_2016.yaml"
    with pytest.raises(ValidationError):
        parse_policy(data)
