"""How to probe every route with another jurisdiction's objects, and what the answer must be.

Keys: HTML routes by URL name (`namespace:name`), API operations by `METHOD /api/v1/path` as in the OpenAPI
document. The matrix test fails for any route without an entry, so a new route cannot ship unprobed.

scope:
- "object": the URL (or body) names a foreign object; the answer must be in `expect` (404: not visible, which
  never reveals existence; 403 only where the object is visible but the action is not allowed).
- "list": no object in the URL; any answer but a server error, and the foreign objects must not appear.
- "open": not jurisdiction-bound (sign-in pages, public catalogues, health); must not error or leak either.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from tests import factories


@dataclass(frozen=True)
class Probe:
    url: Callable | str
    method: str = "get"
    scope: str = "object"
    expect: frozenset = frozenset({404})
    body: Callable | None = None
    multipart: bool = False
    after: Callable | None = field(default=None, compare=False)  # extra check on the foreign world after the call


NOT_FOUND = frozenset({404})
LIST_OK = frozenset({200, 302, 403, 405})
OPEN_OK = frozenset({200, 201, 302, 400, 401, 403, 405, 409, 422, 429})


def obj(url, method="get", **kw) -> Probe:
    return Probe(url=url, method=method, **kw)


def lst(url, method="get", **kw) -> Probe:
    return Probe(url=url, method=method, scope="list", expect=kw.pop("expect", LIST_OK), **kw)


def opn(url, method="get", **kw) -> Probe:
    return Probe(url=url, method=method, scope="open", expect=kw.pop("expect", OPEN_OK), **kw)


def _pdf(name="probe.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, factories.pdf_bytes("probe"), content_type="application/pdf")


def _transition(_f):
    return {"comment": "probe"}


def _unread(f):
    from notifications.models import Notification

    assert Notification.objects.get(pk=f.notification.pk).read_at is None, "a foreign notification was marked read"


def _report(f) -> int:
    """The foreign security unit's report to its province, submitted (so a frozen Form 08 exists); built once."""
    if not hasattr(f, "report_id"):
        from reporting import services as reporting
        from reporting.models import Report

        reporting.open_year(year=2026)
        report = Report.objects.get(year=2026, kind="annual", level="unit", organization__code=f"{f.province.code}-SEC")
        reporting.transition_report(actor=f.users["security_unit"], report_id=report.pk, name="submit")
        f.report_id = report.pk
    return f.report_id


def _report_unchanged(f):
    from reporting.models import Report

    report = Report.objects.get(pk=_report(f))
    assert (report.status, report.roadmap_note) == ("submitted", ""), "a foreign report was changed"


def _incident(f) -> int:
    """A serious incident on the foreign operating system, recorded by its operator; built once."""
    if not hasattr(f, "incident_id"):
        from django.utils import timezone

        from reporting import incidents

        f.incident_id = incidents.record_incident(actor=f.users["operator"], system_id=f.operating_system.pk, occurred_at=timezone.now(),
                                                  summary=f"{f.marker} incident").pk  # fmt: skip
    return f.incident_id


def _incident_unreported(f):
    from reporting.models import Incident

    assert Incident.objects.get(pk=_incident(f)).status == "recorded", "a foreign incident was reported by an outsider"


def _no_foreign_incident(f):
    from reporting.models import Incident

    assert not Incident.objects.filter(system=f.operating_system, summary="probe").exists(), (
        "an incident was recorded on a foreign system"
    )


def _change(f) -> int:
    """A change (not major: one risk-assessment task) of the foreign operating system, recorded by its operator."""
    if not hasattr(f, "change_id"):
        from django.utils import timezone

        from reporting import changes

        f.change_id = changes.record_change(actor=f.users["operator"], system_id=f.operating_system.pk, kind="users",
                                            changed_on=timezone.localdate(), description=f"{f.marker} change").pk  # fmt: skip
    return f.change_id


