"""Sign-in hardening through the real forms and the real token endpoint: lock-out per (username, IP), two-factor
for the roles that approve, and one audit event per sign-in, sign-out and failed attempt."""

import json
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import LoginThrottle
from core.models import AuditEvent
from tests import factories

PASSWORD = settings.DEMO_PASSWORD


def post_token(client, username, password=PASSWORD, otp=None, ip="127.0.0.1"):
    body = {"username": username, "password": password}
    if otp is not None:
        body["otp"] = otp
    return client.post("/api/v1/auth/token", data=json.dumps(body), content_type="application/json", REMOTE_ADDR=ip)


def login(client, username, password=PASSWORD, ip="127.0.0.1", next_url=""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/login/", data, REMOTE_ADDR=ip)


def code_for(device, offset=0) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(totp.token() if not offset else _at(device, totp.t() + offset)).zfill(6)


def _at(device, t):
    from django_otp.oath import hotp

    return hotp(device.bin_key, t, digits=device.digits)


# --- lock-out ---------------------------------------------------------------------------------------------------


def test_five_failed_api_logins_lock_the_pair_out_with_429(demo):
    client = Client()
    for _ in range(5):
        resp = post_token(client, "operator", "wrong-password")
        assert resp.status_code == 401
        assert resp.json()["error"]["code"] == "invalid_credentials"
    resp = post_token(client, "operator")  # the right password no longer helps
    assert resp.status_code == 429
    assert resp.json() == {"error": {"code": "locked_out", "message": resp.json()["error"]["message"], "details": []}}


def test_lock_out_is_per_ip_so_a_guesser_cannot_lock_the_user_out_elsewhere(demo):
    client = Client()
    for _ in range(5):
        post_token(client, "operator", "wrong-password", ip="203.0.113.9")
    assert post_token(client, "operator", ip="203.0.113.9").status_code == 429
    assert post_token(client, "operator", ip="198.51.100.7").status_code == 200


def test_unknown_usernames_lock_out_the_same_way(demo):
    client = Client()
    answers = [post_token(client, "nobody-here", "x").status_code for _ in range(6)]
    assert answers == [401] * 5 + [429]
    assert post_token(client, "nobody-here", "x").json()["error"]["code"] == "locked_out"


def test_lock_out_ends_after_the_cool_off(demo):
    client = Client()
    for _ in range(5):
        post_token(client, "operator", "wrong-password")
    assert post_token(client, "operator").status_code == 429
    LoginThrottle.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert post_token(client, "operator").status_code == 200
    assert not LoginThrottle.objects.exists()  # success clears the count


def test_html_login_locks_out_after_five_failures(demo):
    client = Client()
    for _ in range(5):
        resp = login(client, "operator", "wrong-password")
        assert resp.status_code == 200 and "_auth_user_id" not in client.session
    resp = login(client, "operator")
    assert resp.status_code == 429
    assert "_auth_user_id" not in client.session
    assert login(Client(), "operator", ip="198.51.100.7").status_code == 302


def test_wrong_one_time_codes_count_towards_the_lock_out(demo):
    client = Client()
    for _ in range(5):
        assert post_token(client, "security_unit", otp="000000").json()["error"]["code"] == "otp_required"
    assert (
        post_token(client, "security_unit", otp=code_for(TOTPDevice.objects.get(user=demo.security_unit))).status_code
        == 429
    )


# --- two-factor on the API --------------------------------------------------------------------------------------


def test_api_token_for_an_enrolled_account_needs_a_valid_otp(demo):
    client = Client()
    missing = post_token(client, "owner")
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "otp_required"
    device = TOTPDevice.objects.get(user=demo.owner, confirmed=True)
    resp = post_token(client, "owner", otp=code_for(device))
    assert resp.status_code == 200 and resp.json()["token"]


def test_demo_two_factor_users_share_the_demo_secret(demo):
    import base64

    key = base64.b32decode(settings.DEMO_TOTP_SECRET).hex()
    enrolled = set(TOTPDevice.objects.filter(confirmed=True, key=key).values_list("user__username", flat=True))
    assert enrolled == {"security_unit", "owner", "authority", "admin"}


def test_api_refuses_a_token_to_a_two_factor_role_that_never_enrolled(demo):
    user = factories.user(demo.org("QNI"), role="owner", username="new-owner")
    user.set_password(PASSWORD)
    user.save()
    resp = post_token(Client(), "new-owner")
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "otp_required"


def test_operator_needs_no_second_factor(demo):
    assert post_token(Client(), "operator").status_code == 200


def test_an_unverified_session_does_not_authenticate_the_api(demo):
    client = Client()
    assert login(client, "authority").status_code == 302
    assert client.get("/api/v1/me").status_code == 401


# --- two-factor in the browser ----------------------------------------------------------------------------------


def test_enrolled_user_is_sent_to_verify_and_sees_nothing_until_verified(demo):
    client = Client()
    resp = login(client, "security_unit", next_url="/systems/")
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/two-factor/verify/")
    blocked = client.get("/systems/")
    assert blocked.status_code == 302 and blocked["Location"].startswith("/accounts/two-factor/verify/")
    page = client.get(resp["Location"])
    assert page.status_code == 200 and 'name="otp"' in page.content.decode()
    wrong = client.post(resp["Location"], {"otp": "000000", "next": "/systems/"})
    assert wrong.status_code == 200 and client.get("/systems/").status_code == 302
    device = TOTPDevice.objects.get(user=demo.security_unit)
    device.throttling_failure_count = 0  # django-otp's own back-off after the wrong code is not under test here
    device.save(update_fields=["throttling_failure_count"])
    ok = client.post(resp["Location"], {"otp": code_for(device), "next": "/systems/"})
    assert ok.status_code == 302 and ok["Location"] == "/systems/"
    assert client.get("/systems/").status_code == 200


def test_recovery_code_passes_verification_once(demo):
    from django_otp.plugins.otp_static.models import StaticDevice

    device = StaticDevice.objects.create(user=demo.owner, name="Recovery codes")
    device.token_set.create(token="recover123")
    first = Client()
    login(first, "owner")
    assert first.post("/accounts/two-factor/verify/", {"otp": "recover123"}).status_code == 302
    assert first.get("/systems/").status_code == 200
    second = Client()
    login(second, "owner")
    assert second.post("/accounts/two-factor/verify/", {"otp": "recover123"}).status_code == 200
    assert second.get("/systems/").status_code == 302


def test_unenrolled_two_factor_role_enrols_with_qr_and_gets_ten_recovery_codes(demo):
    user = factories.user(demo.org("QNI"), role="owner", username="fresh-owner")
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    resp = login(client, "fresh-owner")
    assert resp["Location"].startswith("/accounts/two-factor/setup/")
    assert client.get("/systems/")["Location"].startswith("/accounts/two-factor/setup/")
    page = client.get("/accounts/two-factor/setup/").content.decode()
    assert "<svg" in page and "otpauth://totp/" in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = re.search(r'class="otp-secret">([A-Z2-7]+)<', page).group(1)
    import base64

    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    done = client.post("/accounts/two-factor/setup/", {"otp": code_for(device)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=user).count() == 10
    assert client.get("/systems/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.two_factor_enrol", actor=user).count() == 1


def test_staff_must_use_two_factor_too(demo):
    client = Client()
    resp = login(client, "admin")
    assert resp["Location"].startswith("/accounts/two-factor/verify/")
    assert client.get("/admin/")["Location"].startswith("/accounts/two-factor/verify/")


def test_operator_goes_straight_in(demo):
    client = Client()
    assert login(client, "operator")["Location"] == "/"
    assert client.get("/systems/").status_code == 200


# --- audit of sign-in events ------------------------------------------------------------------------------------


def test_login_logout_and_failures_each_write_one_audit_event_with_ip_and_request_id(demo):
    client = Client()
    before = AuditEvent.objects.count()
    client.post(
        "/login/", {"username": "operator", "password": "nope"}, REMOTE_ADDR="192.0.2.5", HTTP_X_REQUEST_ID="req-fail"
    )
    client.post(
        "/login/", {"username": "operator", "password": PASSWORD}, REMOTE_ADDR="192.0.2.5", HTTP_X_REQUEST_ID="req-in"
    )
    client.post("/logout/", REMOTE_ADDR="192.0.2.5", HTTP_X_REQUEST_ID="req-out")
    post_token(client, "ghost", "nope", ip="192.0.2.6")
    events = list(
        AuditEvent.objects.order_by("id")[before:].values_list("action", "actor_username", "ip", "request_id")
    )
    assert events[:3] == [
        ("auth.login_failed", "operator", "192.0.2.5", "req-fail"),
        ("auth.login", "operator", "192.0.2.5", "req-in"),
        ("auth.logout", "operator", "192.0.2.5", "req-out"),
    ]
    assert events[3][:3] == ("auth.login_failed", "ghost", "192.0.2.6")
    assert len(events) == 4
    from core.audit import verify_chain

    assert verify_chain().ok


def test_api_token_issue_is_audited(demo):
    post_token(Client(), "operator")
    assert AuditEvent.objects.filter(action="auth.token", actor=demo.operator).count() == 1


def test_session_expires_after_inactivity_and_password_rules_apply():
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 30 * 60
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("short", "password123", "1234567890123"):
        with pytest.raises(ValidationError):
            validate_password(weak)


def test_admin_sign_in_obeys_the_same_lock_out(demo):
    client = Client()
    for _ in range(5):
        client.post("/admin/login/", {"username": "admin", "password": "wrong"})
    resp = client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    assert resp.status_code == 200 and "_auth_user_id" not in client.session
    other = Client()
    assert (
        other.post("/admin/login/", {"username": "admin", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7").status_code
        == 302
    )
    assert "_auth_user_id" in other.session
