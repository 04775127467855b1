"""Every HTML page of the URLconf costs the same number of queries with a small and a large related set: each page is
requested with 2 related rows, then with 12 (findings, results, evidence, systems, parts, dossiers, documents,
notifications, export jobs, incidents, organisations, inspectors…), and the two counts must be equal. The pages come
from the URL patterns, as in the access matrix (tests/security/test_access_matrix.py): a new route without an entry
in PAGES or NOT_PAGES fails, so a page cannot ship unwalked. A page with several related sets has one entry per set
(`name#set`).

Each walk grows its related set by copying a row the world already holds (the counts, not the rows' realism, are
under test) and checks the page shows the growth (a longer answer), so a walk that grows nothing cannot pass."""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.inspections.helpers import publish
from tests.security.test_access_matrix import _is_admin, _is_api_operation_route, url_routes
from tests.security.world import Foreign, build_foreign

SMALL, LARGE = 2, 12
_seq = itertools.count(1)


# --- growing one related set by copies of a row ------------------------------------------------------------------


def _copies(row, n: int, **fields: Callable[[int], object]) -> list:
    """`n` copies of `row` saved as new rows; each keyword is a function of a fresh number giving a field's value
    (for the unique ones)."""
    model, made = type(row), []
    for _ in range(n):
        k = next(_seq)
        values = {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields if not f.primary_key}
        values.update({name: fn(k) for name, fn in fields.items()})
        made.append(model.objects.create(**values))
    return made


def _systems(w: Foreign, n: int, **fields) -> list:
    return _copies(w.system, n, code=lambda k: f"WALK-{k}", name=lambda k: f"Walk system {k}", **fields)


def _decree_85_systems(w: Foreign, n: int) -> None:
    """Systems classified under Decree 85: each has a transitional deadline (Decree 331 Art. 39.1)."""
    _systems(w, n, regime=lambda k: "decree_85_2016", status=lambda k: "operating")


def _findings(w: Foreign, n: int) -> None:
    from inspections.models import Finding, InspectionResult

    have = Finding.objects.filter(inspection=w.inspection).values("item_id")
    rows = list(
        InspectionResult.objects.filter(inspection=w.inspection).exclude(item_id__in=have).order_by("order")[:n]
    )
    assert len(rows) == n, "the walk's checklist has too few items"
    InspectionResult.objects.filter(pk__in=[r.pk for r in rows]).update(result="not_met")
    for r in rows:
        _copies(w.finding, 1, item_id=lambda k, r=r: r.item_id, description=lambda k: f"Walk finding {k}")


def _results(w: Foreign, n: int) -> None:
    """More worksheet rows: new checklist items, each with its snapshot row."""
    from checklists.models import ChecklistItem
    from inspections.models import InspectionResult

    item = ChecklistItem.objects.get(pk=w.checklist_item_id)
    for new in _copies(item, n, code=lambda k: f"W.{k}", order=lambda k: 1000 + k):
        InspectionResult.objects.create(inspection=w.inspection, item=new, order=new.order)


def _inspections(w: Foreign, n: int) -> None:
    _copies(w.inspection, n, kind=lambda k: "ad_hoc", due_date=lambda k: date.today() + timedelta(days=k % 20))


def _system_dossiers(w: Foreign, n: int) -> None:
    _copies(w.dossier, n, status=lambda k: "withdrawn", title=lambda k: f"Walk dossier {k}")


def _assigned(w: Foreign, n: int) -> None:
    from accounts.models import Membership, Role, User
    from tests import factories

    assessor = Membership.objects.get(user=w.users["inspector"]).organization
    users = [factories.user(assessor, Role.INSPECTOR, username=f"walk-assigned-{next(_seq)}") for _ in range(n)]
    w.inspection.inspectors.add(*User.objects.filter(pk__in=[u.pk for u in users]))


def _dossiers(w: Foreign, n: int) -> None:
    # One open dossier per system: each copy on a system of its own.
    for system in _systems(w, n):
        _copies(w.dossier, 1, system_id=lambda k, s=system: s.pk, title=lambda k: f"Walk dossier {k}")


def _waiting(w: Foreign, n: int) -> None:
    from approvals.models import DossierStep

    step = DossierStep.objects.filter(dossier=w.dossier, decision__isnull=True).order_by("revision", "order").first()
    for system in _systems(w, n):
        (dossier,) = _copies(w.dossier, 1, system_id=lambda k, s=system: s.pk, title=lambda k: f"Walk dossier {k}")
        _copies(step, 1, dossier_id=lambda k, d=dossier: d.pk)


