"""Permission grants and revokes are audited, and an explicit grant goes when the reason for it goes."""

from datetime import date

import pytest

from accounts import services as accounts_services
from accounts.models import Membership, Role
from core.audit import verify_chain
from core.errors import NotFound
from core.models import AuditEvent
from inspections import services
from systems_registry.selectors import systems_visible_to
from tests.inspections.helpers import publish, system_at_level


@pytest.fixture
def l3(demo):
    publish(level=3, sections=1, items=2)
    return system_at_level(3)


def _visible(user, system) -> bool:
    return systems_visible_to(user).filter(pk=system.pk).exists()


def test_removing_an_inspector_revokes_the_view_grant_the_assignment_gave(demo, l3):
    assert not _visible(demo.inspector, l3)  # an assessor from outside the province
    inspection = services.create_inspection(
        actor=demo.security_unit,
        system_id=l3.pk,
        kind="periodic",
        scheduled_for=date.today(),
        inspector_ids=[demo.inspector.pk],
    )
    assert _visible(demo.inspector, l3)
    services.remove_inspector(actor=demo.security_unit, inspection_id=inspection.pk, inspector_id=demo.inspector.pk)
    assert not _visible(demo.inspector, l3)
    assert not inspection.inspectors.filter(pk=demo.inspector.pk).exists()
    event = AuditEvent.objects.filter(action="inspection.unassign").get()
    assert event.data["revoked"] == "systems_registry.view_informationsystem" and event.actor == demo.security_unit
    assert verify_chain().ok


def test_grant_stays_while_another_inspection_of_the_system_still_needs_it(demo, l3):
    first = services.create_inspection(actor=demo.security_unit, system_id=l3.pk, kind="ad_hoc", trigger="authority_request",
                                       scheduled_for=date.today(), inspector_ids=[demo.inspector.pk])  # fmt: skip
    services.create_inspection(actor=demo.security_unit, system_id=l3.pk, kind="periodic", scheduled_for=date.today(),
                               inspector_ids=[demo.inspector.pk])  # fmt: skip
    services.remove_inspector(actor=demo.security_unit, inspection_id=first.pk, inspector_id=demo.inspector.pk)
    assert _visible(demo.inspector, l3)


def test_only_who_orders_the_inspection_removes_inspectors(demo, l3):
    inspection = services.create_inspection(
        actor=demo.security_unit,
        system_id=l3.pk,
        kind="periodic",
        scheduled_for=date.today(),
        inspector_ids=[demo.inspector.pk],
    )
    with pytest.raises(NotFound):
        services.remove_inspector(actor=demo.outsider, inspection_id=inspection.pk, inspector_id=demo.inspector.pk)
    assert _visible(demo.inspector, l3)


def test_assigning_inspectors_is_audited_with_the_grant(demo, l3):
    services.create_inspection(actor=demo.security_unit, system_id=l3.pk, kind="periodic", scheduled_for=date.today(),
                               inspector_ids=[demo.inspector.pk])  # fmt: skip
    event = AuditEvent.objects.get(action="inspection.assign")
    assert event.data["inspector_ids"] == [demo.inspector.pk]
    assert event.data["granted"] == "systems_registry.view_informationsystem"


def test_membership_grant_and_revoke_are_audited(demo):
    membership = accounts_services.grant_membership(
        actor=demo.admin, user=demo.outsider, organization=demo.org("QNI"), role=Role.AUDITOR
    )
    accounts_services.revoke_membership(actor=demo.admin, membership=membership)
    actions = list(
        AuditEvent.objects.filter(action__startswith="membership.").values_list("action", "actor_username", "data")
    )
    assert [(a, u) for a, u, _ in actions] == [("membership.grant", "admin"), ("membership.revoke", "admin")]
    assert all(d == {"user": "outsider", "organization": "QNI", "role": "auditor"} for _, _, d in actions)
    assert not Membership.objects.filter(user=demo.outsider, organization=demo.org("QNI")).exists()
