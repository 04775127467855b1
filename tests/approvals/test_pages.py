"""The HTML pages: decision buttons only for deciders, the worklist, the home page, the system page's list."""

import re
from pathlib import Path

from django.utils import timezone

from accounts.models import User
from approvals import services
from approvals.models import DossierStep
from tests import factories


def page(client, user, url):
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(language="en")
    resp = client.get(url)
    assert resp.status_code == 200, resp.status_code
    return resp.content.decode()


def test_decision_buttons_only_for_who_may_decide(demo, client):
    dossier = factories.submitted_dossier(demo, 3)
    url = f"/dossiers/{dossier.pk}/"
    assert f"/dossiers/{dossier.pk}/transitions/approve/" in page(client, demo.security_unit, url)
    for user in (demo.operator, demo.owner, demo.auditor):
        assert f"/dossiers/{dossier.pk}/transitions/approve/" not in page(client, user, url)
    assert f"/dossiers/{dossier.pk}/transitions/withdraw/" in page(client, demo.operator, url)
    client.force_login(demo.outsider)
    assert client.get(url).status_code == 404


def test_deciding_through_the_page_uses_the_shown_step(demo, client):
    dossier = factories.submitted_dossier(demo, 3)
    client.force_login(demo.security_unit)
    client.post(f"/dossiers/{dossier.pk}/transitions/approve/", {"comment": "ok", "step": "1"})
    assert DossierStep.objects.get(dossier=dossier, order=1).decided_by == demo.security_unit
    # A stale form for step 1 does not decide step 2.
    client.force_login(demo.owner)
    client.post(
        f"/dossiers/{dossier.pk}/transitions/approve/",
        {"comment": "ok", "step": "1", "decision_number": "1", "decision_date": timezone.localdate().isoformat()},
    )
    assert DossierStep.objects.get(dossier=dossier, order=2).decision is None


def test_waiting_for_me_is_sorted_by_due_date_with_overdue_highlighted(demo, client):
    late = factories.submitted_dossier(demo, 3)
    soon = factories.submitted_dossier(demo, 1)
    DossierStep.objects.filter(dossier=late, order=1).update(due_date=timezone.localdate() - timezone.timedelta(days=3))
    html = page(client, demo.security_unit, "/dossiers/waiting/")
    assert html.index(f"/dossiers/{late.pk}/") < html.index(f"/dossiers/{soon.pk}/")
    assert html.count('class="overdue"') == 1 and "Overdue" in html
    assert f"/dossiers/{late.pk}/" in page(client, demo.security_unit, "/")  # home is the worklist when it has rows


def test_home_says_nothing_waits_instead_of_redirecting(demo, client):
    client.force_login(demo.operator)
    resp = client.get("/")
    assert resp.status_code == 200
    assert "Nothing is waiting for you." in resp.content.decode() or "Không có việc nào" in resp.content.decode()


def test_system_page_lists_its_dossiers_and_offers_to_start_one(demo, client):
    system = factories.leveled_system(demo, 2)
    html = page(client, demo.operator, f"/systems/{system.pk}/")
    assert f"/dossiers/new/{system.pk}/" in html
    client.post(f"/dossiers/new/{system.pk}/", {"title": "Hồ sơ cấp độ 2"})
    html = page(client, demo.operator, f"/systems/{system.pk}/")
    assert "Hồ sơ cấp độ 2" in html and f"/dossiers/new/{system.pk}/" not in html
    assert f"/dossiers/new/{system.pk}/" not in page(
        client, demo.security_unit, f"/systems/{factories.leveled_system(demo, 1).pk}/"
    )


def test_upload_through_the_page(demo, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    system = factories.leveled_system(demo, 1)
    dossier = services.create_dossier(actor=demo.operator, system_id=system.pk, proposed_level=1, title="t")
    client.force_login(demo.operator)
    client.post(
        f"/dossiers/{dossier.pk}/documents/",
        {"kind": "design", "file": SimpleUploadedFile("d.pdf", factories.pdf_bytes())},
    )
    assert dossier.documents.count() == 1
    assert "/dossiers/documents/" in page(client, demo.auditor, f"/dossiers/{dossier.pk}/")


def test_templates_have_no_inline_scripts_and_translate_their_text():
    for path in Path("templates/approvals").glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text, path
        assert not re.search(r"onclick|onsubmit|onchange", text), path
