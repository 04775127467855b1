"""A complete dossier before review: the documents the level requires are listed from the start and ticked as they
arrive; submission names each missing kind in the reader's language; under Decree 331 the first reviewer has 5
working days to accept the dossier as complete or return it (Art. 23.2), and the appraisal clock starts at
acceptance."""

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import User
from approvals import services
from approvals.workdays import add_calendar_days, add_working_days
from tests import factories

TODAY = timezone.localdate


def draft(demo, level=3, regime="decree_331_2026"):
    system = factories.leveled_system(demo, level, regime)
    return services.create_dossier(actor=demo.operator, system_id=system.pk, proposed_level=level, title="t")


def upload(demo, dossier, kind):
    services.add_document(
        actor=demo.operator,
        dossier_id=dossier.pk,
        kind=kind,
        upload=ContentFile(factories.pdf_bytes(kind), name=f"{kind}.pdf"),
    )


def test_the_required_documents_are_listed_from_the_start_and_ticked_as_they_arrive(demo, api):
    dossier = draft(demo, 4)
    body = api.get(f"dossiers/{dossier.pk}", demo.operator).json()
    assert body["required_documents"] == [
        {"kind": k, "present": False}
        for k in (
            "general_description",
            "design",
            "level_proposal",
            "security_plan",
            "risk_assessment",
            "security_regulation",
        )
    ]
    upload(demo, dossier, "design")
    ticked = {
        d["kind"]: d["present"] for d in api.get(f"dossiers/{dossier.pk}", demo.operator).json()["required_documents"]
    }
    assert ticked["design"] and not ticked["security_plan"]


def test_a_returned_dossier_ticks_the_documents_of_the_revision_being_prepared(demo, api):
    dossier = factories.submitted_dossier(demo, 3)
    api.post(f"dossiers/{dossier.pk}/transitions/return", demo.security_unit, {"comment": "bổ sung"})
    # Documents carry over to the next revision: all still present.
    assert all(d["present"] for d in api.get(f"dossiers/{dossier.pk}", demo.operator).json()["required_documents"])


def test_the_page_shows_the_checklist(demo, client):
    dossier = draft(demo, 3)
    upload(demo, dossier, "design")
    User.objects.filter(pk=demo.operator.pk).update(language="en")
    client.force_login(demo.operator)
    html = client.get(f"/dossiers/{dossier.pk}/").content.decode()
    checklist = html[html.index('id="required-documents"') :]
    checklist = checklist[: checklist.index("</ul>")]
    assert "Required for level 3" in html
    assert checklist.count("✓") == 1 and checklist.count("✗") == 4
    assert "Design document" in checklist and "Internal security regulation" in checklist


def test_submission_names_each_missing_kind_in_vietnamese(demo, api):
    dossier = draft(demo, 3)
    upload(demo, dossier, "design")
    api.language = "vi"
    resp = api.post(f"dossiers/{dossier.pk}/transitions/submit", demo.operator)
    assert resp.status_code == 422
    error = resp.json()["error"]
    assert [d["kind"] for d in error["details"]] == [
        "general_description",
        "level_proposal",
        "security_plan",
        "security_regulation",
    ]
    assert "Quy chế" in error["message"] and "Internal security regulation" not in error["message"]


def test_under_decree_331_the_first_reviewer_accepts_within_5_working_days_and_the_clock_starts_then(demo, api):
    dossier = factories.submitted_dossier(demo, 3)
    step = dossier.steps.get(order=1)
    assert step.acceptance_due == add_working_days(TODAY(), 5) == step.due_date and step.accepted_on is None
    body = api.get(f"dossiers/{dossier.pk}", demo.security_unit).json()
    assert "accept" in body["available_transitions"]
    assert body["steps"][0]["acceptance_due"] == step.acceptance_due.isoformat()
    assert "accept" not in api.get(f"dossiers/{dossier.pk}", demo.operator).json()["available_transitions"]
    assert api.post(f"dossiers/{dossier.pk}/transitions/accept", demo.operator).status_code == 403

    body = api.post(f"dossiers/{dossier.pk}/transitions/accept", demo.security_unit, {"comment": "hồ sơ đầy đủ"}).json()
    step.refresh_from_db()
    assert step.accepted_on == TODAY() and step.due_date == add_working_days(TODAY(), 15)
    assert body["status"] == "in_review" and body["current_step"] == 1 and "accept" not in body["available_transitions"]
    assert api.post(f"dossiers/{dossier.pk}/transitions/accept", demo.security_unit).status_code == 409
    history = api.get(f"dossiers/{dossier.pk}/history", demo.operator).json()
    assert [h["transition"] for h in history][-1] == "accept"


def test_a_favourable_decision_in_the_window_accepts_at_the_same_time(demo, api):
    dossier = factories.submitted_dossier(demo, 3)
    api.post(f"dossiers/{dossier.pk}/transitions/approve", demo.security_unit, {"comment": "đạt"})
    assert dossier.steps.get(order=1).accepted_on == TODAY()
    second = dossier.steps.get(order=2)
    assert second.acceptance_due is None and second.due_date == add_working_days(TODAY(), 7)


def test_an_incomplete_dossier_is_returned_in_the_window(demo, api):
    dossier = factories.submitted_dossier(demo, 3)
    resp = api.post(f"dossiers/{dossier.pk}/transitions/return", demo.security_unit, {"comment": "thiếu sơ đồ mạng"})
    assert resp.json()["status"] == "returned"
    assert dossier.steps.get(order=1).accepted_on is None


def test_decree_85_sets_no_acceptance_window(demo, api):
    dossier = factories.submitted_dossier(demo, 3, "decree_85_2016")
    step = dossier.steps.get(order=1)
    assert step.acceptance_due is None and step.due_date == add_calendar_days(TODAY(), 15)
    assert "accept" not in api.get(f"dossiers/{dossier.pk}", demo.security_unit).json()["available_transitions"]
