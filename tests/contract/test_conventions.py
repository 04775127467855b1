"""Conventions, Me, Organisations: what every client does first."""

import pytest
from django.conf import settings

from tests.personas import otp_for

pytestmark = pytest.mark.django_db


@pytest.mark.operation("POST /auth/token", "POST /auth/token/revoke", "GET /me")
def test_sign_in_use_and_revoke_a_token(demo, client, contract):
    body = {"username": "operator", "password": settings.DEMO_PASSWORD}
    issued = contract.ok(client.post("/api/v1/auth/token", contract.json(body), content_type="application/json"))
    assert set(issued) == {"token", "expires_at"}
    assert issued["expires_at"].endswith(("+00:00", "Z"))  # ISO 8601 with offset, UTC
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {issued['token']}"}
    me = contract.ok(client.get("/api/v1/me", **bearer))
    assert {"id", "username", "full_name", "language", "roles"} <= set(me) and me["username"] == "operator"
    assert all(set(r) >= {"organization_id", "role"} for r in me["roles"])
    assert client.post("/api/v1/auth/token/revoke", **bearer).status_code == 204
    contract.error(client.get("/api/v1/me", **bearer), 401)
    contract.error(client.post("/api/v1/systems", "{}", content_type="application/json", **bearer), 401)


@pytest.mark.operation("POST /auth/token")
def test_bad_credentials_and_two_factor(demo, client, contract):
    unknown = {"username": "nobody-here", "password": "x" * 12}
    wrong = {"username": "operator", "password": "x" * 12}
    a = contract.error(client.post("/api/v1/auth/token", contract.json(unknown), content_type="application/json"), 401)
    b = contract.error(client.post("/api/v1/auth/token", contract.json(wrong), content_type="application/json"), 401)
    assert a == b  # the same answer for an unknown user and a wrong password
    enrolled = {"username": "owner", "password": settings.DEMO_PASSWORD}
    contract.error(client.post("/api/v1/auth/token", contract.json(enrolled), content_type="application/json"), 401)
    enrolled["otp"] = otp_for(demo.owner)
    contract.ok(client.post("/api/v1/auth/token", contract.json(enrolled), content_type="application/json"))


@pytest.mark.operation("GET /healthz", "GET /openapi.json", "GET /docs")
def test_health_openapi_and_docs(db, client):
    health = client.get("/healthz")
    assert (
        health.status_code == 200
        and health.json()["database"] == "ok"
        and health.json()["broker"] in ("ok", "embedded")
    )
    assert client.get("/api/v1/openapi.json").json()["openapi"].startswith("3.")
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"https://cdn" not in docs.content  # assets served locally


@pytest.mark.operation("GET /users", "GET /organizations")
def test_users_and_organisations(demo, contract):
    from accounts.models import Membership

    member = Membership.objects.filter(user=demo.inspector, role="inspector").first()
    users = contract.page(contract.ok(contract.get(f"users?organization_id={member.organization_id}&role=inspector", demo.admin)),
                          ["id", "username", "full_name"])  # fmt: skip
    assert "inspector" in {u["username"] for u in users}
    orgs = contract.page(contract.ok(contract.get("organizations?page=1&page_size=50", demo.operator)),
                         ["id", "code", "name", "kind", "parent_id"])  # fmt: skip
    assert {o["kind"] for o in orgs} <= {
        "central_agency",
        "province",
        "commune",
        "unit",
        "national_authority",
        "assessor",
    }
    body = contract.ok(contract.get("organizations?page_size=500", demo.operator))
    assert body["page_size"] == 500
    contract.error(contract.get("organizations?page_size=501", demo.operator), 422, "validation_failed")
