"""Every route × every persona × another jurisdiction's objects: 404 (or 403 where visible but not allowed), and
no foreign name in any answer. A route without an entry in tests/security/access_registry.py fails the test."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from config.api import api as ninja_api
from tests.personas import ApiClient
from tests.security import access_registry as registry
from tests.security.world import build_foreign

PERSONAS = ("operator", "security_unit", "owner", "authority", "inspector", "auditor", "outsider")


def url_routes():
    """(name, route text) of every URL pattern, namespaces included; the API's own are listed by operation."""
    found = []

    def walk(patterns, prefix="", ns=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), ns + (f"{p.namespace}:" if p.namespace else ""))
            elif isinstance(p, URLPattern):
                found.append(
                    (f"{ns}{p.name}" if p.name else f"{ns}<unnamed {prefix}{p.pattern}>", prefix + str(p.pattern))
                )

    walk(get_resolver().url_patterns)
    return found


def api_operations():
    schema = ninja_api.get_openapi_schema()
    return [f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops]


def _is_admin(name):
    return name.startswith("admin:") and name not in registry.HTML


def _is_api_operation_route(name):
    return name.startswith("api:") and name not in registry.HTML


def missing_entries() -> list[str]:
    missing = [
        name
        for name, _ in url_routes()
        if not _is_admin(name) and not _is_api_operation_route(name) and name not in registry.HTML
    ]
    missing += [op for op in api_operations() if op not in registry.API]
    return sorted(set(missing))


def test_every_route_and_api_operation_has_a_probe():
    missing = missing_entries()
    assert not missing, "routes without an access probe in tests/security/access_registry.py: " + ", ".join(missing)


def test_registry_has_no_stale_entries():
    names = {name for name, _ in url_routes()}
    ops = set(api_operations())
    stale = [k for k in registry.HTML if k.split("#")[0] not in names]
    stale += [k for k in registry.API if k.split("#")[0] not in ops]
    assert not stale, f"probes for routes that no longer exist: {stale}"


def _admin_url(route: str, foreign) -> str:
    import re

    route = route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<app_label>[^)]*\)", "accounts", route)
    route = re.sub(r"\(\?P<url>[^)]*\)", "nothing/", route)
    return "/" + re.sub(r"<[^>]+>", str(foreign.system.pk), route)


def _content(resp) -> bytes:
    if getattr(resp, "streaming", False):
        return b"".join(resp.streaming_content)
    return resp.content


def call(client, probe, foreign, *, bearer=None):
    url = probe.url(foreign) if callable(probe.url) else probe.url
    body = probe.body(foreign) if probe.body else None
    headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"} if bearer else {}
    fn = getattr(client, probe.method)
    if probe.method == "get":
        return url, fn(url, **headers)
    if probe.multipart or not url.startswith("/api/"):
        return url, fn(url, data=body or {}, **headers)
    import json

    return url, fn(url, data=json.dumps(body) if body is not None else "", content_type="application/json", **headers)


def check(persona, key, probe, url, resp, foreign) -> list[str]:
    problems = []
    if resp.status_code not in probe.expect or resp.status_code >= 500:
        problems.append(
            f"{persona} {key} {probe.method.upper()} {url}: {resp.status_code}, expected {sorted(probe.expect)}"
        )
    content = _content(resp)
    leaks = [foreign.marker.encode()] + [u.username.encode() for u in foreign.users.values()]
    if any(leak in content for leak in leaks):
        problems.append(f"{persona} {key} {url}: the answer contains a foreign name")
    if probe.after:
        try:
            probe.after(foreign)
        except AssertionError as exc:
            problems.append(f"{persona} {key} {url}: {exc}")
    return problems


@pytest.fixture
def foreign(demo):
    return build_foreign()


def run_matrix(demo, foreign, personas=PERSONAS) -> tuple[int, list[str]]:
    api = ApiClient()
    admin_routes = [(name, route) for name, route in url_routes() if _is_admin(name)]
    probes, problems = 0, []
    for persona in personas:
        user = getattr(demo, persona)
        client = Client()
        client.force_login(user)
        for key, probe in registry.HTML.items():
            url, resp = call(client, probe, foreign)
            problems += check(persona, key, probe, url, resp, foreign)
            probes += 1
        for name, route in admin_routes:
            url = _admin_url(route, foreign)
            if name in ("admin:login", "admin:logout"):  # sign-in pages: open, probed with the others below
                continue
            resp = client.get(url)
            if resp.status_code != 302 or "/admin/login/" not in resp["Location"]:
                problems.append(
                    f"{persona} {name} GET {url}: {resp.status_code}, expected a redirect to the admin sign-in"
                )
            probes += 1
        token = api.token_for(user)
        bare = Client()
        for key, probe in registry.API.items():
            url, resp = call(bare, probe, foreign, bearer=token)
            problems += check(persona, key, probe, url, resp, foreign)
            probes += 1
    return probes, problems


def test_no_persona_reaches_another_jurisdictions_objects(demo, foreign):
    probes, problems = run_matrix(demo, foreign)
    assert probes > 7 * 150
    assert not problems, f"{len(problems)} of {probes} probes failed:\n" + "\n".join(problems)


def test_the_probe_can_fail_the_foreign_owner_sees_their_own_objects(demo, foreign):
    """The same probes, run as the foreign province's own security unit, do reach the objects: the 404s above come
    from jurisdiction, not from broken URLs."""
    client = Client()
    client.force_login(foreign.users["security_unit"])
    reached = []
    for key in ("systems:detail", "inspections:detail", "approvals:detail"):
        probe = registry.HTML[key]
        _url, resp = call(client, probe, foreign)
        reached.append((key, resp.status_code, foreign.marker.encode() in resp.content))
    assert reached == [(k, 200, True) for k in ("systems:detail", "inspections:detail", "approvals:detail")]
