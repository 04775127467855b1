"""Every action the inspection page and the system page offer is one the service accepts, and every action a service
accepts is offered: for each demo persona and each object they see, the page's flags are compared with the service
called in a savepoint that is rolled back.

A refusal about the input (a field, the items not yet assessed, the carried answers not confirmed) counts as
accepted: the button is right to be there, the page answers with what is missing."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from approvals import services as approvals
from core.errors import DomainError, Invalid
from inspections import services as inspections
from inspections.models import Inspection
from systems_registry import services as registry
from systems_registry.models import InformationSystem
from systems_registry.schemas import SystemPatch
from tests.personas import PERSONAS

pytestmark = pytest.mark.django_db

INPUT_REFUSALS = {"unanswered_items", "carried_unconfirmed"}


class _Rollback(Exception):
    pass


def accepts(call) -> bool:
    try:
        with transaction.atomic():
            call()
            raise _Rollback
    except _Rollback:
        return True
    except Invalid:
        return True
    except DomainError as exc:
        return exc.code in INPUT_REFUSALS


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    return response if response.status_code == 200 else None


def test_the_inspection_page_offers_exactly_what_the_services_accept(full_demo):
    client, mismatches, walked = Client(), [], 0
    due = timezone.localdate() + timedelta(days=30)
    inspection_ids = list(Inspection.objects.order_by("pk").values_list("pk", flat=True))
    assert inspection_ids
    for persona in PERSONAS:
        user = getattr(full_demo, persona)
        for inspection_id in inspection_ids:
            response = _page(client, user, reverse("inspections:detail", args=[inspection_id]))
            if response is None:
                continue
            walked += 1
            ctx = response.context
            offered = {f"inspection.{name}": name in ctx["transitions"] for name in inspections.TRANSITIONS}
            offered["results"] = ctx["can_fill"]
            offered["finding.create"] = ctx["may_add_finding"]
            for finding in ctx["findings"]:
                for name in inspections.FINDING_TRANSITIONS:
                    offered[f"finding.{finding.pk}.{name}"] = name in finding.actions
            for key, shown in offered.items():
                parts = key.split(".")
                if parts[0] == "inspection":
                    call = lambda n=parts[1]: inspections.transition_inspection(  # noqa: E731
                        actor=user, inspection_id=inspection_id, name=n
                    )
                elif key == "results":
                    call = lambda: inspections.save_results(actor=user, inspection_id=inspection_id, entries=[])  # noqa: E731
                elif key == "finding.create":
                    call = lambda: inspections.create_finding(  # noqa: E731
                        actor=user, inspection_id=inspection_id, item_id=0, severity="high", description="x",
                        due_date=due,
                    )  # fmt: skip
                else:
                    call = lambda f=int(parts[1]), n=parts[2]: inspections.transition_finding(  # noqa: E731
                        actor=user, finding_id=f, name=n
                    )
                if shown != accepts(call):
                    mismatches.append((persona, inspection_id, key, "shown" if shown else "hidden"))
    assert walked >= len(inspection_ids)
    assert mismatches == []


def test_the_system_page_offers_exactly_what_the_services_accept(full_demo):
    client, mismatches, walked = Client(), [], 0
    system_ids = list(InformationSystem.objects.order_by("pk").values_list("pk", flat=True))
    for persona in PERSONAS:
        user = getattr(full_demo, persona)
        for system_id in system_ids:
            response = _page(client, user, reverse("systems:detail", args=[system_id]))
            if response is None:
                continue
            walked += 1
            ctx = response.context
            listed = ctx["national_list"]["transitions"] if ctx["national_list"] else []
            offered = {name: name in ctx["transitions"] or name in listed for name in registry.TRANSITIONS}
            for name, shown in offered.items():
                call = lambda n=name: registry.transition_system(  # noqa: E731
                    actor=user, system_id=system_id, name=n, criteria=["art16_4"], decision_number="1/QĐ",
                    decision_date=timezone.localdate(),
                )  # fmt: skip
                if shown != accepts(call):
                    mismatches.append((persona, system_id, name, "shown" if shown else "hidden"))
            system = InformationSystem.objects.get(pk=system_id)
            checks = {
                "edit": (
                    ctx["can_edit"],
                    lambda: registry.update_system(actor=user, system_id=system_id, data=SystemPatch()),
                ),
                "dossier.create": (
                    ctx["can_start"],
                    lambda: approvals.create_dossier(
                        actor=user, system_id=system_id, proposed_level=system.proposed_level or 0, title="Hồ sơ"
                    ),
                ),
            }
            for key, (shown, call) in checks.items():
                if shown != accepts(call):
                    mismatches.append((persona, system_id, key, "shown" if shown else "hidden"))
    assert walked >= len(system_ids)
    assert mismatches == []
