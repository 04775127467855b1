"""The dossier list: visibility, `awaiting=me`, filters, and a query count that does not grow with the page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals import services
from approvals.models import Dossier, DossierStep
from systems_registry.models import InformationSystem
from tests import factories


def ids(resp):
    assert resp.status_code == 200, resp.content
    return [d["id"] for d in resp.json()["items"]]


def test_awaiting_me_lists_what_each_decider_has_to_decide_now(demo, api):
    l1 = factories.submitted_dossier(demo, 1)
    l3 = factories.submitted_dossier(demo, 3)
    l4 = factories.submitted_dossier(demo, 4)
    assert sorted(ids(api.get("dossiers?awaiting=me", demo.security_unit))) == sorted([l1.pk, l3.pk, l4.pk])
    assert ids(api.get("dossiers?awaiting=me", demo.owner)) == []
    assert ids(api.get("dossiers?awaiting=me", demo.authority)) == []
    assert ids(api.get("dossiers?awaiting=me", demo.operator)) == []  # the submitter never waits on itself
    services.decide_step(actor=demo.security_unit, dossier_id=l3.pk, decision="approve", comment="ok")
    services.decide_step(actor=demo.security_unit, dossier_id=l4.pk, decision="approve", comment="ok")
    assert sorted(ids(api.get("dossiers?awaiting=me", demo.security_unit))) == [l1.pk]
    assert ids(api.get("dossiers?awaiting=me", demo.owner)) == [l3.pk]
    assert ids(api.get("dossiers?awaiting=me", demo.authority)) == [l4.pk]
    assert ids(api.get("dossiers?awaiting=me", demo.outsider)) == []


def test_list_filters_by_status_and_system_and_hides_other_provinces(demo, api):
    l1 = factories.submitted_dossier(demo, 1)
    system = factories.leveled_system(demo, 2)
    draft = services.create_dossier(actor=demo.operator, system_id=system.pk, proposed_level=2, title="d")
    assert ids(api.get("dossiers?status=draft", demo.auditor)) == [draft.pk]
    assert ids(api.get(f"dossiers?system_id={l1.system_id}", demo.owner)) == [l1.pk]
    assert ids(api.get("dossiers", demo.outsider)) == []
    body = api.get("dossiers?page_size=1", demo.operator).json()
    assert (body["count"], body["page_size"], len(body["items"])) == (2, 1, 1)
    assert api.get("dossiers?awaiting=you", demo.operator).status_code == 422


def _bulk(demo, n):
    owner, op, sec = demo.org("QNI"), demo.org("QNI-TTCDS"), demo.org("QNI-SKHCN")
    start = InformationSystem.objects.count()
    systems = InformationSystem.objects.bulk_create(
        InformationSystem(
            code=f"BULK-{start + i}",
            name="b",
            owner=owner,
            operator=op,
            security_unit=sec,
            regime="decree_331_2026",
            system_type="internal",
            proposed_level=3,
        )  # fmt: skip
        for i in range(n)
    )
    dossiers = Dossier.objects.bulk_create(
        Dossier(
            system=s,
            proposed_level=3,
            regime="decree_331_2026",
            title="b",
            status="in_review",
            submitted_by=demo.operator,
        )
        for s in systems
    )
    today = timezone.localdate()
    DossierStep.objects.bulk_create(
        step
        for d in dossiers
        for step in (
            DossierStep(
                dossier=d,
                revision=1,
                order=1,
                kind="appraisal",
                organization=sec,
                role="security_unit",
                activated_on=today,
                due_date=today,
            ),
            DossierStep(dossier=d, revision=1, order=2, kind="approval", organization=owner, role="owner"),
        )
    )


@pytest.mark.parametrize("query", ["dossiers?page_size=500", "dossiers?awaiting=me&page_size=500"])
def test_list_query_count_is_the_same_for_10_and_100_dossiers(demo, api, query):
    api.token_for(demo.security_unit)
    counts = []
    for n in (10, 90):
        _bulk(demo, n)
        with CaptureQueriesContext(connection) as ctx:
            resp = api.get(query, demo.security_unit)
        assert resp.status_code == 200
        counts.append((resp.json()["count"], len(ctx.captured_queries)))
    assert [c for c, _ in counts] == [10, 100]
    assert counts[0][1] == counts[1][1]
