"""The OpenAPI document says what the API really does: the errors of every operation in the contract's shape, the
filters' values, the uploads' required `file`, the params of each export kind, the import's 422 body."""

import json

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def doc(client):
    return client.get("/api/v1/openapi.json").json()


def operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield method, path, op


def test_every_authenticated_operation_declares_401_and_every_input_422(doc):
    for method, path, op in operations(doc):
        codes = set(op["responses"])
        if op.get("security"):
            assert "401" in codes or 401 in codes, (method, path)
        if op.get("parameters") or op.get("requestBody"):
            assert {"422", 422} & codes, (method, path)
        if op.get("requestBody"):
            assert {"400", 400} & codes and {"413", 413} & codes, (method, path)
        if any(p["in"] == "path" for p in op.get("parameters", [])):
            assert {"404", 404} & codes, (method, path)
        if method != "get" and "/transitions/" in path:
            assert {"409", 409} & codes and {"403", 403} & codes, (method, path)


def test_errors_are_documented_in_the_contracts_shape(doc):
    error = doc["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "details"]
    op = doc["paths"]["/api/v1/systems/{system_id}"]["get"]
    assert op["responses"]["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def _param(doc, path, name):
    op = doc["paths"][path]["get"]
    return next(p for p in op["parameters"] if p["name"] == name)


def _enum(doc, schema):
    while "$ref" in schema or "anyOf" in schema:
        if "anyOf" in schema:
            schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
        else:
            schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema.get("enum")


@pytest.mark.parametrize("path, name, some_value", [
    ("/api/v1/systems", "status", "operating"),
    ("/api/v1/dossiers", "status", "in_review"),
    ("/api/v1/inspections", "status", "in_progress"),
    ("/api/v1/checklists", "kind", None),
    ("/api/v1/checklists", "regime", "decree_331_2026"),
    ("/api/v1/organizations", "kind", "province"),
    ("/api/v1/users", "role", "inspector"),
])  # fmt: skip
def test_status_and_kind_filters_are_enums(doc, path, name, some_value):
    values = _enum(doc, _param(doc, path, name)["schema"])
    assert values, (path, name)
    if some_value:
        assert some_value in values


@pytest.mark.parametrize("path", [
    "/api/v1/imports/systems", "/api/v1/checklists/import", "/api/v1/dossiers/{dossier_id}/documents",
    "/api/v1/inspections/{inspection_id}/evidence", "/api/v1/risk-assessments/{assessment_id}/document",
])  # fmt: skip
def test_uploads_declare_file_as_required(doc, path):
    body = doc["paths"][path]["post"]["requestBody"]
    schema = body["content"]["multipart/form-data"]["schema"]
    assert "file" in schema["required"]


def test_each_export_kind_documents_its_params(doc):
    schema = doc["paths"]["/api/v1/exports"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    text = json.dumps(schema) + json.dumps(doc["components"]["schemas"])
    variants = {v["properties"]["kind"]["const"]: v for v in schema["oneOf"]}
    # The contract's four kinds, plus the risk-assessment register and the transitional deadlines (issues 19, 20; a
    # new kind adds, never renames).
    assert set(variants) == {"systems", "inspection", "findings", "annual_report", "risk_assessments", "transition"}
    assert "system_id" in json.dumps(_resolve(doc, variants["risk_assessments"]["properties"]["params"]))
    transition = _resolve(doc, variants["transition"]["properties"]["params"])
    assert set(transition["properties"]) == {"state", "deadline"} and not transition.get("required")
    assert "inspection_id" in json.dumps(_resolve(doc, variants["inspection"]["properties"]["params"]))
    annual = _resolve(doc, variants["annual_report"]["properties"]["params"])
    assert set(annual["properties"]) == {"owner_id", "year"} and not annual.get("required")
    assert "Default" in text


def _resolve(doc, schema):
    if "$ref" in schema:
        return doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_the_imports_422_body_is_as_it_really_is(doc):
    body = _resolve(doc, doc["components"]["schemas"]["ImportErrorBody"])
    assert "report_url" not in body["required"] and "report_expires_at" not in body["required"]


def test_a_json_body_over_the_limit_answers_413_in_the_contracts_shape(demo, client, settings):
    from tests.personas import ApiClient

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    token = ApiClient().token_for(demo.operator)
    body = json.dumps({"code": "X", "name": "x" * 4096})
    resp = client.post(
        "/api/v1/systems", data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert resp.status_code == 413
    assert resp.json()["error"]["code"] == "too_large"
