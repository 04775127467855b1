"""The systems endpoints as an outside client sees them (contract: paths, fields, status codes, error shape)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from systems_registry.models import InformationSystem
from tests import factories

CONTRACT_FIELDS = {
    "id", "code", "name", "owner_id", "operator_id", "security_unit_id", "system_type", "info_types", "regime",
    "proposed_level", "approved_level", "status", "approved_dossier_id", "next_inspection_due", "available_transitions",
}  # fmt: skip


def new_system(demo, **overrides):
    body = {
        "code": "QNI-NEW-1", "name": "Hệ thống mới", "owner_id": demo.org("QNI").pk,
        "operator_id": demo.org("QNI-TTCDS").pk, "security_unit_id": demo.org("QNI-SKHCN").pk,
        "description": "", "system_type": "public_service", "info_types": ["personal"],
    }  # fmt: skip
    body.update(overrides)
    return body


def test_token_is_refused_with_the_same_answer_for_unknown_user_and_wrong_password(api, demo):
    wrong = api.client.post(
        "/api/v1/auth/token", {"username": "operator", "password": "nope"}, content_type="application/json"
    )
    unknown = api.client.post(
        "/api/v1/auth/token", {"username": "ghost", "password": "nope"}, content_type="application/json"
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert set(wrong.json()["error"]) == {"code", "message", "details"}


def test_unauthenticated_calls_get_401_in_the_error_shape(api, demo):
    resp = api.get("systems")
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "unauthenticated"


def test_me_lists_roles(api, demo):
    body = api.get("me", demo.operator).json()
    assert body["username"] == "operator"
    assert body["roles"] == [{"organization_id": demo.org("QNI-TTCDS").pk, "role": "operator"}]


def test_operator_registers_a_system_with_the_regime_in_force(api, demo):
    resp = api.post("systems", demo.operator, new_system(demo))
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert set(body) >= CONTRACT_FIELDS
    # POST classifies at once (issue 15): every path recomputes the level.
    assert body["status"] == "planned" and body["regime"] == "decree_331_2026" and body["proposed_level"] == 2
    assert AuditEvent.objects.filter(action="system.create", object_id=str(body["id"])).exists()


def test_classify_saves_the_level_and_gives_reasons(api, demo):
    sid = api.post("systems", demo.operator, new_system(demo)).json()["id"]
    resp = api.post(f"systems/{sid}/classify", demo.operator, {"handles_administrative_procedures": True})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["level"] == 3 and body["regime"] == "decree_331_2026"
    assert any(r["level"] == 3 for r in body["reasons"])
    assert all(set(r) >= {"criterion", "level", "text"} for r in body["reasons"])
    assert InformationSystem.objects.get(pk=sid).proposed_level == 3


def test_a_composite_system_takes_the_highest_level_of_its_parts(api, demo):
    parent = api.post(
        "systems", demo.operator, new_system(demo, code="P", system_type="internal", info_types=["public"])
    ).json()["id"]
    api.post(f"systems/{parent}/classify", demo.operator)
    assert InformationSystem.objects.get(pk=parent).proposed_level == 1
    part = api.post(
        "systems",
        demo.operator,
        new_system(demo, code="P-1", parent_id=parent, ics_grade="I", system_type="industrial_control"),
    ).json()["id"]
    body = api.post(f"systems/{part}/classify", demo.operator).json()
    assert body["level"] == 4
    assert InformationSystem.objects.get(pk=parent).proposed_level == 4  # raised by its part
    reasons = api.post(f"systems/{parent}/classify", demo.operator).json()["reasons"]
    assert any(r["criterion"] == "composite.highest_part" for r in reasons)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"system_type": "spaceship"}, "system_type"),
        ({"info_types": ["public", "gossip"]}, "info_types.1"),
        ({"data_subjects": -1}, "data_subjects"),
        ({"public_service_level": 7}, "public_service_level"),
        ({"pm_designated_level": 6}, "pm_designated_level"),
        ({"code": "QNI-DVC"}, "code"),
        ({"owner_id": 999999}, "owner_id"),
        ({"info_types": ["state_secret"]}, "state_secret_harm"),
    ],
)
def test_bad_input_is_422_with_the_field_named_and_nothing_saved(api, demo, overrides, field):
    before = InformationSystem.objects.count()
    resp = api.post("systems", demo.operator, new_system(demo, **overrides))
    assert resp.status_code == 422, resp.content
    fields = [d["field"] for d in resp.json()["error"]["details"]]
    assert field in fields, fields
    assert InformationSystem.objects.count() == before


def test_an_owner_the_user_does_not_belong_to_is_refused(api, demo):
    body = new_system(demo, owner_id=demo.org("LSN").pk, security_unit_id=demo.org("LSN-SKHCN").pk)
    resp = api.post("systems", demo.operator, body)
    assert resp.status_code == 422
    # the operating unit of another province is refused as well: it is not in LSN's tree
    assert [d["field"] for d in resp.json()["error"]["details"]] == ["owner_id", "operator_id"]


def test_a_parent_that_would_make_a_cycle_is_refused(api, demo):
    a = api.post("systems", demo.operator, new_system(demo, code="A")).json()["id"]
    b = api.post("systems", demo.operator, new_system(demo, code="B", parent_id=a)).json()["id"]
    resp = api.patch(f"systems/{a}", demo.operator, {"parent_id": b})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "parent_id"
    assert InformationSystem.objects.get(pk=a).parent_id is None


def test_outsider_gets_404_for_every_system_endpoint(api, demo):
    sid = InformationSystem.objects.get(code="QNI-DVC").pk
    for call in (
        lambda: api.get(f"systems/{sid}", demo.outsider),
        lambda: api.patch(f"systems/{sid}", demo.outsider, {"name": "x"}),
        lambda: api.post(f"systems/{sid}/classify", demo.outsider),
        lambda: api.post(f"systems/{sid}/transitions/commission", demo.outsider, {"comment": ""}),
    ):
        resp = call()
        assert resp.status_code == 404
        assert resp.json()["error"]["code"] == "not_found"
    assert api.get("systems", demo.outsider).json()["count"] == 0


def test_auditor_sees_but_may_not_change(api, demo):
    sid = InformationSystem.objects.get(code="QNI-DVC").pk
    assert api.get(f"systems/{sid}", demo.auditor).status_code == 200
    assert api.patch(f"systems/{sid}", demo.auditor, {"name": "x"}).status_code == 403
    assert api.get(f"systems/{sid}", demo.auditor).json()["available_transitions"] == []


def test_commission_without_an_approved_dossier_is_409_no_approved_dossier(api, demo):
    sid = InformationSystem.objects.get(code="QNI-SCADA-CANG").pk
    resp = api.post(f"systems/{sid}/transitions/commission", demo.operator, {"comment": "go live"})
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "no_approved_dossier"
    assert InformationSystem.objects.get(pk=sid).status == "planned"


def test_unknown_transition_is_409_naming_the_allowed_ones(api, demo):
    sid = InformationSystem.objects.get(code="QNI-SCADA-CANG").pk
    api.language = "en"
    resp = api.post(f"systems/{sid}/transitions/explode", demo.operator, {"comment": ""})
    assert resp.status_code == 409
    assert "allowed" in resp.json()["error"]["message"].lower()


def test_list_filters_and_envelope(api, demo):
    body = api.get("systems", demo.operator, {"level": 3, "page_size": 1}).json()
    assert set(body) == {"items", "count", "page", "page_size"}
    assert body["count"] == InformationSystem.objects.filter(proposed_level=3).count()
    assert len(body["items"]) == 1 and body["items"][0]["proposed_level"] == 3
    assert api.get("systems", demo.operator, {"page_size": 501}).status_code == 422
    assert api.get("systems", demo.operator, {"q": "LGSP"}).json()["count"] == 1


def test_list_pages_walk_the_visible_set_in_code_order_with_its_count(api, demo):
    # The list reads a page's ids with the count in one statement, then those rows (core.pagination
    # .paginate_counted): the pages still follow the code order, their count is the visible set's, the rows are the
    # detail's, and a page past the end is empty with the same count.
    owner, operator = demo.org("QNI"), demo.org("QNI-TTCDS")
    for _ in range(7):
        factories.system(demo.operator, owner, operator, demo.org("QNI-SKHCN"), classify=False)
    first = api.get("systems", demo.operator, {"page_size": 200}).json()
    visible = [row["code"] for row in first["items"]]
    assert first["count"] == len(visible) >= 7 and visible == sorted(visible)
    walked, page = [], 1
    while body := api.get("systems", demo.operator, {"page_size": 3, "page": page}).json():
        if not body["items"]:
            break
        assert body["count"] == len(visible)
        walked += [row["code"] for row in body["items"]]
        page += 1
    assert walked == visible
    past = api.get("systems", demo.operator, {"page_size": 3, "page": page + 5}).json()
    assert past["items"] == [] and past["count"] == len(visible)
    detail = api.get(f"systems/{first['items'][0]['id']}", demo.operator).json()
    assert first["items"][0] == detail | {"available_transitions": []}


def test_list_query_count_is_constant_from_10_to_100_rows(api, demo):
    owner, operator = demo.org("QNI"), demo.org("QNI-TTCDS")

    def count_queries(page_size):
        api.token_for(demo.operator)
        with CaptureQueriesContext(connection) as ctx:
            resp = api.get("systems", demo.operator, {"page_size": page_size})
        assert resp.status_code == 200 and len(resp.json()["items"]) == page_size
        return len(ctx.captured_queries)

    for _ in range(100):
        factories.system(demo.operator, owner, operator, demo.org("QNI-SKHCN"), classify=False)
    assert count_queries(10) == count_queries(100)


def test_healthz_reports_database_and_broker(client, db):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json()["database"] == "ok"
    assert resp.json()["broker"] in ("ok", "embedded")


def test_openapi_document_describes_the_systems_paths(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/systems",
        "/api/v1/systems/{system_id}",
        "/api/v1/systems/{system_id}/classify",
        "/api/v1/auth/token",
    ):
        assert path in spec["paths"], path


def test_docs_page_serves_its_assets_locally(client, db):
    html = client.get("/api/v1/docs").content.decode()
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html