def _documents(w: Foreign, n: int) -> None:
    _copies(w.document, n, filename=lambda k: f"walk-{k}.pdf")


def _steps(w: Foreign, n: int) -> None:
    from approvals.models import DossierStep

    step = DossierStep.objects.filter(dossier=w.dossier).order_by("order").first()
    _copies(step, n, revision=lambda k: 100 + k)


def _notifications(w: Foreign, n: int) -> None:
    _copies(w.notification, n, dedup_key=lambda k: f"walk-{k}", title=lambda k: f"Walk note {k}")


def _exports(w: Foreign, n: int) -> None:
    import uuid

    _copies(w.export_job, n, id=lambda k: uuid.uuid4(), filename=lambda k: f"walk-{k}.xlsx")


def _evidence(w: Foreign, n: int) -> None:
    _copies(w.evidence, n, filename=lambda k: f"walk-evidence-{k}.pdf")


def _parts(w: Foreign, n: int) -> None:
    _systems(w, n, parent_id=lambda k: w.system.pk)


def _units(w: Foreign, n: int) -> list:
    from accounts.models import Organization
    from tests import factories

    return [
        factories.organization(Organization.Kind.UNIT, parent=w.province, name=f"Walk unit {next(_seq)}")
        for _ in range(n)
    ]


def _inspectors(w: Foreign, n: int) -> None:
    from accounts.models import Membership, Role
    from tests import factories

    assessor = Membership.objects.get(user=w.users["inspector"]).organization
    for _ in range(n):
        factories.user(assessor, Role.INSPECTOR, username=f"walk-inspector-{next(_seq)}")


def _checklists(w: Foreign, n: int) -> None:
    for _ in range(n):
        publish(level=2, sections=1, items=1)


def _items(w: Foreign, n: int) -> None:
    from checklists.models import ChecklistItem

    item = ChecklistItem.objects.get(pk=w.checklist_item_id)
    _copies(item, n, code=lambda k: f"W.{k}", order=lambda k: 1000 + k)


def _incidents(w: Foreign, n: int) -> None:
    from reporting.models import Incident

    incident = Incident.objects.get(pk=_incident(w))
    _copies(incident, n, summary=lambda k: f"Walk incident {k}")


def _incident(w: Foreign) -> int:
    from tests.security.access_registry import _incident as build

    return build(w)


def _report(w: Foreign) -> int:
    from tests.security.access_registry import _report as build

    return build(w)


def _reports(w: Foreign, n: int) -> None:
    from reporting.models import Report

    report = Report.objects.get(pk=_report(w))
    for unit in _units(w, n):
        _copies(report, 1, organization_id=lambda k, o=unit.pk: o)


def _versions(w: Foreign, n: int) -> None:
    from reporting.models import ReportVersion

    version = ReportVersion.objects.filter(report_id=_report(w)).first()
    _copies(version, n, number=lambda k: 100 + k, letter_number=lambda k: f"{k}/BC")


def _changes(w: Foreign, n: int) -> None:
    """Major changes of the foreign system, each with its follow-up tasks (the services' own path: the policy file
    decides which tasks a kind opens)."""
    from reporting import changes

    owner = w.users["owner"]
    for k in range(n):
        changes.record_change(
            actor=owner, system_id=w.system.pk, kind="function", changed_on=date.today(), description=f"Walk {k}"
        )


def _risks(w: Foreign, n: int) -> None:
    from reporting.models import RiskAssessment

    owner = w.users["owner"]
    for k in range(n):
        RiskAssessment.objects.create(
            system=w.system, trigger="authority_request", conclusion=f"Walk risk {k}", recorded_by=owner
        )


def _mapping(w: Foreign):
    """A mapping from the foreign inspection's checklist to itself (rows for the walk, not a legal judgement)."""
    from django.utils import timezone

    from checklists.models import RequirementMapping

    if not hasattr(w, "mapping"):
        checklist = w.inspection.checklist_id
        w.mapping = RequirementMapping.objects.create(
            code=f"walk-{next(_seq)}", version=1, title="Walk mapping", source_checklist_id=checklist,
            target_checklist_id=checklist, basis="walk", sha256=f"{next(_seq):064d}", published_at=timezone.now(),
        )  # fmt: skip
    return w.mapping


def _mappings(w: Foreign, n: int) -> None:
    _copies(_mapping(w), n, code=lambda k: f"walk-{k}", sha256=lambda k: f"{k:064d}")


def _pairs(w: Foreign, n: int) -> None:
    from checklists.models import ChecklistItem, MappingPair

    mapping = _mapping(w)
    item = ChecklistItem.objects.get(pk=w.checklist_item_id)
    for k, new in enumerate(_copies(item, n, code=lambda k: f"W.{k}", order=lambda k: 1000 + k)):
        MappingPair.objects.create(
            mapping=mapping, source_item=new, target_item=item, relation="equal", note=f"walk {k}", order=1000 + k
        )


