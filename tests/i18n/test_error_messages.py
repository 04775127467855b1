"""The messages of refused actions speak the user's language, on the pages and through the API; the error `code`
(the API contract) is the same in every language.

The API's rule (docs/architecture.md, "Languages"): an Accept-Language header wins; without one, a bearer-token
caller gets its account's saved language; with neither, Vietnamese (LANGUAGE_CODE). A browser session speaks the
saved language, as the pages do.

The tests that assert Vietnamese text read the real catalogue: they pass once the service messages'
translations (locale/vi/LC_MESSAGES/pending-errors.po while it waits) are merged into django.po and compiled."""

import json

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from config.api import error_body
from core.errors import Invalid, NotFound
from tests import factories
from tests.personas import ApiClient

MISSING_VI = "Hồ sơ còn thiếu tài liệu bắt buộc"
MISSING_EN = "The dossier is missing required documents"


@pytest.fixture(autouse=True)
def _default_language_after():
    # A request leaves its language active in the thread; the next test starts from LANGUAGE_CODE again.
    yield
    translation.deactivate()


@pytest.fixture
def incomplete(demo):
    """A level-4 draft dossier with two of its five required documents: submitting it is refused (422)."""
    from approvals import services

    system = factories.leveled_system(demo, 4)
    dossier = services.create_dossier(actor=demo.operator, system_id=system.pk, proposed_level=4, title="t")
    factories.add_documents(demo.operator, dossier, kinds=["general_description", "design"], regulation=False)
    return dossier


def _speaks(user, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])


def _submit(api, user, dossier):
    return api.post(f"dossiers/{dossier.pk}/transitions/submit", user)


# --- the pages ---------------------------------------------------------------------------------------------------


def test_a_refused_submission_is_explained_in_vietnamese_on_the_page(demo, client, incomplete):
    # Relies on the merged catalogue.
    _speaks(demo.operator, "vi")
    client.force_login(demo.operator)
    html = client.post(f"/dossiers/{incomplete.pk}/transitions/submit/", follow=True).content.decode()
    assert MISSING_VI in html and "Thuyết minh đề xuất cấp độ" in html  # the documents by their Vietnamese names
    assert MISSING_EN not in html
    incomplete.refresh_from_db()
    assert incomplete.status == "draft"


def test_the_same_refusal_is_in_english_for_a_user_who_chose_english(demo, client, incomplete):
    _speaks(demo.operator, "en")
    client.force_login(demo.operator)
    html = client.post(f"/dossiers/{incomplete.pk}/transitions/submit/", follow=True).content.decode()
    assert MISSING_EN in html and "Level proposal statement" in html


def test_a_step_decision_refused_by_role_is_explained_in_vietnamese(demo, client):
    # Relies on the merged catalogue. The operator prepared the dossier and holds no role of its first step.
    dossier = factories.submitted_dossier(demo, 3)
    _speaks(demo.operator, "vi")
    client.force_login(demo.operator)
    resp = client.post(f"/dossiers/{dossier.pk}/transitions/approve/", {"comment": "ok"})
    assert resp.status_code == 403
    text = resp.content.decode()
    assert "mới được cho ý kiến ở bước này" in text and "Đơn vị chuyên trách về an toàn thông tin" in text
    assert dossier.steps.get(order=1).decision is None


# --- the API -----------------------------------------------------------------------------------------------------


def test_accept_language_en_gives_english_with_the_same_code(demo, incomplete):
    resp = _submit(ApiClient(language="en"), demo.operator, incomplete)
    assert resp.status_code == 422
    error = resp.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["message"].startswith(MISSING_EN) and "Level proposal statement" in error["message"]
    assert {d["message"] for d in error["details"]} == {
        "missing: level_proposal",
        "missing: security_plan",
        "missing: risk_assessment",
        "missing: security_regulation",
    }
    assert resp["Content-Language"] == "en"


def test_without_accept_language_the_api_speaks_vietnamese_by_default(demo, incomplete):
    # Relies on the merged catalogue. The demo operator's saved language is Vietnamese, the default.
    resp = _submit(ApiClient(), demo.operator, incomplete)
    assert resp.status_code == 422
    error = resp.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["message"].startswith(MISSING_VI)
    assert {d["field"] for d in error["details"]} == {"documents"}
    assert "thiếu: level_proposal" in {d["message"] for d in error["details"]}
    assert resp["Content-Language"] == "vi"


def test_without_accept_language_a_token_speaks_its_accounts_saved_language(demo, incomplete):
    _speaks(demo.operator, "en")
    resp = _submit(ApiClient(), demo.operator, incomplete)
    assert resp.json()["error"]["message"].startswith(MISSING_EN)
    assert resp["Content-Language"] == "en"


def test_an_accept_language_header_wins_over_the_saved_language(demo, incomplete):
    # Relies on the merged catalogue.
    _speaks(demo.operator, "en")
    resp = _submit(ApiClient(language="vi"), demo.operator, incomplete)
    assert resp.json()["error"]["message"].startswith(MISSING_VI)
    assert resp["Content-Language"] == "vi"


def test_errors_before_authentication_follow_the_header(db):
    api = ApiClient(language="en")
    resp = api.get("systems")
    assert resp.status_code == 401
    assert resp.json()["error"] == {"code": "unauthenticated", "message": "Authentication is required.", "details": []}


def test_not_found_is_translated_and_keeps_its_code(demo):
    # Relies on the merged catalogue.
    english = ApiClient(language="en").get("systems/987654321", demo.operator).json()["error"]
    vietnamese = ApiClient(language="vi").get("systems/987654321", demo.operator).json()["error"]
    assert english == {"code": "not_found", "message": "Not found.", "details": []}
    assert vietnamese == {"code": "not_found", "message": "Không tìm thấy.", "details": []}


def test_the_inspector_error_code_does_not_depend_on_the_language(demo):
    # The code used to be read out of the English message; now it is given with it.
    from tests.inspections.helpers import publish, system_at_level

    publish(level=3, sections=1, items=1)
    system = system_at_level(3)
    body = {"kind": "periodic", "scheduled_for": "2027-01-15", "inspector_ids": [demo.operator.pk]}
    codes = set()
    for language in ("en", "vi"):
        resp = ApiClient(language=language).post(f"systems/{system.pk}/inspections", demo.security_unit, body)
        assert resp.status_code == 422
        codes.add(resp.json()["error"]["code"])
    assert codes == {"inspector_not_independent"}


# --- no lazy string reaches the encoder ---------------------------------------------------------------------------


def test_a_lazy_message_is_resolved_in_the_language_active_when_raised():
    with translation.override("en"):
        error = Invalid(
            gettext_lazy("The file is empty."), details=[{"field": "file", "message": gettext_lazy("too large")}]
        )
    assert type(error.message) is str and error.message == "The file is empty."
    assert type(error.details[0]["message"]) is str and error.details[0]["message"] == "too large"
    with translation.override("en"):
        assert NotFound().message == "Not found."


def test_the_error_body_forces_lazy_strings_before_json():
    with translation.override("en"):
        body = error_body(
            "validation_failed",
            gettext_lazy("The input is not valid."),
            [{"field": "x", "message": gettext_lazy("invalid")}],
        )
        encoded = json.dumps(body)
    assert json.loads(encoded)["error"] == {
        "code": "validation_failed", "message": "The input is not valid.", "details": [{"field": "x", "message": "invalid"}],
    }  # fmt: skip
