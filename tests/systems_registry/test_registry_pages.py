"""The registry as an official uses it in the browser (HTML, sessions, CSRF)."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from systems_registry.models import InformationSystem
from tests import factories


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_login_page_and_sign_in(client, demo):
    assert client.get("/login/").status_code == 200
    resp = client.post("/login/", {"username": "operator", "password": "attesta-demo"})
    assert resp.status_code == 302
    assert client.get("/systems/").status_code == 200


def test_anonymous_is_sent_to_login(client, db):
    resp = client.get("/systems/")
    assert resp.status_code == 302 and "/login/" in resp["Location"]


def test_list_shows_badges_and_filters(demo):
    html = signed_in(demo.operator).get("/systems/", {"level": "3"}).content.decode()
    assert "QNI-DVC" in html and "QNI-LGSP" in html and "QNI-EOFFICE" not in html
    assert 'class="badge lvl-3"' in html


def test_empty_state_tells_what_to_do(demo):
    html = signed_in(demo.outsider).get("/systems/").content.decode()
    assert 'class="empty"' in html and "/systems/new/" in html


def test_list_page_query_count_is_constant_from_10_to_100_rows(demo):
    client = signed_in(demo.operator)
    for _ in range(100):
        factories.system(demo.operator, demo.org("QNI"), demo.org("QNI-TTCDS"), demo.org("QNI-SKHCN"), classify=False)

    def queries(page_size):
        with CaptureQueriesContext(connection) as ctx:
            resp = client.get("/systems/", {"page_size": page_size})
        assert resp.status_code == 200 and resp.context["page"].object_list.__len__() == page_size
        return len(ctx.captured_queries)

    assert queries(10) == queries(100)


def test_outsider_gets_404_on_detail_edit_and_actions(demo):
    sid = InformationSystem.objects.get(code="QNI-DVC").pk
    client = signed_in(demo.outsider)
    assert client.get(f"/systems/{sid}/").status_code == 404
    assert client.get(f"/systems/{sid}/edit/").status_code == 404
    assert client.post(f"/systems/{sid}/classify/").status_code == 404
    assert client.post(f"/systems/{sid}/transitions/commission/").status_code == 404


def test_auditor_sees_no_edit_or_lifecycle_buttons(demo):
    sid = InformationSystem.objects.get(code="QNI-DVC").pk
    html = signed_in(demo.auditor).get(f"/systems/{sid}/").content.decode()
    assert f"/systems/{sid}/edit/" not in html and "/transitions/" not in html
    assert signed_in(demo.auditor).get(f"/systems/{sid}/edit/").status_code == 403


def test_register_form_creates_and_classifies(demo):
    client = signed_in(demo.operator)
    form = {
        "code": "QNI-HR", "name": "Quản lý cán bộ", "owner": demo.org("QNI").pk, "operator": demo.org("QNI-TTCDS").pk,
        "security_unit": demo.org("QNI-SKHCN").pk, "system_type": "internal", "info_types": ["personal"],
        "state_secret_harm": "none", "data_subjects": 5000, "sensitive_data_subjects": 0, "public_service_level": 0,
        "infrastructure_scope": "none", "ics_grade": "none",
    }  # fmt: skip
    resp = client.post("/systems/new/", form)
    assert resp.status_code == 302, resp.context["form"].errors if resp.context else resp
    system = InformationSystem.objects.get(code="QNI-HR")
    assert system.proposed_level == 2 and system.classification_reasons


def test_register_form_shows_service_errors_on_the_fields(demo):
    client = signed_in(demo.operator)
    form = {
        "code": "QNI-DVC", "name": "Dup", "owner": demo.org("QNI").pk, "operator": demo.org("QNI-TTCDS").pk,
        "security_unit": demo.org("QNI-SKHCN").pk, "system_type": "internal", "info_types": ["state_secret"],
        "state_secret_harm": "none", "data_subjects": 0, "sensitive_data_subjects": 0, "public_service_level": 0,
        "infrastructure_scope": "none", "ics_grade": "none",
    }  # fmt: skip
    resp = client.post("/systems/new/", form)
    assert resp.status_code == 200
    errors = resp.context["form"].errors
    assert "code" in errors and "state_secret_harm" in errors
    assert InformationSystem.objects.filter(code="QNI-DVC").count() == 1


def test_live_preview_returns_the_level_and_reasons(demo):
    client = signed_in(demo.operator)
    resp = client.post(
        "/systems/classification-preview/",
        {"system_type": "internal", "handles_administrative_procedures": "on", "info_types": ["personal"]},
    )
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "lvl-3" in html


def test_commission_button_is_refused_with_a_clear_message(demo):
    sid = InformationSystem.objects.get(code="QNI-SCADA-CANG").pk
    demo.operator.language = (
        "en"  # the message is checked in English (in Vietnamese: tests/i18n/test_error_messages.py)
    )
    demo.operator.save(update_fields=["language"])
    client = signed_in(demo.operator)
    resp = client.post(f"/systems/{sid}/transitions/commission/", follow=True)
    assert "no approved dossier" in resp.content.decode()
    assert InformationSystem.objects.get(pk=sid).status == "planned"


def test_forms_require_csrf(demo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo.operator)
    sid = InformationSystem.objects.get(code="QNI-DVC").pk
    assert client.post(f"/systems/{sid}/classify/").status_code == 403


def test_language_switch_is_remembered_on_the_account(demo):
    client = signed_in(demo.operator)
    client.post("/language/", {"language": "en", "next": "/systems/"})
    demo.operator.refresh_from_db()
    assert demo.operator.language == "en"
    resp = client.post("/language/", {"language": "vi", "next": "https://evil.example/"})
    assert resp["Location"] == "/"


def test_inspector_with_no_assignment_sees_an_empty_registry(demo):
    factories.user(demo.org("VNCERT-ASSESS"), Role.INSPECTOR)
    html = signed_in(demo.inspector).get("/systems/").content.decode()
    assert "QNI-DVC" not in html