def _step_holder(w: Foreign):
    """Someone holding the role the foreign dossier's current step waits for, in its organisation."""
    from approvals.models import DossierStep
    from tests import factories

    if not hasattr(w, "step_holder"):
        step = (
            DossierStep.objects.filter(dossier=w.dossier, decision__isnull=True).order_by("revision", "order").first()
        )
        w.step_holder = factories.user(step.organization, step.role, username=f"walk-holder-{next(_seq)}")
    return w.step_holder


# --- the pages -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Walk:
    path: Callable[[Foreign], str]
    grow: Callable[[Foreign, int], None]
    viewer: str | Callable = "security_unit"  # a persona of the foreign world, or who, given the world


PAGES: dict[str, Walk] = {
    "home": Walk(lambda w: "/", _findings, viewer="operator"),
    "systems:list": Walk(lambda w: "/systems/", _systems),
    "systems:create": Walk(lambda w: "/systems/new/", _units, viewer="owner"),
    "systems:transition_deadlines": Walk(lambda w: "/systems/transition/", _decree_85_systems, viewer="owner"),
    "systems:detail": Walk(lambda w: f"/systems/{w.system.pk}/", _parts),
    "systems:edit": Walk(lambda w: f"/systems/{w.system.pk}/edit/", _units, viewer="operator"),
    "inspections:list": Walk(lambda w: "/inspections/", _inspections),
    "inspections:calendar": Walk(lambda w: "/inspections/calendar/", _inspections),
    "inspections:order": Walk(lambda w: f"/inspections/new/{w.operating_system.pk}/", _inspectors),
    "inspections:findings": Walk(lambda w: "/inspections/findings/", _findings),
    "inspections:detail": Walk(lambda w: f"/inspections/{w.inspection.pk}/", _findings),
    "inspections:results": Walk(lambda w: f"/inspections/{w.inspection.pk}/results/", _results),
    "inspections:results#evidence": Walk(lambda w: f"/inspections/{w.inspection.pk}/results/", _evidence),
    "inspections:detail#inspectors": Walk(lambda w: f"/inspections/{w.inspection.pk}/", _assigned),
    "systems:detail#dossiers": Walk(lambda w: f"/systems/{w.system.pk}/", _system_dossiers),
    "inspections:finding_create": Walk(
        lambda w: f"/inspections/{w.inspection.pk}/findings/new/", _findings, viewer="inspector"
    ),
    "exports:list": Walk(lambda w: "/exports/", _exports),
    "checklists:list": Walk(lambda w: "/checklists/", _checklists),
    "checklists:detail": Walk(lambda w: f"/checklists/{w.inspection.checklist_id}/", _items),
    "approvals:list": Walk(lambda w: "/dossiers/", _dossiers),
    "approvals:waiting": Walk(lambda w: "/dossiers/waiting/", _waiting, viewer=_step_holder),
    "approvals:detail": Walk(lambda w: f"/dossiers/{w.dossier.pk}/", _documents),
    "approvals:detail#steps": Walk(lambda w: f"/dossiers/{w.dossier.pk}/", _steps),
    "notifications:inbox": Walk(lambda w: "/notifications/", _notifications),
    "dashboard:compliance": Walk(lambda w: "/dashboard/", _systems, viewer="owner"),
    "reporting:list": Walk(lambda w: "/reports/", _reports, viewer="owner"),
    "reporting:national": Walk(
        lambda w: f"/reports/national/?year=2026&level=unit&organization_id={w.province.pk}", _reports, viewer="owner"
    ),
    "reporting:detail": Walk(lambda w: f"/reports/{_report(w)}/", _versions),
    "reporting:incidents": Walk(lambda w: "/reports/incidents/", _incidents),
    "checklists:mappings": Walk(lambda w: "/checklists/mappings/", _mappings),
    "checklists:mapping": Walk(lambda w: f"/checklists/mappings/{_mapping(w).pk}/", _pairs),
    "reporting:changes": Walk(lambda w: f"/reports/systems/{w.system.pk}/changes/", _changes, viewer="owner"),
    "reporting:change_worklist": Walk(lambda w: "/reports/changes/", _changes, viewer="owner"),
    "reporting:risk": Walk(lambda w: f"/reports/systems/{w.system.pk}/risk/", _risks, viewer="owner"),
}

