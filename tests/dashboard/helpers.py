"""Rows the dashboard counts, written straight to the tables: these tests are about the figures, not the workflows
that produce them (those have their own tests)."""

import itertools
import re
from datetime import timedelta

from django.utils import timezone

from approvals.models import Dossier
from checklists.models import ChecklistItem
from inspections.models import Finding, Inspection
from systems_registry.models import InformationSystem
from tests.inspections.helpers import publish

_seq = itertools.count(1)
FIGURE = re.compile(r'data-figure="([a-z0-9_]+)" data-value="([^"]*)"')


def new_system(
    demo, *, owner="QNI", operator="QNI-TTCDS", security_unit="QNI-SKHCN", status="planned", level=3, **fields
):
    n = next(_seq)
    return InformationSystem.objects.create(
        code=f"DASH-{n}", name=f"Dashboard system {n}", owner=demo.org(owner), operator=demo.org(operator),
        security_unit=demo.org(security_unit), regime="decree_331_2026", system_type="internal", status=status,
        proposed_level=level, **fields,
    )  # fmt: skip


def approve(system, level=None):
    dossier = Dossier.objects.create(
        system=system,
        proposed_level=level or system.proposed_level,
        regime=system.regime,
        title=f"Dossier of {system.code}",
    )
    InformationSystem.objects.filter(pk=system.pk).update(
        approved_dossier_id=dossier.pk, approved_level=level or system.proposed_level
    )


def checklist():
    return publish(kind="periodic", level=3)


def inspection(system, template, *, due_in_days: int, kind="pre_operation", status="scheduled"):
    today = timezone.localdate()
    due = today + timedelta(days=due_in_days)
    return Inspection.objects.create(
        system=system,
        kind=kind,
        checklist=template,
        status=status,
        scheduled_for=due - timedelta(days=30),
        due_date=due,
    )


def finding(inspection_row, severity, status="open"):
    item = ChecklistItem.objects.filter(template=inspection_row.checklist).first()
    return Finding.objects.create(
        inspection=inspection_row, system=inspection_row.system, item=item, severity=severity, description="x",
        due_date=timezone.localdate() + timedelta(days=30), responsible_org=inspection_row.system.operator, status=status,
    )  # fmt: skip


def figures_in_html(html: str) -> dict[str, str]:
    return dict(FIGURE.findall(html))
