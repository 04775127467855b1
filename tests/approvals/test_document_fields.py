"""An issued document's number, date of issue and issuing body: the upload form requires them for the security
regulation, the API takes them as optional extra fields (contract: `kind` + `file`), both through one service,
and an upload that fails its checks stores nothing."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from accounts.models import User
from approvals import services
from approvals.models import Document
from config.api import api as ninja_api
from core.errors import Invalid
from core.models import AuditEvent
from tests import factories

TODAY = timezone.localdate()
ISSUED = {"number": "123/QĐ-UBND", "issued_on": "2026-03-02", "issuer": "Ủy ban nhân dân tỉnh Quảng Ninh"}


@pytest.fixture
def draft(demo):
    system = factories.leveled_system(demo, 1)
    return services.create_dossier(actor=demo.operator, system_id=system.pk, proposed_level=1, title="t")


def pdf(name="quy-che.pdf"):
    return SimpleUploadedFile(name, factories.pdf_bytes(name), content_type="application/pdf")


def stored_files(media_root):
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def nothing_stored(media_root):
    return Document.objects.count() == 0 and stored_files(media_root) == []


# --- the migration ---------------------------------------------------------------------------------------------


def test_the_migration_adds_the_three_columns_and_the_models_match_the_migrations(db):
    loader = MigrationLoader(connection)
    # A later migration may follow it (approvals 0005 onwards); it must still be in the graph.
    assert ("approvals", "0004_document_issue_details") in loader.graph.nodes
    migration = loader.get_migration("approvals", "0004_document_issue_details")
    added = {op.name: op.field for op in migration.operations}
    assert set(added) == {"number", "issued_on", "issuer"}
    assert added["number"].blank and added["number"].max_length == Document.NUMBER_MAX_LENGTH
    assert added["issuer"].blank and added["issuer"].max_length == Document.ISSUER_MAX_LENGTH
    assert added["issued_on"].null and added["issued_on"].get_internal_type() == "DateField"
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits non-zero when models drift


def test_the_columns_exist_in_the_database(db):
    with connection.cursor() as cursor:
        columns = {c.name: c for c in connection.introspection.get_table_description(cursor, "approvals_document")}
    assert {"number", "issued_on", "issuer"} <= set(columns)
    assert columns["issued_on"].null_ok


# --- the service ---------------------------------------------------------------------------------------------


def test_the_service_stores_the_details_trimmed_and_audits_them(demo, draft):
    doc = services.add_document(
        actor=demo.operator, dossier_id=draft.pk, kind="security_regulation", upload=pdf(), filename="quy-che.pdf",
        number="  123/QĐ-UBND ", issued_on=dt.date(2026, 3, 2), issuer=" Ủy ban nhân dân tỉnh Quảng Ninh ",
    )  # fmt: skip
    doc.refresh_from_db()
    assert (doc.number, doc.issued_on, doc.issuer) == (
        "123/QĐ-UBND",
        dt.date(2026, 3, 2),
        "Ủy ban nhân dân tỉnh Quảng Ninh",
    )
    event = AuditEvent.objects.filter(action="dossier.add_document").latest("id")
    assert event.data["number"] == "123/QĐ-UBND" and event.data["issued_on"] == "2026-03-02"


def test_the_service_keeps_them_optional(demo, draft):
    doc = services.add_document(actor=demo.operator, dossier_id=draft.pk, kind="security_regulation", upload=pdf())
    assert (doc.number, doc.issued_on, doc.issuer) == ("", None, "")
    assert "number" not in AuditEvent.objects.filter(action="dossier.add_document").latest("id").data


@pytest.mark.parametrize(("fields", "bad"), [
    ({"issued_on": TODAY + dt.timedelta(days=1)}, {"issued_on"}),
    ({"number": "9" * (Document.NUMBER_MAX_LENGTH + 1)}, {"number"}),
    ({"issuer": "x" * (Document.ISSUER_MAX_LENGTH + 1), "issued_on": TODAY + dt.timedelta(days=3)}, {"issuer", "issued_on"}),
])  # fmt: skip
def test_the_service_refuses_bad_details_before_storing_the_file(demo, draft, _media_root, fields, bad):
    with pytest.raises(Invalid) as caught:
        services.add_document(
            actor=demo.operator, dossier_id=draft.pk, kind="security_regulation", upload=pdf(), **fields
        )
    assert {d["field"] for d in caught.value.details} == bad
    assert nothing_stored(_media_root)


def test_today_is_a_valid_date_of_issue(demo, draft):
    doc = services.add_document(
        actor=demo.operator, dossier_id=draft.pk, kind="security_regulation", upload=pdf(), issued_on=TODAY
    )
    assert doc.issued_on == TODAY


# --- the API ---------------------------------------------------------------------------------------------------


def api_upload(api, user, dossier, kind="security_regulation", **fields):
    return api.post(f"dossiers/{dossier.pk}/documents", user, {"kind": kind, "file": pdf(), **fields}, multipart=True)


def test_an_existing_client_sending_only_kind_and_file_still_gets_201(demo, api, draft):
    resp = api_upload(api, demo.operator, draft)
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert {"id", "kind", "filename", "size", "sha256"} <= set(body)
    assert (body["number"], body["issued_on"], body["issuer"]) == ("", None, "")


def test_the_api_takes_the_details_and_returns_them_in_the_document_and_the_dossier(demo, api, draft):
    resp = api_upload(api, demo.operator, draft, **ISSUED)
    assert resp.status_code == 201, resp.content
    assert {k: resp.json()[k] for k in ISSUED} == ISSUED
    listed = api.get(f"dossiers/{draft.pk}", demo.security_unit).json()["documents"]
    assert [{k: d[k] for k in ISSUED} for d in listed] == [ISSUED]


def test_an_empty_date_field_means_no_date(demo, api, draft):
    resp = api_upload(api, demo.operator, draft, number="7/QĐ-UBND", issued_on="", issuer="")
    assert resp.status_code == 201, resp.content
    assert (resp.json()["number"], resp.json()["issued_on"]) == ("7/QĐ-UBND", None)


@pytest.mark.parametrize(("fields", "field"), [
    ({"issued_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "issued_on"),
    ({"issued_on": "02/03/2026"}, "issued_on"),
    ({"number": "1" * (Document.NUMBER_MAX_LENGTH + 1)}, "number"),
    ({"issuer": "x" * (Document.ISSUER_MAX_LENGTH + 1)}, "issuer"),
])  # fmt: skip
def test_the_api_validates_the_details_when_given_and_stores_nothing(demo, api, draft, _media_root, fields, field):
    resp = api_upload(api, demo.operator, draft, **fields)
    assert resp.status_code == 422, resp.content
    error = resp.json()["error"]
    assert error["code"] == "validation_failed" and field in {d["field"] for d in error["details"]}
    assert nothing_stored(_media_root)


def test_the_api_does_not_require_the_details_for_the_security_regulation(demo, api, draft):
    # The contract lists `kind` + `file` only: requiring more would break its clients (the HTML form requires them).
    assert api_upload(api, demo.operator, draft, kind="security_regulation").status_code == 201


def test_the_openapi_document_lists_the_details_as_optional_form_fields():
    operation = ninja_api.get_openapi_schema()["paths"]["/api/v1/dossiers/{dossier_id}/documents"]["post"]
    schema = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert {"kind", "file"} <= set(schema["required"])
    assert {"number", "issued_on", "issuer"} <= set(schema["properties"])
    assert not {"number", "issued_on", "issuer"} & set(schema["required"])


def test_the_outsider_still_gets_404_whatever_it_sends(demo, api, draft, _media_root):
    assert api_upload(api, demo.outsider, draft, issued_on="2999-01-01").status_code == 404
    assert nothing_stored(_media_root)


# --- the HTML form ---------------------------------------------------------------------------------------------


def english(client, user):
    User.objects.filter(pk=user.pk).update(language="en")
    client.force_login(user)
    return client


def html_upload(client, dossier, kind="security_regulation", **fields):
    return client.post(f"/dossiers/{dossier.pk}/documents/", {"kind": kind, "file": pdf(), **fields})


def test_the_page_shows_the_three_fields_with_their_help(demo, client, draft):
    html = english(client, demo.operator).get(f"/dossiers/{draft.pk}/").content.decode()
    for name in ("number", "issued_on", "issuer"):
        assert f'name="{name}"' in html and f'aria-describedby="id_document_{name}_helptext"' in html
    assert "Required for the internal security regulation." in html
    assert f'max="{TODAY.isoformat()}"' in html


def test_the_form_requires_the_details_for_the_security_regulation_and_saves_nothing_without(
    demo, client, draft, _media_root
):
    resp = html_upload(english(client, demo.operator), draft)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "The document was not added." in html
    assert "Enter the number of the decision that issued the security regulation." in html
    assert "Enter the date the security regulation was issued." in html
    assert "Enter the body that issued the security regulation." in html
    assert set(resp.context["upload_form"].errors) == {"number", "issued_on", "issuer"}
    assert nothing_stored(_media_root)


def test_the_form_keeps_what_was_typed_when_one_field_is_missing(demo, client, draft, _media_root):
    resp = html_upload(english(client, demo.operator), draft, number="123/QĐ-UBND", issued_on="2026-03-02")
    assert set(resp.context["upload_form"].errors) == {"issuer"}
    assert 'value="123/QĐ-UBND"' in resp.content.decode() and 'value="2026-03-02"' in resp.content.decode()
    assert nothing_stored(_media_root)


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"issued_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "issued_on", "The date of issue cannot be in the future."),
    ({"issued_on": "not a date"}, "issued_on", "Enter a valid date."),
    ({"number": "1" * (Document.NUMBER_MAX_LENGTH + 1)}, "number", f"at most {Document.NUMBER_MAX_LENGTH} characters"),
    ({"issuer": "x" * (Document.ISSUER_MAX_LENGTH + 1)}, "issuer", f"at most {Document.ISSUER_MAX_LENGTH} characters"),
])  # fmt: skip
def test_the_form_validates_each_field_with_a_clear_error(demo, client, draft, _media_root, fields, field, message):
    resp = html_upload(english(client, demo.operator), draft, **{**ISSUED, **fields})
    errors = resp.context["upload_form"].errors
    assert set(errors) == {field} and message in errors[field][0]
    assert nothing_stored(_media_root)


def test_a_complete_regulation_is_stored_with_its_details(demo, client, draft):
    resp = html_upload(english(client, demo.operator), draft, **ISSUED)
    assert resp.status_code == 302 and resp.url == f"/dossiers/{draft.pk}/"
    doc = Document.objects.get()
    assert (doc.number, doc.issued_on.isoformat(), doc.issuer) == tuple(ISSUED.values())
    html = client.get(f"/dossiers/{draft.pk}/").content.decode()
    assert "123/QĐ-UBND" in html and "Ủy ban nhân dân tỉnh Quảng Ninh" in html


def test_other_kinds_need_no_details_but_may_have_them(demo, client, draft):
    english(client, demo.operator)
    assert html_upload(client, draft, kind="design").status_code == 302
    assert html_upload(client, draft, kind="professional_opinion", number="45/SKHCN-ATTT").status_code == 302
    assert list(Document.objects.order_by("id").values_list("kind", "number")) == [
        ("design", ""),
        ("professional_opinion", "45/SKHCN-ATTT"),
    ]


def test_a_refused_file_is_a_field_error_too(demo, client, draft, settings, _media_root):
    settings.UPLOAD_MAX_BYTES = 100
    resp = html_upload(english(client, demo.operator), draft, **ISSUED)
    assert set(resp.context["upload_form"].errors) == {"file"}
    assert "the limit is 100 bytes" in resp.context["upload_form"].errors["file"][0]
    assert nothing_stored(_media_root)


@pytest.mark.parametrize(("who", "status"), [("auditor", 403), ("security_unit", 403), ("outsider", 404)])
def test_who_may_not_upload_is_refused_before_the_fields_are_checked(demo, client, draft, _media_root, who, status):
    resp = html_upload(english(client, getattr(demo, who)), draft)  # a regulation without its details
    assert resp.status_code == status
    assert nothing_stored(_media_root)


def test_a_dossier_in_review_takes_no_document_whatever_the_fields(demo, client, _media_root):
    dossier = factories.submitted_dossier(demo, 1)
    before = Document.objects.count()
    resp = html_upload(english(client, demo.operator), dossier)
    assert resp.status_code == 403 and Document.objects.count() == before


# --- the demo ---------------------------------------------------------------------------------------------------


def test_the_demo_regulations_carry_number_date_and_issuer(db):
    from tests.personas import load_demo

    load_demo(seeders=["accounts.demo.seed", "systems_registry.demo.seed", "approvals.demo.seed"])
    regulations = Document.objects.filter(kind="security_regulation").select_related("dossier__system__owner")
    assert regulations.count() == 5  # every submitted demo dossier: submission asks for the regulation
    for doc in regulations:
        assert doc.number == f"{doc.dossier_id}/QĐ-UBND" and doc.issuer == doc.dossier.system.owner.name
        assert doc.issued_on is not None and doc.issued_on <= TODAY