# Routes that are no page of related rows, and why.
NOT_PAGES: dict[str, str] = {
    "admin:login": "the admin site's sign-in form (the admin is guarded in one place, as in the access matrix)",
    "admin:logout": "the admin site's sign-out, POST",
    "exports:new": "POST-only (the export buttons sit on the list and inspection pages)",
    "approvals:create": "a form of fixed fields for one system: the required documents come from the routing file",
    "reporting:incident": "one incident and its stage reports, at most one per stage of the policy file (a fixed set)",
    "healthz": "health probe, no page",
    "readyz": "health probe, no page",
    "api:openapi-json": "the OpenAPI document (the API's lists are walked by test_query_counts.py)",
    "api:openapi-view": "the API's documentation page, static",
    "api:api-root": "the API's root, 404",
    "login": "sign-in form, no rows",
    "logout": "sign-out, POST",
    "two_factor_verify": "second-factor form, no rows",
    "two_factor_setup": "second-factor enrolment form, no rows",
    "set_language": "POST-only",
    "systems:import": "upload form, no rows",
    "systems:import_template": "a download (the import workbook)",
    "systems:import_report": "a stored report file, no database rows",
    "systems:classification_preview": "a fragment computed from its query string, no rows",
    "systems:classify": "POST-only",
    "systems:transition": "POST-only",
    "inspections:finding_transition": "POST-only",
    "inspections:evidence": "a download (one evidence file)",
    "inspections:evidence_upload": "POST-only",
    "inspections:transition": "POST-only",
    "exports:annual_report": "a download (Form 08 workbook, streamed by the export writer)",
    "exports:download": "a download (an export file)",
    "checklists:import": "upload form, no rows",
    "approvals:upload": "POST-only",
    "approvals:transition": "POST-only",
    "approvals:download": "a download (one document)",
    "approvals:designate_appraiser": "POST-only",
    "approvals:form_draft": "POST-only",
    "approvals:form_signed": "POST-only",
    "approvals:form_paper": "POST-only (the scan of a decision signed on paper)",
    "approvals:form_download": "a download (a statutory form's PDF)",
    "verify:page": "verification form, no rows",
    "verify:document": "one signed document by its short id, no related set",
    "notifications:read": "POST-only",
    "notifications:read_all": "POST-only",
    "notifications:preferences": "one row per notification kind: a fixed list in the code, not data",
    "reporting:request": "POST-only",
    "reporting:incident_record": "POST-only",
    "reporting:incident_report": "POST-only",
    "reporting:content": "POST-only",
    "reporting:transition": "POST-only",
    "reporting:form08": "a download (the frozen Form 08 workbook)",
    "reporting:risk_record": "POST-only",
    "inspections:gap_assessment": "POST-only (the button sits on the system page)",
    "reporting:risk_document": "a download (one risk-assessment report document)",
    "reporting:change_record": "POST-only",
    "reporting:tasks_sync": "POST-only",
    "reporting:task_close": "POST-only",
}


def _route_names() -> set[str]:
    return {name for name, _ in url_routes() if not _is_admin(name) and not _is_api_operation_route(name)}


def test_every_route_is_walked_or_excluded_with_a_reason():
    names = _route_names()
    walked = {key.split("#")[0] for key in PAGES}
    missing = sorted(names - walked - set(NOT_PAGES))
    assert not missing, (
        "routes neither walked nor excluded in tests/scale/test_every_page_query_counts.py: " + ", ".join(missing)
    )
    assert not walked & set(NOT_PAGES)
    stale = sorted((walked | set(NOT_PAGES)) - names)
    assert not stale, f"entries for routes that no longer exist: {stale}"
    assert all(reason.strip() for reason in NOT_PAGES.values())


def _get(client, path):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(path)
    assert resp.status_code == 200, (path, resp.status_code)
    return len(ctx.captured_queries), len(resp.content)


@pytest.fixture
def world(demo):
    # A worksheet long enough to give 12 findings their own items.
    publish(level=2, sections=1, items=SMALL + LARGE + 2)
    return build_foreign("walk")


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_costs_the_same_for_few_and_many_related_rows(world, name):
    walk = PAGES[name]
    client = Client()
    client.force_login(walk.viewer(world) if callable(walk.viewer) else world.users[walk.viewer])
    path = walk.path(world)
    walk.grow(world, SMALL)
    client.get(path)  # session, translations and caches warm
    few, few_size = _get(client, path)
    walk.grow(world, LARGE - SMALL)
    many, many_size = _get(client, path)
    assert many_size > few_size, f"{name}: the page does not show the {LARGE - SMALL} rows added"
    assert few == many, f"{name} ({path}): {few} queries with {SMALL} related rows, {many} with {LARGE}"
