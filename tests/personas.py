"""The seven personas of the API contract, on the real demo data, and a JSON client that speaks the contract."""

import json
from dataclasses import dataclass

from django.conf import settings
from django.test import Client
from django.utils.module_loading import import_string

from accounts.models import Organization, User

PERSONAS = ("operator", "security_unit", "owner", "authority", "inspector", "auditor", "outsider", "admin")


@dataclass
class Demo:
    users: dict
    orgs: dict

    def __getattr__(self, name):
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)

    def org(self, code: str) -> Organization:
        return self.orgs[code]


def load_demo(seeders=None) -> Demo:
    for dotted in seeders or settings.DEMO_SEEDERS:
        import_string(dotted)()
    return personas()


def personas() -> Demo:
    users = {u.username: u for u in User.objects.filter(username__in=PERSONAS)}
    orgs = {o.code: o for o in Organization.objects.all()}
    return Demo(users=users, orgs=orgs)


def totp_device(user):
    """The user's confirmed TOTP device; users who must use two-factor but are not enrolled (factory users) get
    one with the demo secret, as the demo users have."""
    from accounts import security

    device = security.confirmed_totp(user)
    if device is None and security.two_factor_required(user):
        device = security.enrol_with_secret(user, settings.DEMO_TOTP_SECRET)
    return device


def otp_for(user) -> str | None:
    """A code the user's device accepts now: the current time step, or the next one when the current code was
    already used (django-otp refuses a replayed step)."""
    from django_otp.oath import TOTP, hotp

    device = totp_device(user)
    if device is None:
        return None
    device.refresh_from_db()
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    return str(hotp(device.bin_key, max(now, device.last_t + 1), digits=device.digits)).zfill(device.digits)


def verify_session_otp(client, user) -> None:
    """Mark a test client's session as having passed the second factor (what django_otp.login does)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    device = totp_device(user)
    if device is None:
        return
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


class ApiClient:
    """Calls /api/v1 as a given user with a real bearer token, like an outside client would. Set `language`
    (e.g. "en") to send it as Accept-Language; without it the API speaks the account's saved language."""

    def __init__(self, language: str | None = None):
        self.client = Client()
        self._tokens = {}
        self.language = language

    def token_for(self, user) -> str:
        if user.username not in self._tokens:
            resp = self.client.post(
                "/api/v1/auth/token",
                data=json.dumps({"username": user.username, "password": settings.DEMO_PASSWORD, "otp": otp_for(user)}),
                content_type="application/json",
            )
            assert resp.status_code == 200, resp.content
            self._tokens[user.username] = resp.json()["token"]
        return self._tokens[user.username]

    def _call(self, method, path, user=None, data=None, **extra):
        headers = {"HTTP_ACCEPT_LANGUAGE": self.language} if self.language else {}
        if user is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.token_for(user)}"
        url = path if path.startswith("/") else f"/api/v1/{path}"
        fn = getattr(self.client, method)
        if method in ("post", "patch", "put") and not extra.get("multipart"):
            body = json.dumps(data) if data is not None else ""
            return fn(url, data=body, content_type="application/json", **headers)
        extra.pop("multipart", None)
        return fn(url, data=data, **headers, **extra)

    def get(self, path, user=None, data=None):
        return self._call("get", path, user, data)

    def post(self, path, user=None, data=None, **extra):
        return self._call("post", path, user, data, **extra)

    def patch(self, path, user=None, data=None):
        return self._call("patch", path, user, data)

    def put(self, path, user=None, data=None):
        return self._call("put", path, user, data)
