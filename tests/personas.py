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
    users = {u.username: u for u in User.objects.filter(username__in=PERSONAS)}
    orgs = {o.code: o for o in Organization.objects.all()}
    return Demo(users=users, orgs=orgs)


class ApiClient:
    """Calls /api/v1 as a given user with a real bearer token, like an outside client would."""

    def __init__(self):
        self.client = Client()
        self._tokens = {}

    def token_for(self, user) -> str:
        if user.username not in self._tokens:
            resp = self.client.post(
                "/api/v1/auth/token",
                data=json.dumps({"username": user.username, "password": settings.DEMO_PASSWORD}),
                content_type="application/json",
            )
            assert resp.status_code == 200, resp.content
            self._tokens[user.username] = resp.json()["token"]
        return self._tokens[user.username]

    def _call(self, method, path, user=None, data=None, **extra):
        headers = {}
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
