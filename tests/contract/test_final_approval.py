"""The final approval as the contract writes it: `{"comment"}` is the whole body; `decision_number` and
`decision_date` are optional. Without them the issuing body's register gives the next number and today's date,
and GET dossier shows both. A number the caller gives is checked unique in that register."""

from datetime import date

from django.utils import timezone

from tests import factories


def _to_final_step(api, demo):
    dossier = factories.submitted_dossier(demo, 3)
    resp = api.post(f"dossiers/{dossier.pk}/transitions/approve", demo.security_unit, {"comment": "thẩm định đạt"})
    assert resp.status_code == 200, resp.content
    return dossier


def test_the_final_approval_with_only_a_comment_takes_the_registers_next_number_and_today(api, demo):
    first, second = _to_final_step(api, demo), _to_final_step(api, demo)
    for dossier, expected in ((first, "01/QĐ-UBND"), (second, "02/QĐ-UBND")):
        resp = api.post(f"dossiers/{dossier.pk}/transitions/approve", demo.owner, {"comment": "phê duyệt"})
        assert resp.status_code == 200, resp.content
        assert resp.json()["status"] == "approved"
        shown = api.get(f"dossiers/{dossier.pk}", demo.owner).json()
        assert (shown["decision_number"], shown["decision_date"]) == (expected, timezone.localdate().isoformat())


def test_a_number_given_by_the_caller_is_kept_and_cannot_be_used_twice_by_the_same_body(api, demo):
    first, second = _to_final_step(api, demo), _to_final_step(api, demo)
    body = {"comment": "phê duyệt", "decision_number": "15/QĐ-UBND", "decision_date": date(2026, 9, 1).isoformat()}
    assert api.post(f"dossiers/{first.pk}/transitions/approve", demo.owner, body).status_code == 200
    assert api.get(f"dossiers/{first.pk}", demo.owner).json()["decision_number"] == "15/QĐ-UBND"
    refused = api.post(f"dossiers/{second.pk}/transitions/approve", demo.owner, body)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "validation_failed" and [d["field"] for d in error["details"]] == ["decision_number"]
    assert api.get(f"dossiers/{second.pk}", demo.owner).json()["status"] == "in_review"
    # The refused attempt took no number: the next automatic one is still the register's first.
    assert (
        api.post(f"dossiers/{second.pk}/transitions/approve", demo.owner, {"comment": "phê duyệt"}).status_code == 200
    )
    assert api.get(f"dossiers/{second.pk}", demo.owner).json()["decision_number"] == "01/QĐ-UBND"


def test_a_decision_date_in_the_future_is_refused_naming_the_field(api, demo):
    dossier = _to_final_step(api, demo)
    resp = api.post(
        f"dossiers/{dossier.pk}/transitions/approve", demo.owner, {"comment": "x", "decision_date": "2999-01-01"}
    )
    assert resp.status_code == 422
    assert [d["field"] for d in resp.json()["error"]["details"]] == ["decision_date"]
