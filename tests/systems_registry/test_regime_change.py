"""Moving a Decree 85 system to Decree 331 (Art. 39.1; Law 116 Art. 45): the level is kept unless the new criteria
say higher, with the reason; audited; the next dossier takes the Decree 331 route."""

import pytest

from approvals import services as approvals
from core.models import AuditEvent
from systems_registry.models import InformationSystem
from tests import factories

pytestmark = pytest.mark.django_db


def _d85(demo, level, **fields):
    system = factories.leveled_system(demo, level, regime="decree_85_2016", **fields)
    InformationSystem.objects.filter(pk=system.pk).update(approved_level=level)
    return system


def test_the_level_found_under_decree_85_is_kept_with_its_reason(api, demo):
    system = _d85(demo, 3, system_type="internal", info_types=["public"])
    assert "change_regime" in api.get(f"systems/{system.pk}", demo.operator).json()["available_transitions"]
    body = api.post(f"systems/{system.pk}/transitions/change_regime", demo.operator, {"comment": "Điều 39"}).json()
    assert body["regime"] == "decree_331_2026" and body["former_regime"] == "decree_85_2016"
    assert body["proposed_level"] == 3 and body["reapproval_required"] is False
    assert body["reasons"][0]["criterion"] == "transition.kept_level" and "39.1" in body["reasons"][0]["article"]
    event = AuditEvent.objects.get(action="system.change_regime", object_id=str(system.pk))
    assert (event.from_status, event.to_status) == ("decree_85_2016", "decree_331_2026")
    assert event.data["level_before"] == 3 and event.data["criteria_level"] < 3
    # The next dossier follows the Decree 331 route (its acceptance window, its limits in working days).
    dossier = approvals.create_dossier(actor=demo.operator, system_id=system.pk, proposed_level=3, title="Cấp độ 3")
    assert dossier.regime == "decree_331_2026" and dossier.routing_version.startswith("331")
    # Once moved, it cannot move again.
    assert api.post(f"systems/{system.pk}/transitions/change_regime", demo.operator, {}).status_code == 409


def test_higher_criteria_raise_the_level_and_ask_for_re_approval(api, demo):
    system = _d85(
        demo, 2, system_type="public_service", info_types=["personal"], handles_administrative_procedures=True,
        data_subjects=350000, public_service_level=4,
    )  # fmt: skip
    body = api.post(f"systems/{system.pk}/transitions/change_regime", demo.owner, {}).json()
    assert body["proposed_level"] >= 3 and body["reapproval_required"] is True
    assert all(r["criterion"] != "transition.kept_level" for r in body["reasons"])


def test_read_only_roles_may_not_and_outsiders_do_not_see(api, demo):
    system = _d85(demo, 3)
    assert "change_regime" not in api.get(f"systems/{system.pk}", demo.auditor).json()["available_transitions"]
    assert api.post(f"systems/{system.pk}/transitions/change_regime", demo.auditor, {}).status_code == 403
    assert api.post(f"systems/{system.pk}/transitions/change_regime", demo.outsider, {}).status_code == 404
    assert InformationSystem.objects.get(pk=system.pk).regime == "decree_85_2016"