def _task(f) -> int:
    from reporting.models import FollowUpTask

    return FollowUpTask.objects.filter(change_id=_change(f)).values_list("pk", flat=True).first()


def _risk(f) -> int:
    """A risk assessment of the foreign operating system, recorded by its operator; built once."""
    if not hasattr(f, "risk_id"):
        from reporting import changes

        f.risk_id = changes.record_risk_assessment(actor=f.users["operator"], system_id=f.operating_system.pk,
                                                   trigger="authority_request", conclusion=f"{f.marker} risk").pk  # fmt: skip
    return f.risk_id


def _no_foreign_change(f):
    from reporting.models import RiskAssessment, SystemChange

    assert not SystemChange.objects.filter(system=f.operating_system, description="probe").exists(), (
        "a change was recorded on a foreign system"
    )
    assert not RiskAssessment.objects.filter(system=f.operating_system, conclusion="probe").exists(), (
        "a risk assessment was recorded on a foreign system"
    )


def _task_open(f):
    from reporting.models import FollowUpTask

    # A foreign risk assessment (_risk) may have met it; only closing by hand is what a probe could do.
    assert FollowUpTask.objects.get(pk=_task(f)).status != "closed", "a foreign follow-up task was closed"


def _risk_without_document(f):
    from reporting.models import RiskAssessment

    assert not RiskAssessment.objects.get(pk=_risk(f)).document, "a document was attached to a foreign assessment"


def _no_new_foreign_system(f):
    from systems_registry.models import InformationSystem

    assert not InformationSystem.objects.filter(owner=f.province, name__startswith="probe").exists()


def _no_new_foreign_inspection(f):
    from inspections.models import Inspection

    assert list(Inspection.objects.filter(system=f.operating_system).values_list("id", flat=True)) == [
        f.inspection.pk
    ], "an inspection was ordered on a foreign system"


