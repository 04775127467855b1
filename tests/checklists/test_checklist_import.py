"""Importing checklist catalogue files: versions, immutability, validation errors that name the path."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checklists.models import ChecklistItem, ChecklistSection, ChecklistTemplate, ImmutableError
from checklists.services import import_template
from core.errors import Invalid
from core.models import AuditEvent
from tests.inspections.helpers import catalogue, publish


def upload(data: dict | bytes, name="catalogue.json"):
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return {"file": SimpleUploadedFile(name, raw)}


def test_it_publishes_version_one_with_sections_and_items(demo, api):
    resp = api.post(
        "checklists/import", demo.security_unit, upload(catalogue(code="qni-l3", sections=2, items=3)), multipart=True
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["code"], body["version"], body["item_count"]) == ("qni-l3", 1, 6)
    assert [s["code"] for s in body["sections"]] == ["S1", "S2"]
    assert [i["code"] for i in body["sections"][1]["items"]] == ["S2.1", "S2.2", "S2.3"]
    assert AuditEvent.objects.filter(action="checklist.import", object_id=str(body["id"])).count() == 1


def test_identical_file_publishes_nothing_and_a_change_publishes_version_two(demo):
    data = catalogue(code="qni-l3")
    raw = json.dumps(data).encode()
    first, created = import_template(actor=demo.security_unit, data=raw, filename="a.json")
    again, created_again = import_template(actor=demo.security_unit, data=raw, filename="a.json")
    assert created and not created_again and again.pk == first.pk
    data["sections"][0]["items"][0]["text"] = "Yêu cầu đã sửa"
    second, created = import_template(actor=demo.security_unit, data=json.dumps(data).encode(), filename="a.json")
    assert created and second.version == 2 and second.code == "qni-l3"
    assert ChecklistItem.objects.get(template=first, code="S1.1").text == "Yêu cầu 1.1"


def test_bad_file_is_refused_naming_the_path_and_nothing_is_saved(demo, api):
    data = catalogue(code="broken")
    data["sections"][1]["items"][2]["code"] = "bad code!"
    before = (ChecklistTemplate.objects.count(), ChecklistSection.objects.count(), ChecklistItem.objects.count())
    resp = api.post("checklists/import", demo.security_unit, upload(data), multipart=True)
    assert resp.status_code == 422
    fields = [d["field"] for d in resp.json()["error"]["details"]]
    assert "sections[1].items[2].code" in fields
    assert (
        ChecklistTemplate.objects.count(),
        ChecklistSection.objects.count(),
        ChecklistItem.objects.count(),
    ) == before


def test_yaml_syntax_error_is_reported(demo):
    with pytest.raises(Invalid) as exc:
        import_template(actor=None, data=b"code: [unclosed", filename="x.yaml")
    assert "YAML" in exc.value.message


def test_a_broken_spreadsheet_is_refused_by_the_hostile_file_check(demo, api):
    resp = api.post(
        "checklists/import", demo.security_unit, upload(b"PK\x03\x04", name="catalogue.xlsx"), multipart=True
    )
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "unsafe_spreadsheet"


def test_an_unknown_file_type_is_refused_with_a_clear_message(demo, api):
    resp = api.post("checklists/import", demo.security_unit, upload(b"a,b", name="catalogue.csv"), multipart=True)
    assert resp.status_code == 422
    assert ".xlsx" in resp.json()["error"]["details"][0]["message"]


def test_operator_may_not_import(demo, api):
    resp = api.post("checklists/import", demo.operator, upload(catalogue()), multipart=True)
    assert resp.status_code == 403
    assert ChecklistTemplate.objects.count() == 0


def test_published_version_cannot_be_changed_or_deleted(demo):
    template = publish()
    template.title = "changed"
    with pytest.raises(ImmutableError):
        template.save()
    item = template.items.first()
    item.text = "changed"
    with pytest.raises(ImmutableError):
        item.save()
    with pytest.raises(ImmutableError):
        template.delete()
    assert ChecklistTemplate.objects.get(pk=template.pk).title != "changed"


def test_load_checklists_is_idempotent(demo):
    call_command("load_checklists")
    count = ChecklistTemplate.objects.count()
    call_command("load_checklists")
    assert ChecklistTemplate.objects.count() == count


def test_list_and_detail_for_any_signed_in_user(demo, api):
    template = publish(level=4, sections=3, items=2)
    listing = api.get("checklists", demo.outsider).json()
    assert listing["count"] == 1
    assert listing["items"][0] == {
        "id": template.pk, "code": template.code, "title": template.title, "title_en": template.title_en, "version": 1,
        "regime": "decree_331_2026", "level": 4, "kind": "periodic", "item_count": 6,
    }  # fmt: skip
    detail = api.get(f"checklists/{template.pk}", demo.outsider).json()
    assert len(detail["sections"]) == 3 and {"id", "code", "text", "guidance"} <= set(detail["sections"][0]["items"][0])
    assert api.get("checklists/999999", demo.outsider).status_code == 404


def test_checklist_list_query_count_is_constant(demo, api):
    api.get("checklists", demo.operator)  # token
    publish()
    with CaptureQueriesContext(connection) as small:
        assert api.get("checklists", demo.operator).status_code == 200
    for _ in range(9):
        publish()
    with CaptureQueriesContext(connection) as large:
        assert api.get("checklists", demo.operator).json()["count"] == 10
    assert len(small) == len(large)


def test_import_page_shows_the_path_of_each_problem(demo, client):
    client.force_login(demo.security_unit)
    data = catalogue(code="broken-page")
    data["sections"][0]["items"][1]["text"] = ""
    resp = client.post("/checklists/import/", upload(data))
    assert resp.status_code == 200
    assert "sections[0].items[1].text" in resp.content.decode()
    assert ChecklistTemplate.objects.count() == 0
