"""What a newcomer met on the pages (issue 16): each behaviour as the persona who met it."""

import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from django_otp.plugins.otp_totp.models import TOTPDevice

from approvals.models import Dossier
from inspections import services as inspections
from inspections.models import Finding
from notifications.models import Notification
from tests import factories
from tests.inspections.helpers import publish, system_at_level
from tests.security.test_sign_in import code_for, login


def _html(client, user, url, language="vi"):
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return resp.content.decode()


def test_read_only_roles_are_not_offered_to_register_or_import(demo, client):
    for persona in ("auditor", "inspector", "authority"):
        html = _html(client, getattr(demo, persona), "/systems/")
        assert 'href="/systems/new/"' not in html and 'href="/systems/import/"' not in html, persona
        assert client.get("/systems/new/").status_code == 403 and client.get("/systems/import/").status_code == 403
    html = _html(client, demo.operator, "/systems/")
    assert 'href="/systems/new/"' in html and 'href="/systems/import/"' in html


def test_an_operators_open_findings_are_on_their_home_page_whatever_their_due_date(demo, client):
    publish(level=3, sections=1, items=2)
    target = system_at_level(3)
    inspection = inspections.create_inspection(
        actor=demo.security_unit, system_id=target.pk, kind="periodic", scheduled_for=timezone.localdate(),
        inspector_ids=[demo.inspector.pk],
    )  # fmt: skip
    inspections.transition_inspection(actor=demo.inspector, inspection_id=inspection.pk, name="start")
    item = inspection.results.order_by("order").first().item_id
    inspections.save_results(
        actor=demo.inspector, inspection_id=inspection.pk, entries=[{"item_id": item, "result": "not_met", "note": ""}]
    )
    inspections.create_finding(actor=demo.inspector, inspection_id=inspection.pk, item_id=item, severity="high",
                               description="Thiếu nhật ký truy cập", due_date=timezone.localdate() + timedelta(days=120))  # fmt: skip
    html = _html(client, demo.operator, "/")
    assert "Thiếu nhật ký truy cập" in html and f"/inspections/{inspection.pk}/" in html


def test_a_finding_is_recorded_by_hand_on_a_page_that_calls_the_service(demo, client):
    publish(level=3, sections=1, items=2)
    target = system_at_level(3)
    inspection = inspections.create_inspection(
        actor=demo.security_unit, system_id=target.pk, kind="periodic", scheduled_for=timezone.localdate(),
        inspector_ids=[demo.inspector.pk],
    )  # fmt: skip
    inspections.transition_inspection(actor=demo.inspector, inspection_id=inspection.pk, name="start")
    item = inspection.results.order_by("order").first().item_id
    inspections.save_results(
        actor=demo.inspector, inspection_id=inspection.pk, entries=[{"item_id": item, "result": "partial", "note": ""}]
    )
    url = f"/inspections/{inspection.pk}/findings/new/"
    assert url in _html(client, demo.inspector, f"/inspections/{inspection.pk}/")
    form = _html(client, demo.inspector, url)
    assert f'value="{item}"' in form
    due = (timezone.localdate() + timedelta(days=45)).isoformat()
    resp = client.post(
        url, {"item_id": item, "severity": "medium", "description": "Chưa sao lưu định kỳ", "due_date": due}
    )
    assert resp.status_code == 302 and resp["Location"] == f"/inspections/{inspection.pk}/"
    finding = Finding.objects.get(inspection=inspection)
    assert (finding.severity, finding.description, finding.created_by) == (
        "medium",
        "Chưa sao lưu định kỳ",
        demo.inspector,
    )
    assert "Tiếp theo" in client.get(resp["Location"]).content.decode()  # what happened and who acts next
    # The service's own rules answer on the page: an item not assessed as not met is refused on its field.
    other = inspection.results.exclude(item_id=item).first().item_id
    refused = client.post(url, {"item_id": other, "severity": "low", "description": "x", "due_date": due})
    assert refused.status_code == 200 and Finding.objects.filter(inspection=inspection).count() == 1
    # The auditor reads the inspection but is not offered the form, and is refused it.
    assert url not in _html(client, demo.auditor, f"/inspections/{inspection.pk}/")
    assert client.get(url).status_code == 403


def test_dossier_pages_speak_labels_and_say_who_acts_next(demo, client):
    from approvals import services

    system = factories.leveled_system(demo, 3)
    dossier = services.create_dossier(
        actor=demo.operator, system_id=system.pk, proposed_level=3, title="Hồ sơ đề xuất cấp độ 3"
    )
    factories.add_documents(demo.operator, dossier)
    client.force_login(demo.operator)
    resp = client.post(f"/dossiers/{dossier.pk}/transitions/submit/", follow=True)
    html = resp.content.decode()
    assert "Đã gửi hồ sơ để thẩm định. Tiếp theo:" in html and "Đã thực hiện" not in html
    # History: actions and statuses by their labels, the person by name; unreached steps are "not reached yet".
    assert "add_document" not in html and "in_review" not in re.sub(r"<[^>]+>", " ", html)
    assert "Thêm tài liệu" in html and "Bản nháp &rarr; Đang xem xét" in html
    assert escape(str(demo.operator)) in html
    assert "Chưa triển khai" not in html and "Chưa đến bước này" in html
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.IN_REVIEW


def test_notification_titles_name_the_dossier_once_and_dates_read_dd_mm_yyyy(demo):
    demo.security_unit.language = "vi"
    demo.security_unit.save(update_fields=["language"])
    dossier = factories.submitted_dossier(demo, 3)
    note = Notification.objects.filter(recipient=demo.security_unit).latest("id")
    assert dossier.title in note.title and not note.title.startswith("Hồ sơ Hồ sơ")
    step = dossier.steps.get(order=1)
    assert step.due_date.strftime("%d/%m/%Y") in note.body and step.due_date.isoformat() not in note.body


def test_a_right_code_after_a_wrong_one_says_to_wait_instead_of_refusing_silently(demo):
    client = Client()
    resp = login(client, "security_unit", next_url="/systems/")
    verify = resp["Location"]
    wrong = client.post(verify, {"otp": "000000", "next": "/systems/"}).content.decode()
    assert "giây" in wrong  # "Mã không hợp lệ. Hãy đợi 10 giây trước khi thử lại …"
    device = TOTPDevice.objects.get(user=demo.security_unit)
    right_too_soon = client.post(verify, {"otp": code_for(device), "next": "/systems/"})
    assert right_too_soon.status_code == 200 and re.search(r"hãy đợi \d+ giây", right_too_soon.content.decode())
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(minutes=5))
    ok = client.post(verify, {"otp": code_for(device), "next": "/systems/"})
    assert ok.status_code == 302 and ok["Location"] == "/systems/"


def test_home_with_nothing_waiting_is_an_empty_worklist_not_a_redirect(demo, client):
    html = _html(client, demo.auditor, "/")
    assert "Không có việc nào đang chờ bạn." in html or "Hệ thống đang vận hành" in html
    assert 'aria-current="page"' in html and "Việc cần xử lý" in html


def test_the_bell_is_drawn_without_a_font(demo, client):
    html = _html(client, demo.operator, "/")
    bell = re.search(r'<a class="bell[^"]*".*?</a>', html, re.S).group(0)
    assert "<svg" in bell and "🔔" not in bell
