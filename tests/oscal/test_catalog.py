"""Checklist catalogues as OSCAL catalogs: out, in, round trip, someone else's catalog, and bad input."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from trestle.oscal import OSCAL_VERSION
from trestle.oscal.catalog import Model as CatalogModel

from checklists import oscal
from checklists.catalogue import shipped_templates
from checklists.models import ChecklistItem, ChecklistSection, ChecklistTemplate
from checklists.selectors import checklist_detail
from checklists.services import import_template, load_shipped

FIXTURES = Path(__file__).parent / "fixtures"


def upload(raw: bytes, name="catalog.json"):
    return {"file": SimpleUploadedFile(name, raw)}


def counts():
    return ChecklistTemplate.objects.count(), ChecklistSection.objects.count(), ChecklistItem.objects.count()


@pytest.fixture
def shipped(db):
    return {t.code: t for _rel, t, _created in load_shipped()}


def test_every_shipped_catalogue_exports_a_valid_catalog_and_imports_back_unchanged(shipped):
    files = {t.code: t for _rel, t in shipped_templates()}
    assert set(files) == set(shipped) and len(files) >= 11
    for code, template in shipped.items():
        raw = oscal.catalog_json(checklist_detail(template.pk))
        document = CatalogModel.model_validate_json(raw).catalog
        assert json.loads(raw)["catalog"]["metadata"]["oscal-version"] == OSCAL_VERSION
        assert [g.title for g in document.groups] == [s.title for s in files[code].sections]
        # Export → import: the same catalogue, field for field (codes, texts, English, guidance, basis, evidence).
        assert oscal.parse_oscal_template(raw) == files[code], code


def test_an_exported_catalog_imports_as_the_next_version_with_the_same_items(shipped):
    original = checklist_detail(shipped["tcvn14423-2026-l3"].pk)
    raw = oscal.catalog_json(original)
    copy, created = import_template(actor=None, data=raw, filename="tcvn.oscal.json")
    assert created and copy.code == original.code and copy.version == original.version + 1
    old = list(
        original.items.order_by("order").values_list("code", "text", "text_en", "guidance", "reference", "evidence")
    )
    new = list(copy.items.order_by("order").values_list("code", "text", "text_en", "guidance", "reference", "evidence"))
    assert new == old
    assert (copy.regime, copy.level, copy.kind, copy.source) == (
        original.regime,
        original.level,
        original.kind,
        original.source,
    )


def test_the_catalog_carries_legal_basis_as_property_and_link(shipped):
    raw = oscal.catalog_json(checklist_detail(shipped["tcvn14423-2026-l3"].pk))
    catalog = json.loads(raw)["catalog"]
    control = catalog["groups"][0]["controls"][0]
    assert control["id"] == "G01.01"
    assert {"name": "legal-basis", "ns": oscal.NS, "value": "TCVN 14423:2026 5.1.2.1 a)"} in control["props"]
    link = control["links"][0]
    resources = {r["uuid"]: r for r in catalog["back-matter"]["resources"]}
    assert (
        link["rel"] == "reference" and resources[link["href"][1:]]["citation"]["text"] == "TCVN 14423:2026 5.1.2.1 a)"
    )
    assert [p["name"] for p in control["parts"]][:2] == ["statement", "statement"]


def test_the_nist_example_catalog_imports_as_a_new_checklist(demo, api):
    raw = (FIXTURES / "basic-catalog-min.json").read_bytes()
    resp = api.post("checklists/import", demo.security_unit, upload(raw, "basic-catalog-min.json"), multipart=True)
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["code"] == "sample-security-catalog-for-demonstration-and-testing"
    assert (body["regime"], body["level"], body["kind"], body["item_count"]) == ("decree_331_2026", None, "periodic", 4)
    assert [s["code"] for s in body["sections"]] == ["1.1", "2.1"]
    assert body["sections"][0]["title"] == "Organization of Information Security / Internal Organization"
    first = body["sections"][0]["items"][0]
    assert first["code"] == "1.1.1"
    assert first["text"].startswith(
        "Information security roles and responsibilities: All information security responsibilities"
    )
    assert first["guidance"].startswith("Allocation of information security responsibilities")


def test_an_export_of_another_attesta_reimports_identically(shipped, demo, api):
    checklist = shipped["c12-2022-l2"]
    resp = api.get(f"checklists/{checklist.pk}/oscal", demo.operator)
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/json"
    assert "attachment" in resp["Content-Disposition"]
    again = api.post("checklists/import", demo.security_unit, upload(resp.content), multipart=True)
    assert again.status_code == 201 and again.json()["version"] == 2


def test_a_profile_over_a_published_catalogue_imports_the_chosen_controls(shipped, demo, api):
    base = shipped["tcvn14423-2026-l1"]
    profile = {"profile": {
        "uuid": "6f0c2f4e-0c8b-4d55-9d9f-0f6b4a1d2c3e",
        "metadata": {"title": "Hồ sơ rút gọn cho trường học", "last-modified": "2026-11-02T08:00:00+07:00", "version": "1",
                     "oscal-version": OSCAL_VERSION},
        "imports": [{"href": f"https://attesta.example/api/v1/checklists/{base.pk}/oscal",
                     "include-controls": [{"with-ids": ["G01.01", "G02.01"]}]}],
    }}  # fmt: skip
    resp = api.post("checklists/import", demo.security_unit, upload(json.dumps(profile).encode()), multipart=True)
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["code"] == "ho-so-rut-gon-cho-truong-hoc" and body["item_count"] == 2
    assert [i["code"] for s in body["sections"] for i in s["items"]] == ["G01.01", "G02.01"]
    assert (body["regime"], body["level"]) == (base.regime, base.level)


def _catalog(**changes) -> dict:
    doc = json.loads((FIXTURES / "basic-catalog-min.json").read_bytes())
    for path, value in changes.items():
        target = doc
        *parents, last = path.split("/")
        for key in parents:
            target = target[int(key) if key.isdigit() else key]
        target[int(last) if last.isdigit() else last] = value
    return doc


@pytest.mark.parametrize(("document", "field"), [
    # does not validate: a control without a title
    (_catalog(**{"catalog/groups/1/groups/0/controls/1/title": None}), "catalog.groups[1].groups[0].controls[1].title"),
    # a property value OSCAL refuses (leading space)
    (_catalog(**{"catalog/groups/0/props/0/value": " 1"}), "catalog.groups[0].props[0].value"),
    # duplicate control ids
    (_catalog(**{"catalog/groups/1/groups/0/controls/0/id": "s1.1.2"}), "catalog.groups[1].groups[0].controls[0].id"),
    # the wrong model
    ({"system-security-plan": {"uuid": "x"}}, "system-security-plan"),
    # valid OSCAL, but an item text the checklist format refuses (over 4,000 characters)
    (_catalog(**{"catalog/groups/1/groups/0/controls/1/parts/0/prose": "x" * 5000}), "catalog.groups[1].groups[0].controls[1].parts[0].prose"),
])  # fmt: skip
def test_bad_oscal_is_refused_with_the_json_path_of_the_first_problem_and_nothing_saved(demo, api, document, field):
    before = counts()
    resp = api.post("checklists/import", demo.security_unit, upload(json.dumps(document).encode()), multipart=True)
    assert resp.status_code == 422, resp.content
    assert resp.json()["error"]["details"][0]["field"] == field
    assert counts() == before


def test_deeply_nested_oscal_is_refused_before_parsing(demo, api):
    raw = b'{"catalog": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    resp = api.post("checklists/import", demo.security_unit, upload(raw), multipart=True)
    assert resp.status_code == 422
    error = resp.json()["error"]
    assert error["details"][0]["field"] == "file" and "48" in error["message"] and "byte 59" in error["message"]
    assert counts() == (0, 0, 0)


def test_huge_oscal_is_refused_by_the_upload_limit(demo, api, settings):
    raw = b'{"catalog": {"uuid": "' + b"a" * (6 * 1024 * 1024) + b'"}}'
    resp = api.post("checklists/import", demo.security_unit, upload(raw), multipart=True)
    assert resp.status_code == 413
    assert counts() == (0, 0, 0)


def test_a_profile_naming_an_unknown_catalogue_is_refused(demo, api):
    profile = {"profile": {
        "uuid": "6f0c2f4e-0c8b-4d55-9d9f-0f6b4a1d2c3e",
        "metadata": {"title": "P", "last-modified": "2026-11-02T08:00:00+07:00", "version": "1", "oscal-version": OSCAL_VERSION},
        "imports": [{"href": "https://example.org/nist-800-53.json", "include-all": {}}],
    }}  # fmt: skip
    resp = api.post("checklists/import", demo.security_unit, upload(json.dumps(profile).encode()), multipart=True)
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "profile.imports[0].href"


def test_an_outsider_of_the_import_roles_cannot_import_oscal(demo, api):
    raw = (FIXTURES / "basic-catalog-min.json").read_bytes()
    resp = api.post("checklists/import", demo.outsider, upload(raw), multipart=True)
    assert resp.status_code == 403
    assert counts() == (0, 0, 0)
