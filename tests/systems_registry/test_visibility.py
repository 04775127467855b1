"""Who sees which system: the organisation tree, delegations, routing to an authority, explicit grants."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from accounts.models import Membership, Organization, Role
from accounts.services import create_delegation
from systems_registry.models import InformationSystem
from systems_registry.selectors import systems_visible_to
from tests import factories


def codes(user):
    return set(systems_visible_to(user).values_list("code", flat=True))


def test_province_members_see_the_province_systems(demo):
    province = set(InformationSystem.objects.filter(owner__code="QNI").values_list("code", flat=True))
    for persona in ("operator", "security_unit", "owner", "auditor"):
        assert codes(getattr(demo, persona)) == province, persona


def test_outsider_sees_nothing_of_another_province(demo):
    assert codes(demo.outsider) == set()


def test_a_commune_member_sees_only_systems_in_its_subtree(demo):
    commune = demo.org("QNI-HALONG")
    clerk = factories.user(commune, Role.OPERATOR)
    own = factories.system(demo.admin, demo.org("QNI"), commune, demo.org("QNI-SKHCN"), classify=False)
    assert codes(clerk) == {own.code}


def test_a_national_authority_sees_only_systems_routed_to_it(demo):
    assert codes(demo.authority) == set()
    system = InformationSystem.objects.get(code="QNI-SCADA-NUOC")
    InformationSystem.objects.filter(pk=system.pk).update(national_authority=demo.org("BCA-A05"))
    assert codes(demo.authority) == {"QNI-SCADA-NUOC"}


def test_national_auditor_sees_the_whole_country(demo):
    national_auditor = factories.user(demo.org("BCA-A05"), Role.AUDITOR)
    assert codes(national_auditor) == set(InformationSystem.objects.values_list("code", flat=True))


def test_an_explicit_guardian_grant_shows_one_system(demo):
    system = InformationSystem.objects.get(code="QNI-DVC")
    assign_perm("view_informationsystem", demo.inspector, system)
    assert codes(demo.inspector) == {"QNI-DVC"}


def test_a_delegation_shows_the_owners_systems_only_during_its_term(demo):
    unit = factories.organization(parent=demo.org("QNI"))
    delegate_user = factories.user(unit, Role.OWNER)
    outside_unit = factories.organization(parent=demo.org("LSN"))
    factories.system(demo.admin, demo.org("LSN"), outside_unit, demo.org("LSN-SKHCN"), classify=False)
    before = codes(delegate_user)
    today = date.today()
    create_delegation(
        actor=demo.owner, owner=demo.org("QNI"), delegate=unit, document_number="12/QĐ-UBND", document_date=today,
        scope="Phê duyệt hồ sơ cấp độ 1–3", starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=30),
    )  # fmt: skip
    province = set(InformationSystem.objects.filter(owner__code="QNI").values_list("code", flat=True))
    assert before == set() and codes(delegate_user) == province


def test_an_expired_delegation_shows_nothing(demo):
    unit = factories.organization(parent=demo.org("QNI"))
    delegate_user = factories.user(unit, Role.OWNER)
    past = date.today() - timedelta(days=60)
    create_delegation(
        actor=demo.owner, owner=demo.org("QNI"), delegate=unit, document_number="1/QĐ", document_date=past,
        scope="x", starts_on=past, ends_on=past + timedelta(days=10),
    )  # fmt: skip
    assert codes(delegate_user) == set()


def test_visibility_is_one_sql_statement(demo):
    with CaptureQueriesContext(connection) as ctx:
        list(systems_visible_to(demo.operator).values_list("id", flat=True))
    assert len(ctx.captured_queries) == 2  # national-oversight check, then the one statement with sub-selects
    assert "IN (SELECT" in ctx.captured_queries[-1]["sql"].upper().replace("( SELECT", "(SELECT")


def test_organisation_moves_keep_the_tree_consistent(demo):
    from accounts.models import OrganizationClosure
    from accounts.services import move_organization, rebuild_closure

    unit = factories.organization(parent=demo.org("QNI"))
    child = factories.organization(parent=unit)
    move_organization(org=unit, new_parent=demo.org("LSN"))
    assert OrganizationClosure.objects.filter(ancestor=demo.org("LSN"), descendant=child).exists()
    assert not OrganizationClosure.objects.filter(ancestor=demo.org("QNI"), descendant=child).exists()
    snapshot = set(OrganizationClosure.objects.values_list("ancestor_id", "descendant_id", "depth"))
    rebuild_closure()
    assert set(OrganizationClosure.objects.values_list("ancestor_id", "descendant_id", "depth")) == snapshot


def test_an_organisation_cannot_move_under_its_own_descendant(demo):
    import pytest

    from accounts.services import move_organization
    from core.errors import Invalid

    with pytest.raises(Invalid):
        move_organization(org=demo.org("QNI"), new_parent=demo.org("QNI-HALONG"))
    assert Organization.objects.get(code="QNI").parent_id is None
    assert Membership.objects.count() > 0
