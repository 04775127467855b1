"""A decision is in force only when signed and valid, or recorded as signed on paper with its scan; the final
approval takes effect on the system (approved level and dossier, the go-live gate) only then, whichever of the two
comes last. The signer records the paper copy through the one upload validator; its hash goes into the audit chain."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals import services as approvals
from approvals.models import Dossier
from approvals.statutory import selectors, services
from approvals.statutory.models import StatutoryDocument
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.models import AuditEvent
from notifications.models import Notification
from systems_registry.models import InformationSystem
from tests import factories

from .conftest import dossier_for_form, sign_pdf


def _scan(data: bytes | None = None, name: str = "scan.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, data or factories.pdf_bytes("Bản quét quyết định đã ký"), content_type=content_type)


def _system(dossier) -> InformationSystem:
    return InformationSystem.objects.get(pk=dossier.system_id)


@pytest.fixture
def at_approval(demo):
    """A level-3 dossier at its final step (the owner approves and signs Form 06)."""
    return dossier_for_form(demo, "decree_331_2026", "06", level=3)


def _approve(owner, dossier) -> Dossier:
    return approvals.decide_step(actor=owner, dossier_id=dossier.pk, decision="approve", comment="Phê duyệt.")


def test_an_approval_without_a_signed_decision_does_not_take_effect_and_the_signer_is_told(at_approval):
    dossier, owner = at_approval
    dossier = _approve(owner, dossier)
    assert dossier.status == Dossier.Status.APPROVED and not selectors.decision_in_force(dossier)
    system = _system(dossier)
    assert (system.approved_level, system.approved_dossier_id, system.has_current_approval()) == (None, None, False)
    reminder = Notification.objects.get(kind="decision_awaits_signature")
    assert reminder.recipient == owner and "06" in reminder.body and reminder.url.endswith(f"/{dossier.pk}/")


def test_recording_the_copy_signed_on_paper_puts_the_decision_in_force_and_the_approval_into_effect(at_approval):
    dossier, owner = at_approval
    document = services.draft_form(actor=owner, dossier_id=dossier.pk, form="06")
    dossier = _approve(owner, dossier)
    scan = factories.pdf_bytes("Bản quét quyết định đã ký")
    services.record_paper_copy(actor=owner, dossier_id=dossier.pk, form="06", upload=_scan(scan))
    document.refresh_from_db()
    assert document.state == StatutoryDocument.State.SIGNED_ON_PAPER and document.in_force
    assert document.paper_recorded_by == owner and document.signed_file.read() == scan
    assert selectors.decision_in_force(Dossier.objects.get(pk=dossier.pk))
    system = _system(dossier)
    assert (system.approved_level, system.approved_dossier_id) == (3, dossier.pk) and system.has_current_approval()
    event = AuditEvent.objects.get(action="statutory.signed_on_paper")
    assert event.data["scan_sha256"] == document.signed_sha256 and len(document.signed_sha256) == 64
    assert AuditEvent.objects.filter(action="system.approved_level", data__dossier_id=dossier.pk).count() == 1


def test_a_decision_signed_before_the_approval_takes_effect_with_the_approval(at_approval, pki):
    dossier, owner = at_approval
    document = services.draft_form(actor=owner, dossier_id=dossier.pk, form="06")
    signed = sign_pdf(services.pdf_bytes(document), pki["signer"], pki["ca"])
    services.record_signed_copy(actor=owner, dossier_id=dossier.pk, form="06", upload=_scan(signed, "signed.pdf"))
    assert _system(dossier).approved_dossier_id is None  # signed, but not approved yet
    _approve(owner, dossier)
    assert _system(dossier).approved_dossier_id == dossier.pk
    assert not Notification.objects.filter(kind="decision_awaits_signature").exists()


def test_a_digitally_signed_decision_after_the_approval_puts_it_into_effect(at_approval, pki):
    dossier, owner = at_approval
    document = services.draft_form(actor=owner, dossier_id=dossier.pk, form="06")
    _approve(owner, dossier)
    signed = sign_pdf(services.pdf_bytes(document), pki["signer"], pki["ca"])
    services.record_signed_copy(actor=owner, dossier_id=dossier.pk, form="06", upload=_scan(signed, "signed.pdf"))
    assert _system(dossier).approved_level == 3


def test_the_previous_approval_stays_in_force_until_the_new_decision_is_signed(demo):
    first, _ = dossier_for_form(demo, "decree_331_2026", "06", level=3)
    system = _system(first)
    from tests.statutory.conftest import advance

    advance(demo, first)
    first = factories.sign_decision(first)
    assert _system(first).approved_dossier_id == first.pk
    again = approvals.create_dossier(actor=demo.operator, system_id=system.pk, proposed_level=3, title="Lần 2")
    factories.add_documents(demo.operator, again)
    approvals.submit_dossier(actor=demo.operator, dossier_id=again.pk)
    again = advance(demo, again)
    assert again.status == Dossier.Status.APPROVED
    assert _system(again).approved_dossier_id == first.pk
    assert Dossier.objects.get(pk=first.pk).status == Dossier.Status.APPROVED
    factories.sign_decision(again)
    assert _system(again).approved_dossier_id == again.pk
    assert Dossier.objects.get(pk=first.pk).status == Dossier.Status.SUPERSEDED


def test_a_scan_goes_through_the_upload_validator_and_only_the_signer_records_it(at_approval, demo):
    dossier, owner = at_approval
    with pytest.raises(Conflict):  # nothing drafted yet
        services.record_paper_copy(actor=owner, dossier_id=dossier.pk, form="06", upload=_scan())
    services.draft_form(actor=owner, dossier_id=dossier.pk, form="06")
    with pytest.raises(Invalid) as refused:
        services.record_paper_copy(
            actor=owner, dossier_id=dossier.pk, form="06", upload=_scan(b"GIF89a not a scan", "scan.gif", "image/gif")
        )
    assert refused.value.status == 422 and refused.value.details[0]["field"] == "file"
    with pytest.raises(Forbidden):
        services.record_paper_copy(actor=demo.operator, dossier_id=dossier.pk, form="06", upload=_scan())
    with pytest.raises(NotFound):
        services.record_paper_copy(actor=demo.outsider, dossier_id=dossier.pk, form="06", upload=_scan())
    assert StatutoryDocument.objects.get(dossier=dossier, form="06").state == StatutoryDocument.State.DRAFTED
    assert not AuditEvent.objects.filter(action="statutory.signed_on_paper").exists()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    services.record_paper_copy(
        actor=owner, dossier_id=dossier.pk, form="06", upload=_scan(png, "scan.png", "image/png")
    )
    with pytest.raises(Conflict):  # recorded once, and final: no digital copy, no new draft after it
        services.record_paper_copy(actor=owner, dossier_id=dossier.pk, form="06", upload=_scan())
    with pytest.raises(Conflict):
        services.record_signed_copy(actor=owner, dossier_id=dossier.pk, form="06", upload=_scan())
    with pytest.raises(Conflict):
        services.draft_form(actor=owner, dossier_id=dossier.pk, form="06")


def test_the_paper_operation_through_the_api(api, at_approval, demo):
    dossier, owner = at_approval
    services.draft_form(actor=owner, dossier_id=dossier.pk, form="06")
    rows = {r["form"]: r for r in api.get(f"dossiers/{dossier.pk}/forms", owner).json()}
    assert rows["06"]["may_record_paper"] is True and rows["06"]["paper_recorded_at"] is None
    path = f"dossiers/{dossier.pk}/forms/06/paper"
    assert api.post(path, demo.operator, {"file": _scan()}, multipart=True).status_code == 403
    assert api.post(path, demo.outsider, {"file": _scan()}, multipart=True).status_code == 404
    bad = api.post(path, owner, {"file": _scan(b"plain text", "scan.txt", "text/plain")}, multipart=True)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "file"
    done = api.post(path, owner, {"file": _scan()}, multipart=True)
    assert done.status_code == 201, done.content
    assert done.json() == {"state": "signed_on_paper", "signed": None}
    rows = {r["form"]: r for r in api.get(f"dossiers/{dossier.pk}/forms", owner).json()}
    # The contract's forms list keeps its four states: a paper copy has no digital signature (still "drafted"), and
    # says it is in force and when its scan was recorded.
    assert rows["06"]["state"] == "drafted" and rows["06"]["in_force"] is True
    assert rows["06"]["may_record_paper"] is False and rows["06"]["paper_recorded_at"]
    assert api.post(path, owner, {"file": _scan()}, multipart=True).status_code == 409


def test_the_dossier_page_offers_the_paper_button_to_the_signer_only(client, at_approval, demo):
    dossier, owner = at_approval
    services.draft_form(actor=owner, dossier_id=dossier.pk, form="06")
    _approve(owner, dossier)
    url = f"/dossiers/{dossier.pk}/"
    client.force_login(owner)
    page = client.get(url).content.decode()
    assert f"/dossiers/{dossier.pk}/forms/06/paper/" in page
    response = client.post(f"/dossiers/{dossier.pk}/forms/06/paper/", {"file": _scan()})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Đã ký trên giấy" in page  # the form's state
    assert f"/dossiers/{dossier.pk}/forms/06/paper/" not in page
    assert _system(dossier).approved_dossier_id == dossier.pk
    client.force_login(demo.security_unit)
    assert "/forms/06/paper/" not in client.get(url).content.decode()
