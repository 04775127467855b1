"""Every refusal of a workflow transition, by every persona, on every kind of object in every state the demo holds,
answers with the contract's status and error shape and changes nothing.

For each persona and each object (one per kind and state), the object is read through the API as that persona:
- not visible (404 on read): every transition answers exactly `404 not_found`, the same answer as for an id that
  does not exist, so a refusal never reveals that the object exists;
- visible: every transition name that is *not* in the object's `available_transitions` answers `403 forbidden`,
  `409` (the state does not allow it, with its own code) or `422` (validation) with a message, never 200 and never 500.
After each refusal the audit trail, the notifications and the object's state are unchanged; after all the refusals
of a persona every row of every table of the project's apps is as it was."""

import hashlib
import re

import pytest
from django.apps import apps

from approvals.models import Dossier
from approvals.services import TRANSITIONS as DOSSIER_TRANSITIONS
from core.management.commands.draw_architecture import PROJECT_APPS
from core.models import AuditEvent
from inspections.models import Finding, Inspection
from inspections.services import FINDING_TRANSITIONS, finding_transitions
from inspections.services import TRANSITIONS as INSPECTION_TRANSITIONS
from notifications.models import Notification
from reporting.models import Report
from reporting.services import TRANSITIONS as REPORT_TRANSITIONS
from systems_registry.models import InformationSystem
from systems_registry.services import TRANSITIONS as SYSTEM_TRANSITIONS
from tests.personas import PERSONAS

REFUSAL_STATUSES = (403, 409, 422)
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")
# (kind, model, its read path, its transition path, the names the API accepts)
KINDS = (
    ("system", InformationSystem, "systems/{id}", "systems/{id}/transitions/{name}", tuple(SYSTEM_TRANSITIONS)),
    ("dossier", Dossier, "dossiers/{id}", "dossiers/{id}/transitions/{name}", tuple(DOSSIER_TRANSITIONS)),
    (
        "inspection",
        Inspection,
        "inspections/{id}",
        "inspections/{id}/transitions/{name}",
        tuple(INSPECTION_TRANSITIONS),
    ),
    ("report", Report, "reports/{id}", "reports/{id}/transitions/{name}", tuple(REPORT_TRANSITIONS)),
)


def every_row() -> dict[str, str]:
    """A digest of every table of the project's apps (the demo's few thousand rows), by table."""
    digests = {}
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            digest = hashlib.sha256()
            names = [f.attname for f in model._meta.concrete_fields]
            for row in model.objects.order_by("pk").values_list(*names):
                digest.update(repr(row).encode())
            digests[model._meta.db_table] = digest.hexdigest()
    return digests


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(table for table in before.keys() | after.keys() if before.get(table) != after.get(table))


def trail_and_inbox() -> tuple:
    last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return last_event, Notification.objects.count()


def one_per_state(model) -> list:
    seen, picked = set(), []
    for obj in model.objects.order_by("pk"):
        if obj.status not in seen:
            seen.add(obj.status)
            picked.append(obj)
    return picked


def assert_refused(resp, where: str, *, hidden: bool):
    if hidden:
        assert resp.status_code == 404, f"{where}: {resp.status_code} for an object the persona cannot see"
        assert resp.json()["error"]["code"] == "not_found", where
        return
    assert resp.status_code in REFUSAL_STATUSES, f"{where}: {resp.status_code} {resp.content[:300]!r}"
    error = resp.json()["error"]
    assert SNAKE_CASE.match(error["code"]) and isinstance(error["details"], list), f"{where}: {error}"
    if resp.status_code == 403:
        assert error["code"] == "forbidden", f"{where}: {error}"
    assert error["message"].strip(), f"{where}: a refusal without a message"


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "admin"])
def test_every_refused_transition_answers_the_contract_and_changes_nothing(full_demo, api, persona):
    api.language = "en"
    user = getattr(full_demo, persona)
    api.token_for(user)  # signing in is audited: it happens before the sweep, not within it
    before_all = every_row()
    tried = hidden_tried = 0
    for kind, model, read, fire, names in KINDS:
        for obj in one_per_state(model):
            shown = api.get(read.format(id=obj.pk), user)
            hidden = shown.status_code == 404
            assert hidden or shown.status_code == 200, f"{persona} reading {kind} {obj.pk}: {shown.status_code}"
            allowed = set() if hidden else set(shown.json()["available_transitions"])
            for name in names:
                if name in allowed:
                    continue
                before = trail_and_inbox()
                resp = api.post(fire.format(id=obj.pk, name=name), user, {"comment": "refusal sweep"})
                where = f"{persona} {kind} {obj.pk} ({obj.status}) {name}"
                assert_refused(resp, where, hidden=hidden)
                assert trail_and_inbox() == before, f"{where}: the refusal wrote to the trail or the inbox"
                assert model.objects.get(pk=obj.pk).status == obj.status, f"{where}: the state moved"
                tried += 1
                hidden_tried += hidden
    for finding in one_per_state(Finding):
        hidden = api.get(f"inspections/{finding.inspection_id}", user).status_code == 404
        for name in FINDING_TRANSITIONS:
            if not hidden and name in finding_transitions(user, finding):
                continue
            before = trail_and_inbox()
            resp = api.post(f"findings/{finding.pk}/transitions/{name}", user, {"comment": "refusal sweep"})
            where = f"{persona} finding {finding.pk} ({finding.status}) {name}"
            assert_refused(resp, where, hidden=hidden)
            assert trail_and_inbox() == before, f"{where}: the refusal wrote to the trail or the inbox"
            assert Finding.objects.get(pk=finding.pk).status == finding.status, f"{where}: the state moved"
            tried += 1
    assert tried >= 20, f"only {tried} refusals tried for {persona}: the demo no longer holds the states"
    assert changed_tables(before_all, every_row()) == [], f"{persona}'s refusals changed rows"
    if persona == "outsider":  # an operator in another province: most of the demo is out of sight
        assert hidden_tried > tried // 2, f"the outsider saw {tried - hidden_tried} of {tried} objects' transitions"
    if persona in ("owner", "security_unit"):
        assert hidden_tried < tried, f"{persona} saw none of the demo's objects"


def test_the_sweep_sees_a_change(full_demo, api):
    """The digest is not blind: one accepted transition changes it."""
    before = every_row()
    system = InformationSystem.objects.filter(status="operating").first()
    owner = full_demo.owner
    shown = api.get(f"systems/{system.pk}", owner).json()
    assert "suspend" in shown["available_transitions"] or shown["available_transitions"], shown
    name = "suspend" if "suspend" in shown["available_transitions"] else shown["available_transitions"][0]
    resp = api.post(f"systems/{system.pk}/transitions/{name}", owner, {"comment": "sweep self-test"})
    assert resp.status_code == 200, resp.content
    assert "systems_registry_informationsystem" in changed_tables(before, every_row())
