"""Sign-in hardening: lock-out per (username, IP), two-factor for the roles that approve, and the audit of every
sign-in, sign-out and failed attempt. The HTML login, the two-factor pages and `POST /api/v1/auth/token` all go
through these functions."""

import base64
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import audit, context

from .models import LoginThrottle, Membership, Role

TWO_FACTOR_ROLES = (Role.SECURITY_UNIT, Role.OWNER, Role.AUTHORITY)
RECOVERY_CODE_COUNT = 10


# --- lock-out ---------------------------------------------------------------------------------------------------


def _key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def _ip() -> str:
    return context.current().ip or ""


def is_locked_out(username: str) -> bool:
    return LoginThrottle.objects.filter(username=_key(username), ip=_ip(), locked_until__gt=timezone.now()).exists()


def claim_attempt(username: str, request=None) -> bool:
    """Count this sign-in attempt as a failure *before* the password is hashed, under a row lock, and say whether it
    may go ahead (False: locked out). Concurrent guesses queue on the row, so no more than LOGIN_LOCKOUT_FAILURES of
    them ever reach the password check; a success then clears the count (clear_failures)."""
    now, key, ip = timezone.now(), _key(username), _ip()
    limit = settings.LOGIN_LOCKOUT_FAILURES
    lock = now + timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    if request is not None:
        request._attesta_attempt_counted = True  # the user_login_failed receiver must not count it twice
    for _attempt in range(3):
        try:
            with transaction.atomic():
                row = LoginThrottle.objects.select_for_update().filter(username=key, ip=ip).first()
                if row is None:
                    LoginThrottle.objects.create(
                        username=key, ip=ip, failures=1, last_failure_at=now, locked_until=lock if limit <= 1 else None
                    )
                    return True
                if row.locked_until is not None and row.locked_until > now:
                    return False
                if row.locked_until is not None:
                    row.failures, row.locked_until = 0, None  # the cool-off is over: start counting afresh
                if row.failures >= limit:
                    row.locked_until = lock
                    row.save(update_fields=["locked_until"])
                    return False
                row.failures += 1
                row.last_failure_at = now
                if row.failures >= limit:
                    row.locked_until = lock  # this is the last attempt allowed; a success clears it
                row.save(update_fields=["failures", "last_failure_at", "locked_until"])
                return True
        except IntegrityError:
            continue  # a concurrent first attempt created the row: lock it and count again
    return False


def register_failure(username: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        row, _ = LoginThrottle.objects.select_for_update().get_or_create(
            username=_key(username), ip=_ip(), defaults={"last_failure_at": now}
        )
        if row.locked_until is not None and row.locked_until <= now:
            row.failures, row.locked_until = 0, None  # the cool-off is over: start counting afresh
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= settings.LOGIN_LOCKOUT_FAILURES:
            row.locked_until = now + timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
        row.save(update_fields=["failures", "last_failure_at", "locked_until"])


def clear_failures(username: str) -> None:
    LoginThrottle.objects.filter(username=_key(username), ip=_ip()).delete()


# --- two-factor -------------------------------------------------------------------------------------------------


def two_factor_required(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return Membership.objects.filter(user_id=user.pk, role__in=TWO_FACTOR_ROLES).exists()


def confirmed_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def is_enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def match_code(user, code: str):
    """The confirmed device (TOTP first, then a one-time recovery code) that accepts `code`, or None."""
    code = "".join((code or "").split())
    if not code or len(code) > 16:
        return None
    for device in TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id"):
        if code.isdigit() and device.verify_token(code):
            return device
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


def pending_totp(user) -> TOTPDevice:
    """The device being enrolled: created unconfirmed on the first visit to the setup page, kept until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name="Attesta", confirmed=False)


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@transaction.atomic
def confirm_enrolment(user, device: TOTPDevice) -> list[str]:
    """Confirm the TOTP device and issue fresh recovery codes (shown once)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
    audit.record(actor=user, action="auth.two_factor_enrol", object_type="user", object_id=str(user.pk))
    return codes


def enrol_with_secret(user, secret_b32: str) -> TOTPDevice:
    """Idempotently enrol `user` with a known base32 secret (demo data and tests only)."""
    padded = secret_b32.upper() + "=" * (-len(secret_b32) % 8)
    key = base64.b32decode(padded).hex()
    device = TOTPDevice.objects.filter(user=user, name="demo").first()
    if device is None:
        return TOTPDevice.objects.create(user=user, name="demo", key=key, confirmed=True)
    if device.key != key or not device.confirmed:
        device.key, device.confirmed = key, True
        device.save(update_fields=["key", "confirmed"])
    return device


# --- audit of sign-in events ------------------------------------------------------------------------------------


def record_auth_event(action: str, *, user=None, username: str = "", data: dict | None = None) -> None:
    with transaction.atomic():
        audit.record(
            actor=user,
            actor_username=username,
            action=action,
            object_type="user",
            object_id=str(user.pk) if user is not None and user.pk else "",
            data=data,
        )


@receiver(user_logged_in, dispatch_uid="attesta_audit_login")
def _on_login(sender, request, user, **kwargs):
    record_auth_event("auth.login", user=user)


@receiver(user_logged_out, dispatch_uid="attesta_audit_logout")
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        record_auth_event("auth.logout", user=user)


@receiver(user_login_failed, dispatch_uid="attesta_audit_login_failed")
def _on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    if not getattr(request, "_attesta_attempt_counted", False):
        register_failure(username)  # a sign-in path that did not claim_attempt first
    record_auth_event("auth.login_failed", username=username, data={"reason": "password"})
