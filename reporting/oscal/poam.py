"""A system's findings still to be remedied (open, or resolved and awaiting verification) as an OSCAL Plan of Action
and Milestones: one POA&M item per finding, with its risk (severity, remediation deadline, status)."""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from trestle.oscal import common
from trestle.oscal import poam as oscal_poam

from checklists.oscal import NS, metadata, one_line, prop, render, stable_uuid, token
from inspections.models import Finding

from .parties import moment, parties, responsible, role

# Open: nothing done yet; resolved: remediation reported, the inspector has not verified it yet.
RISK_STATUS = {"open": "open", "resolved": "remediating"}


def open_findings(system):
    return (
        Finding.objects.filter(system_id=system.pk).exclude(status=Finding.Status.VERIFIED)
        .select_related("item", "responsible_org").order_by("due_date", "id")
    )  # fmt: skip


def build_poam(system):
    findings = list(open_findings(system))
    risks, obs_findings, items = [], [], []
    for f in findings:
        code = f.item.code
        risk_id, finding_id = stable_uuid("risk", f.pk), stable_uuid("poam-finding", f.pk)
        props = [
            prop("severity", f.severity), prop("finding-status", f.status), prop("due-date", f.due_date.isoformat()),
            prop("item-code", code), prop("inspection-id", f.inspection_id), prop("responsible-organization", f.responsible_org.code),
        ]  # fmt: skip
        title = one_line(f"{code}: {f.get_severity_display()} · {f.description}", 200)
        risks.append(common.Risk(
            uuid=risk_id, title=title, description=f.description,
            statement=_("Requirement %(code)s is not met; remediation due %(due)s.") % {"code": code, "due": date_format(f.due_date, "SHORT_DATE_FORMAT")},
            props=props, status=RISK_STATUS[f.status], deadline=moment(f.due_date),
            remediations=[common.Response(
                uuid=stable_uuid("response", f.pk), lifecycle="planned" if f.status == Finding.Status.OPEN else "completed",
                title=_("Remediation by %(org)s") % {"org": one_line(f.responsible_org.name)},
                description=f.resolution or _("To be remedied by %(date)s.") % {"date": date_format(f.due_date, "SHORT_DATE_FORMAT")},
            )],
        ))  # fmt: skip
        obs_findings.append(common.Finding(
            uuid=finding_id, title=title, description=f.description,
            target=common.FindingTarget(type="objective-id", target_id=token(code), status=common.ObjectiveStatus(state="not-satisfied")),
            related_risks=[common.AssociatedRisk(risk_uuid=risk_id)],
            links=[common.Link(href=f"/api/v1/inspections/{f.inspection_id}/oscal/assessment-results", rel="assessment-results")],
        ))  # fmt: skip
        items.append(oscal_poam.PoamItem(
            uuid=stable_uuid("poam-item", f.pk), title=title, description=f.description, props=props,
            related_findings=[oscal_poam.RelatedFinding(finding_uuid=finding_id)],
            related_risks=[common.AssociatedRisk(risk_uuid=risk_id)],
        ))  # fmt: skip
    orgs = [system.owner, system.operator, system.security_unit] + [f.responsible_org for f in findings]
    return oscal_poam.PlanOfActionAndMilestones(
        uuid=stable_uuid("poam", system.pk),
        metadata=metadata(
            title=_("Plan of action and milestones: %(code)s · %(name)s") % {"code": system.code, "name": system.name},
            last_modified=max([moment(f.created_at) for f in findings] + [moment(system.updated_at)]) if findings else moment(system.updated_at),
            version=timezone.localdate().isoformat(),
            roles=[role("system-owner", _("System owner")), role("security-unit", _("Designated security unit"))],
            parties=parties(orgs),
            responsible_parties=[
                responsible("system-owner", [stable_uuid("organization", system.owner_id)]),
                responsible("security-unit", [stable_uuid("organization", system.security_unit_id)]),
            ],
            props=[prop("system-code", system.code), prop("open-findings", len(findings))],
        ),
        import_ssp=common.ImportSsp(href=f"/api/v1/systems/{system.pk}/oscal/ssp"),
        system_id=common.SystemId(identifier_type=NS, id=system.code),
        risks=risks or None, findings=obs_findings or None,
        # OSCAL requires at least one item: a system with nothing to remedy says so in one closed item.
        poam_items=items or [oscal_poam.PoamItem(
            uuid=stable_uuid("poam-none", system.pk), title=_("No open findings"),
            description=_("Every finding of this system's inspections has been verified as remedied."),
            props=[prop("open-findings", 0)],
        )],
    )  # fmt: skip


def poam_json(system) -> bytes:
    return render(build_poam(system), root_model=oscal_poam.Model)