HTML: dict[str, Probe] = {
    "healthz": opn("/healthz"),
    "api:openapi-json": opn("/api/v1/openapi.json"),
    "api:openapi-view": opn("/api/v1/docs"),
    "api:api-root": opn("/api/v1/", expect=frozenset({404})),
    "readyz": opn("/readyz", expect=frozenset({200, 503})),
    "home": lst("/"),
    "login": opn("/login/"),
    "logout": opn("/logout/"),
    "admin:login": opn("/admin/login/"),
    "admin:logout": opn("/admin/logout/", expect=frozenset({302, 405})),  # GET: 405, never signs the prober out
    "set_language": opn("/language/"),
    "two_factor_verify": opn("/accounts/two-factor/verify/"),
    "two_factor_setup": opn("/accounts/two-factor/setup/"),
    # registry
    "systems:list": lst("/systems/"),
    "systems:transition_deadlines": lst("/systems/transition/"),
    "systems:create": lst("/systems/new/"),
    "systems:import": lst("/systems/import/"),
    "systems:import_template": opn("/systems/import/template/"),
    "systems:import_report": obj(lambda f: f"/systems/import/reports/{f.import_token}/"),
    "systems:classification_preview": opn("/systems/classification-preview/"),
    "systems:detail": obj(lambda f: f"/systems/{f.system.pk}/"),
    "systems:edit": obj(lambda f: f"/systems/{f.system.pk}/edit/"),
    "systems:edit#post": obj(lambda f: f"/systems/{f.system.pk}/edit/", "post", body=lambda f: {"name": "probe"}),
    "systems:classify": obj(lambda f: f"/systems/{f.system.pk}/classify/", "post"),
    "systems:transition": obj(
        lambda f: f"/systems/{f.operating_system.pk}/transitions/suspend/", "post", body=_transition
    ),
    # approvals
    "approvals:list": lst("/dossiers/"),
    "approvals:waiting": lst("/dossiers/waiting/"),
    "approvals:create": obj(lambda f: f"/dossiers/new/{f.system.pk}/"),
    "approvals:create#post": obj(
        lambda f: f"/dossiers/new/{f.system.pk}/", "post", body=lambda f: {"title": "probe", "proposed_level": 2}
    ),
    "approvals:detail": obj(lambda f: f"/dossiers/{f.dossier.pk}/"),
    "approvals:upload": obj(
        lambda f: f"/dossiers/{f.dossier.pk}/documents/",
        "post",
        body=lambda f: {"kind": "other", "file": _pdf()},
        multipart=True,
    ),
    "approvals:transition": obj(lambda f: f"/dossiers/{f.dossier.pk}/transitions/withdraw/", "post", body=_transition),
    "approvals:transition#approve": obj(
        lambda f: f"/dossiers/{f.dossier.pk}/transitions/approve/", "post", body=_transition
    ),
    "approvals:designate_appraiser": obj(
        lambda f: f"/dossiers/{f.dossier.pk}/independent-appraiser/",
        "post",
        body=lambda f: {
            "kind": "unit",
            "organization_id": f.province.pk,
            "decision_number": "1/QĐ",
            "decision_date": "2026-01-01",
        },
    ),
    "approvals:download": obj(lambda f: f"/dossiers/documents/{f.document.pk}/download/"),
    "approvals:form_draft": obj(
        lambda f: f"/dossiers/{f.dossier.pk}/forms/06/draft/", "post", body=lambda f: {"signer_title": "probe"}
    ),
    "approvals:form_signed": obj(
        lambda f: f"/dossiers/{f.dossier.pk}/forms/06/signed/", "post", body=lambda f: {"file": _pdf()}, multipart=True
    ),
    "approvals:form_paper": obj(
        lambda f: f"/dossiers/{f.dossier.pk}/forms/06/paper/", "post", body=lambda f: {"file": _pdf()}, multipart=True
    ),
    "approvals:form_download": obj(lambda f: f"/dossiers/{f.dossier.pk}/forms/06/pdf/"),
    "verify:page": opn("/verify/"),
    "verify:document": opn("/verify/ABCD-EFGH-JKLM"),
    # checklists: one national catalogue, not jurisdiction-bound
    "checklists:list": opn("/checklists/"),
    "checklists:import": opn("/checklists/import/"),
    "checklists:detail": opn(lambda f: f"/checklists/{f.inspection.checklist_id}/"),
    "checklists:mappings": opn("/checklists/mappings/"),
    "checklists:mapping": opn("/checklists/mappings/1/", expect=OPEN_OK | NOT_FOUND),
    "inspections:gap_assessment": obj(
        lambda f: f"/inspections/gap/{f.operating_system.pk}/", "post", after=_no_new_foreign_inspection
    ),
    # inspections
    "inspections:list": lst("/inspections/"),
    "inspections:calendar": lst("/inspections/calendar/"),
    "inspections:findings": lst("/inspections/findings/"),
    "inspections:order": obj(lambda f: f"/inspections/new/{f.operating_system.pk}/"),
    "inspections:order#post": obj(
        lambda f: f"/inspections/new/{f.operating_system.pk}/",
        "post",
        after=_no_new_foreign_inspection,
        body=lambda f: {
            "kind": "ad_hoc",
            "trigger": "authority_request",
            "scheduled_for": "2026-12-01",
            "inspectors": [f.users["inspector"].pk],
        },
    ),
    "inspections:finding_transition": obj(
        lambda f: f"/inspections/findings/{f.finding.pk}/transitions/resolve/", "post", body=_transition
    ),
    "inspections:evidence": obj(lambda f: f"/inspections/evidence/{f.evidence.pk}/"),
    "inspections:detail": obj(lambda f: f"/inspections/{f.inspection.pk}/"),
    "inspections:results": obj(lambda f: f"/inspections/{f.inspection.pk}/results/"),
    "inspections:finding_create": obj(lambda f: f"/inspections/{f.inspection.pk}/findings/new/"),
    "inspections:finding_create#post": obj(
        lambda f: f"/inspections/{f.inspection.pk}/findings/new/",
        "post",
        body=lambda f: {
            "item_id": f.checklist_item_id,
            "severity": "high",
            "description": "probe",
            "due_date": "2030-01-01",
        },
    ),
    "inspections:results#post": obj(
        lambda f: f"/inspections/{f.inspection.pk}/results/",
        "post",
        body=lambda f: {f"result_{f.checklist_item_id}": "met"},
    ),
    "inspections:evidence_upload": obj(
        lambda f: f"/inspections/{f.inspection.pk}/evidence/",
        "post",
        body=lambda f: {"item_id": f.checklist_item_id, "file": _pdf()},
        multipart=True,
    ),
    "inspections:transition": obj(
        lambda f: f"/inspections/{f.inspection.pk}/transitions/cancel/", "post", body=_transition
    ),
    # exports
    "exports:list": lst("/exports/"),
    "exports:new": lst("/exports/new/"),
    "exports:new#post": obj(
        "/exports/new/",
        "post",
        body=lambda f: {"kind": "inspection", "inspection_id": f.inspection.pk},
        expect=frozenset({200, 302, 403, 404, 422}),
    ),
    "exports:annual_report": obj(
        lambda f: f"/exports/annual-report/?owner_id={f.province.pk}&year=2026", expect=frozenset({200, 403, 404})
    ),
    "exports:download": obj(lambda f: f"/exports/{f.export_job.pk}/download/"),
    # reporting
    "reporting:list": lst("/reports/"),
    "reporting:national": lst("/reports/national/"),
    "reporting:request": lst(
        "/reports/request/",
        "post",
        body=lambda f: {"owner_ids": [f.province.pk], "subject": "probe", "due_date": "2099-01-01"},
    ),
    "reporting:detail": obj(lambda f: f"/reports/{_report(f)}/"),
    "reporting:content": obj(
        lambda f: f"/reports/{_report(f)}/content/",
        "post",
        body=lambda f: {"roadmap_note": "probe"},
        after=_report_unchanged,
    ),
    "reporting:transition": obj(
        lambda f: f"/reports/{_report(f)}/transitions/accept/", "post", body=_transition, after=_report_unchanged
    ),
    "reporting:form08": obj(lambda f: f"/reports/{_report(f)}/versions/1/form08.xlsx"),
    "reporting:incidents": lst("/reports/incidents/"),
    "reporting:incident_record": obj(
        "/reports/incidents/new/",
        "post",
        expect=frozenset({404}),
        after=_no_foreign_incident,
        body=lambda f: {"system_id": f.operating_system.pk, "occurred_at": "2026-12-01T08:00", "summary": "probe"},
    ),
    "reporting:incident": obj(lambda f: f"/reports/incidents/{_incident(f)}/"),
    "reporting:incident_report": obj(
        lambda f: f"/reports/incidents/{_incident(f)}/reports/initial/",
        "post",
        body=lambda f: {"text": "probe"},
        after=_incident_unreported,
    ),
    "reporting:change_worklist": lst("/reports/changes/"),
    "reporting:changes": obj(lambda f: f"/reports/systems/{f.operating_system.pk}/changes/"),
    "reporting:change_record": obj(
        lambda f: f"/reports/systems/{f.operating_system.pk}/changes/new/",
        "post",
        after=_no_foreign_change,
        body=lambda f: {"kind": "technology", "changed_on": "2026-12-01", "description": "probe"},
    ),
    "reporting:tasks_sync": obj(lambda f: f"/reports/systems/{f.operating_system.pk}/changes/check/", "post"),
    "reporting:task_close": obj(
        lambda f: f"/reports/tasks/{_task(f)}/close/", "post", body=lambda f: {"comment": "probe"}, after=_task_open
    ),
    "reporting:risk": obj(lambda f: f"/reports/systems/{f.operating_system.pk}/risk/"),
    "reporting:risk_record": obj(
        lambda f: f"/reports/systems/{f.operating_system.pk}/risk/new/",
        "post",
        after=_no_foreign_change,
        body=lambda f: {"trigger": "authority_request", "conclusion": "probe"},
    ),
    "reporting:risk_document": obj(lambda f: f"/reports/risk-assessments/{_risk(f)}/document/"),
    # notifications
    "notifications:inbox": lst("/notifications/"),
    "notifications:read": obj(lambda f: f"/notifications/{f.notification.pk}/read/", "post", after=_unread),
    "notifications:read_all": lst("/notifications/read-all/", "post", after=_unread),
    "notifications:preferences": lst("/notifications/preferences/"),
    # dashboard
    "dashboard:compliance": lst("/dashboard/"),
}

# The admin site is guarded in one place (AdminSite.admin_view): no demo persona is staff, so every admin page,
# with or without a foreign object id, sends them to the admin sign-in.
ADMIN = Probe(url="", scope="object", expect=frozenset({302}))


API: dict[str, Probe] = {
    "POST /api/v1/auth/token": opn(
        "/api/v1/auth/token", "post", body=lambda f: {"username": f.users["operator"].username, "password": "wrong"}
    ),
    "GET /api/v1/me": lst("/api/v1/me"),
    "GET /api/v1/organizations": lst("/api/v1/organizations"),
    "GET /api/v1/users": lst("/api/v1/users"),
    "GET /api/v1/users#foreign-org": obj(
        lambda f: f"/api/v1/users?organization_id={f.province.pk}", expect=frozenset({200})
    ),
    "GET /api/v1/systems": lst("/api/v1/systems?page_size=500"),
    # Items carry only system ids: tests/systems_registry/test_transition.py shows an outsider gets none.
    "GET /api/v1/transition": lst("/api/v1/transition?page_size=500"),
    "POST /api/v1/systems": obj(
        "/api/v1/systems",
        "post",
        expect=frozenset({403, 404, 422}),
        after=_no_new_foreign_system,
        body=lambda f: {
            "code": "PROBE-1",
            "name": "probe",
            "owner_id": f.province.pk,
            "operator_id": f.province.pk,
            "security_unit_id": f.province.pk,
            "system_type": "internal",
            "info_types": ["personal"],
            "regime": "decree_331_2026",
        },
    ),
    "GET /api/v1/systems/{system_id}": obj(lambda f: f"/api/v1/systems/{f.system.pk}"),
    "PATCH /api/v1/systems/{system_id}": obj(
        lambda f: f"/api/v1/systems/{f.system.pk}", "patch", body=lambda f: {"name": "probe"}
    ),
    "POST /api/v1/systems/{system_id}/classify": obj(
        lambda f: f"/api/v1/systems/{f.system.pk}/classify", "post", body=lambda f: {}
    ),
    "POST /api/v1/systems/{system_id}/transitions/{name}": obj(
        lambda f: f"/api/v1/systems/{f.operating_system.pk}/transitions/suspend", "post", body=_transition
    ),
    "POST /api/v1/systems/{system_id}/dossiers": obj(
        lambda f: f"/api/v1/systems/{f.system.pk}/dossiers",
        "post",
        body=lambda f: {"proposed_level": 2, "title": "probe"},
    ),
    "GET /api/v1/dossiers": lst("/api/v1/dossiers?page_size=500"),
    "GET /api/v1/dossiers/{dossier_id}": obj(lambda f: f"/api/v1/dossiers/{f.dossier.pk}"),
    "POST /api/v1/dossiers/{dossier_id}/documents": obj(
        lambda f: f"/api/v1/dossiers/{f.dossier.pk}/documents",
        "post",
        body=lambda f: {"kind": "other", "file": _pdf()},
        multipart=True,
    ),
    "GET /api/v1/documents/{document_id}/download": obj(lambda f: f"/api/v1/documents/{f.document.pk}/download"),
    "POST /api/v1/dossiers/{dossier_id}/transitions/{name}": obj(
        lambda f: f"/api/v1/dossiers/{f.dossier.pk}/transitions/approve", "post", body=_transition
    ),
    "GET /api/v1/dossiers/{dossier_id}/history": obj(lambda f: f"/api/v1/dossiers/{f.dossier.pk}/history"),
    "POST /api/v1/systems/{system_id}/independent-appraiser": obj(
        lambda f: f"/api/v1/systems/{f.system.pk}/independent-appraiser",
        "post",
        body=lambda f: {
            "kind": "unit",
            "organization_id": f.province.pk,
            "decision_number": "1/QĐ",
            "decision_date": "2026-01-01",
        },
    ),
    "GET /api/v1/dossiers/{dossier_id}/forms": obj(lambda f: f"/api/v1/dossiers/{f.dossier.pk}/forms"),
    "POST /api/v1/dossiers/{dossier_id}/forms/{form}/draft": obj(
        lambda f: f"/api/v1/dossiers/{f.dossier.pk}/forms/06/draft", "post", body=lambda f: {}
    ),
    "GET /api/v1/dossiers/{dossier_id}/forms/{form}": obj(lambda f: f"/api/v1/dossiers/{f.dossier.pk}/forms/06"),
    "POST /api/v1/dossiers/{dossier_id}/forms/{form}/signed": obj(
        lambda f: f"/api/v1/dossiers/{f.dossier.pk}/forms/06/signed",
        "post",
        body=lambda f: {"file": _pdf()},
        multipart=True,
    ),
    "POST /api/v1/dossiers/{dossier_id}/forms/{form}/paper": obj(
        lambda f: f"/api/v1/dossiers/{f.dossier.pk}/forms/06/paper",
        "post",
        body=lambda f: {"file": _pdf()},
        multipart=True,
    ),
    "GET /api/v1/verify/{short_id}": opn("/api/v1/verify/ABCD-EFGH-JKLM"),
    "POST /api/v1/verify": opn("/api/v1/verify", "post", body=lambda f: {"file": _pdf()}, multipart=True),
    "GET /api/v1/checklists": opn("/api/v1/checklists"),
    "POST /api/v1/checklists/import": opn(
        "/api/v1/checklists/import", "post", body=lambda f: {"file": _pdf("x.json")}, multipart=True
    ),
    "GET /api/v1/checklists/{checklist_id}": opn(lambda f: f"/api/v1/checklists/{f.inspection.checklist_id}"),
    "GET /api/v1/checklists/mappings": opn("/api/v1/checklists/mappings"),
    "GET /api/v1/checklists/mappings/{mapping_id}": opn("/api/v1/checklists/mappings/1", expect=OPEN_OK | NOT_FOUND),
    "POST /api/v1/systems/{system_id}/gap-assessments": obj(
        lambda f: f"/api/v1/systems/{f.operating_system.pk}/gap-assessments", "post", after=_no_new_foreign_inspection
    ),
    "GET /api/v1/checklists/{checklist_id}/oscal": opn(
        lambda f: f"/api/v1/checklists/{f.inspection.checklist_id}/oscal"
    ),
    "GET /api/v1/systems/{system_id}/oscal/ssp": obj(lambda f: f"/api/v1/systems/{f.system.pk}/oscal/ssp"),
    "GET /api/v1/systems/{system_id}/oscal/poam": obj(lambda f: f"/api/v1/systems/{f.system.pk}/oscal/poam"),
    "GET /api/v1/inspections/{inspection_id}/oscal/assessment-results": obj(
        lambda f: f"/api/v1/inspections/{f.inspection.pk}/oscal/assessment-results"
    ),
    "GET /api/v1/inspections": lst("/api/v1/inspections?page_size=500"),
    "POST /api/v1/systems/{system_id}/inspections": obj(
        lambda f: f"/api/v1/systems/{f.operating_system.pk}/inspections",
        "post",
        body=lambda f: {
            "kind": "ad_hoc",
            "trigger": "authority_request",
            "scheduled_for": "2026-12-01",
            "inspector_ids": [],
        },
    ),
    "GET /api/v1/inspections/{inspection_id}": obj(lambda f: f"/api/v1/inspections/{f.inspection.pk}"),
    "PUT /api/v1/inspections/{inspection_id}/results": obj(
        lambda f: f"/api/v1/inspections/{f.inspection.pk}/results",
        "put",
        body=lambda f: [{"item_id": f.checklist_item_id, "result": "met", "note": ""}],
    ),
    "POST /api/v1/inspections/{inspection_id}/transitions/{name}": obj(
        lambda f: f"/api/v1/inspections/{f.inspection.pk}/transitions/cancel", "post", body=_transition
    ),
    "POST /api/v1/inspections/{inspection_id}/inspectors": obj(
        lambda f: f"/api/v1/inspections/{f.inspection.pk}/inspectors",
        "post",
        body=lambda f: {"inspector_ids": [f.users["inspector"].pk]},
    ),
    "GET /api/v1/inspections/{inspection_id}/findings": obj(
        lambda f: f"/api/v1/inspections/{f.inspection.pk}/findings"
    ),
    "POST /api/v1/inspections/{inspection_id}/findings": obj(
        lambda f: f"/api/v1/inspections/{f.inspection.pk}/findings",
        "post",
        body=lambda f: {
            "item_id": f.checklist_item_id,
            "severity": "low",
            "description": "probe",
            "due_date": "2027-01-01",
        },
    ),
    "GET /api/v1/findings": lst("/api/v1/findings?page_size=500"),
    "POST /api/v1/findings/{finding_id}/transitions/{name}": obj(
        lambda f: f"/api/v1/findings/{f.finding.pk}/transitions/resolve", "post", body=_transition
    ),
    "POST /api/v1/inspections/{inspection_id}/evidence": obj(
        lambda f: f"/api/v1/inspections/{f.inspection.pk}/evidence",
        "post",
        body=lambda f: {"item_id": f.checklist_item_id, "file": _pdf()},
        multipart=True,
    ),
    "POST /api/v1/imports/systems": opn(
        "/api/v1/imports/systems", "post", body=lambda f: {"file": _pdf("x.xlsx")}, multipart=True
    ),
    "GET /api/v1/imports/systems/template": opn("/api/v1/imports/systems/template"),
    "GET /api/v1/imports/systems/reports/{token}": obj(lambda f: f"/api/v1/imports/systems/reports/{f.import_token}"),
    "GET /api/v1/notifications": lst("/api/v1/notifications"),
    "POST /api/v1/notifications/{notification_id}/read": obj(
        lambda f: f"/api/v1/notifications/{f.notification.pk}/read", "post", after=_unread
    ),
    "GET /api/v1/dashboard/compliance": lst("/api/v1/dashboard/compliance"),
    "GET /api/v1/dashboard/compliance#foreign-owner": obj(
        lambda f: f"/api/v1/dashboard/compliance?owner_id={f.province.pk}", expect=frozenset({200, 403, 404})
    ),
    "POST /api/v1/exports": obj(
        "/api/v1/exports", "post", body=lambda f: {"kind": "inspection", "params": {"inspection_id": f.inspection.pk}}
    ),
    "POST /api/v1/exports#annual": obj(
        "/api/v1/exports",
        "post",
        expect=frozenset({403, 404}),
        body=lambda f: {"kind": "annual_report", "params": {"owner_id": f.province.pk, "year": 2026}},
    ),
    "POST /api/v1/exports#findings": obj(
        "/api/v1/exports", "post", body=lambda f: {"kind": "findings", "params": {"system_id": f.operating_system.pk}}
    ),
    "GET /api/v1/reports": lst("/api/v1/reports?page_size=500"),
    "POST /api/v1/reports": obj(
        "/api/v1/reports", "post", body=lambda f: {"year": 2026, "organization_id": f.province.pk}
    ),
    "GET /api/v1/reports/{report_id}": obj(lambda f: f"/api/v1/reports/{_report(f)}"),
    "PATCH /api/v1/reports/{report_id}": obj(
        lambda f: f"/api/v1/reports/{_report(f)}",
        "patch",
        body=lambda f: {"roadmap_note": "probe"},
        after=_report_unchanged,
    ),
    "POST /api/v1/reports/{report_id}/transitions/{name}": obj(
        lambda f: f"/api/v1/reports/{_report(f)}/transitions/accept", "post", body=_transition, after=_report_unchanged
    ),
    "GET /api/v1/reports/{report_id}/form08": obj(lambda f: f"/api/v1/reports/{_report(f)}/form08"),
    "POST /api/v1/systems/{system_id}/incidents": obj(
        lambda f: f"/api/v1/systems/{f.operating_system.pk}/incidents",
        "post",
        after=_no_foreign_incident,
        body=lambda f: {"occurred_at": "2026-12-01T08:00:00+07:00", "summary": "probe"},
    ),
    "POST /api/v1/systems/{system_id}/changes": obj(
        lambda f: f"/api/v1/systems/{f.operating_system.pk}/changes",
        "post",
        after=_no_foreign_change,
        body=lambda f: {"kind": "technology", "changed_on": "2026-12-01", "description": "probe"},
    ),
    "GET /api/v1/systems/{system_id}/changes": obj(lambda f: f"/api/v1/systems/{f.operating_system.pk}/changes"),
    "GET /api/v1/follow-up-tasks": lst("/api/v1/follow-up-tasks?page_size=500"),
    "POST /api/v1/follow-up-tasks/{task_id}/close": obj(
        lambda f: f"/api/v1/follow-up-tasks/{_task(f)}/close",
        "post",
        body=lambda f: {"comment": "probe"},
        after=_task_open,
    ),
    "POST /api/v1/systems/{system_id}/risk-assessments": obj(
        lambda f: f"/api/v1/systems/{f.operating_system.pk}/risk-assessments",
        "post",
        after=_no_foreign_change,
        body=lambda f: {"trigger": "authority_request", "conclusion": "probe"},
    ),
    "GET /api/v1/systems/{system_id}/risk-assessments": obj(
        lambda f: f"/api/v1/systems/{f.operating_system.pk}/risk-assessments"
    ),
    "POST /api/v1/risk-assessments/{assessment_id}/document": obj(
        lambda f: f"/api/v1/risk-assessments/{_risk(f)}/document",
        "post",
        multipart=True,
        body=lambda f: {"file": _pdf()},
        after=_risk_without_document,
    ),
    "GET /api/v1/incidents": lst("/api/v1/incidents?page_size=500"),
    "GET /api/v1/incidents/{incident_id}": obj(lambda f: f"/api/v1/incidents/{_incident(f)}"),
    "POST /api/v1/incidents/{incident_id}/reports": obj(
        lambda f: f"/api/v1/incidents/{_incident(f)}/reports",
        "post",
        after=_incident_unreported,
        body=lambda f: {"stage": "initial", "text": "probe"},
    ),
    # A national authority may ask any owner for a report (201); nobody else may (403).
    "POST /api/v1/report-requests": obj(
        "/api/v1/report-requests",
        "post",
        expect=frozenset({201, 403}),
        body=lambda f: {"owner_ids": [f.province.pk], "subject": "probe", "due_date": "2099-01-01"},
    ),
    "GET /api/v1/exports": lst("/api/v1/exports"),
    "GET /api/v1/exports/{job_id}": obj(lambda f: f"/api/v1/exports/{f.export_job.pk}"),
    "GET /api/v1/exports/{job_id}/download": obj(lambda f: f"/api/v1/exports/{f.export_job.pk}/download"),
}
# Last, because it ends the very token the probes above were sent with; it names no object, so nothing to reveal.
API["POST /api/v1/auth/token/revoke"] = opn("/api/v1/auth/token/revoke", "post", expect=frozenset({204}))
