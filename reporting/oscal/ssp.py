"""A system's OSCAL System Security Plan: who is responsible, what it is and holds, its level and why, the approval
decision in force, its parts, and each requirement of its level's catalogue with the state the latest inspection
found."""

from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from trestle.oscal import common
from trestle.oscal import ssp as oscal_ssp

from approvals.models import Dossier
from checklists.models import ChecklistItem
from checklists.oscal import NS, metadata, one_line, prop, render, stable_uuid, token
from checklists.selectors import default_checklist
from core.errors import Conflict
from core.legal import Regime
from inspections import scheduling
from inspections.models import Inspection, InspectionResult
from systems_registry.models import InformationSystem, InfoType, SystemType

from .parties import moment, parties, responsible, role

# A result of the latest inspection as OSCAL's implementation state of the requirement.
IMPLEMENTATION_STATE = {
    "met": "implemented",
    "partial": "partial",
    "not_met": "planned",
    "not_applicable": "not-applicable",
}
OPERATIONAL_STATE = {
    "planned": "under-development",
    "operating": "operational",
    "suspended": "other",
    "decommissioned": "disposition",
}


def ssp_uuid(system) -> str:
    return stable_uuid("ssp", system.pk)


def this_system_uuid(system) -> str:
    return stable_uuid("component", system.pk)


def level_catalogue(system):
    """The newest periodic catalogue of the system's regime and level (what its periodic inspections use)."""
    return default_checklist(regime=system.regime, level=scheduling.system_level(system), kind="periodic")


def latest_inspection(system) -> Inspection | None:
    """The most recent inspection of the system with at least one answered item (cancelled ones left out)."""
    answered = InspectionResult.objects.exclude(result="").values("inspection_id")
    return (
        Inspection.objects.filter(system_id=system.pk, pk__in=answered).exclude(status=Inspection.Status.CANCELLED)
        .annotate(last=Coalesce("closed_at", "submitted_at", "started_at", "created_at"))
        .order_by(F("last").desc(), "-pk").first()
    )  # fmt: skip


def build_ssp(system: InformationSystem):
    catalogue = level_catalogue(system)
    if catalogue is None:
        raise Conflict(
            _("No checklist is published for this system's regime and level, so its plan has no requirements to list."),
            code="no_checklist",
        )
    items = list(ChecklistItem.objects.filter(template_id=catalogue.pk).order_by("order"))
    inspection = latest_inspection(system)
    results = {}
    if inspection is not None:
        for r in InspectionResult.objects.filter(inspection_id=inspection.pk).exclude(result="").select_related("item"):
            results[r.item.code] = r
    decision = (
        Dossier.objects.filter(pk=system.approved_dossier_id).only("pk", "decision_number").first()
        if system.approved_dossier_id
        else None
    )
    vi = (get_language() or "vi").startswith("vi")

    chars_props = [
        prop("regime", system.regime), prop("system-type", system.system_type), prop("sector", system.sector),
        prop("status", system.status),
    ]  # fmt: skip
    level = scheduling.system_level(system)
    if system.proposed_level:
        chars_props.append(prop("proposed-level", system.proposed_level))
    if system.approved_level:
        chars_props.append(prop("approved-level", system.approved_level))
    for reason in system.classification_reasons or []:
        text = (reason.get("text_vi") if vi else "") or reason.get("text") or ""
        chars_props.append(
            prop(
                "level-reason",
                f"{_('Level %(level)s') % {'level': reason.get('level')}}: {text} ({reason.get('article', '')})",
            )
        )
    links = []
    if decision is not None and decision.decision_number:
        chars_props.append(prop("approval-decision-number", decision.decision_number))
        links.append(
            common.Link(
                href=f"/api/v1/dossiers/{decision.pk}", rel="approval-decision", text=one_line(decision.decision_number)
            )
        )
    info_types = [
        oscal_ssp.InformationType(
            uuid=stable_uuid("info-type", system.pk, code), title=str(InfoType(code).label) if code in InfoType.values else code,
            description=_("Information of this kind is held or processed by the system."), props=[prop("information-type", code)],
        )
        for code in system.info_types or []
    ] or [oscal_ssp.InformationType(
        uuid=stable_uuid("info-type", system.pk, "none"), title=_("None declared"),
        description=_("The registry record declares no information types for this system."),
    )]  # fmt: skip
    characteristics = oscal_ssp.SystemCharacteristics(
        system_ids=[common.SystemId(identifier_type=NS, id=system.code)],
        system_name=one_line(system.name), system_name_short=one_line(system.code),
        description=system.description or system.name,
        props=chars_props, links=links or None,
        date_authorized=decision.decision_date.isoformat() if decision is not None and decision.decision_date else None,
        security_sensitivity_level=f"level-{level}" if level else None,
        system_information=oscal_ssp.SystemInformation(information_types=info_types),
        status=oscal_ssp.Status1(state=OPERATIONAL_STATE[system.status], remarks=system.get_status_display()),
        authorization_boundary=oscal_ssp.AuthorizationBoundary(
            description=_("The information system %(code)s as registered, with its %(parts)s registered parts.")
            % {"code": system.code, "parts": len(list(system.parts.all()))},
        ),
        remarks=_("Legal regime: %(regime)s. System type: %(type)s.") % {"regime": Regime(system.regime).label, "type": SystemType(system.system_type).label},
    )  # fmt: skip
    this_system = this_system_uuid(system)
    components = [common.SystemComponent(
        uuid=this_system, type="this-system", title=one_line(f"{system.code} · {system.name}"),
        description=system.description or system.name, status=common.Status(state=OPERATIONAL_STATE[system.status]),
    )]  # fmt: skip
    for part in system.parts.order_by("code"):
        components.append(common.SystemComponent(
            uuid=this_system_uuid(part), type="system", title=one_line(f"{part.code} · {part.name}"),
            description=part.description or part.name, status=common.Status(state=OPERATIONAL_STATE[part.status]),
            props=[prop("system-code", part.code)] + ([prop("proposed-level", part.proposed_level)] if part.proposed_level else []),
            links=[common.Link(href=f"/api/v1/systems/{part.pk}/oscal/ssp", rel="system-security-plan")],
        ))  # fmt: skip
    requirements = []
    for item in items:
        result = results.get(item.code)
        if result is not None:
            state = common.ImplementationStatus(state=IMPLEMENTATION_STATE[result.result], remarks=result.note or None)
            description = _("Inspection #%(id)s found: %(result)s.") % {
                "id": inspection.pk,
                "result": result.get_result_display(),
            }
            props = [prop("inspection-result", result.result), prop("inspection-id", inspection.pk)]
        else:
            state, props = None, None
            description = _("Not assessed by an inspection yet.")
        requirements.append(oscal_ssp.ImplementedRequirement(
            uuid=stable_uuid("requirement", system.pk, catalogue.pk, item.code), control_id=token(item.code), props=props,
            by_components=[oscal_ssp.ByComponent(
                component_uuid=this_system, uuid=stable_uuid("by-component", system.pk, catalogue.pk, item.code),
                description=description, implementation_status=state,
            )],
        ))  # fmt: skip
    orgs = [system.owner, system.operator, system.security_unit, system.national_authority]
    responsible_parties = [
        r for r in (
            responsible("system-owner", [stable_uuid("organization", system.owner_id)]),
            responsible("operating-unit", [stable_uuid("organization", system.operator_id)]),
            responsible("security-unit", [stable_uuid("organization", system.security_unit_id)]),
            responsible("authorizing-official", [stable_uuid("organization", system.national_authority_id)] if system.national_authority_id else []),
        ) if r
    ]  # fmt: skip
    plan = oscal_ssp.SystemSecurityPlan(
        uuid=ssp_uuid(system),
        metadata=metadata(
            title=_("System security plan: %(code)s · %(name)s") % {"code": system.code, "name": system.name},
            last_modified=moment(system.updated_at),
            version=str(catalogue.version),
            roles=[
                role("system-owner", _("System owner")), role("operating-unit", _("Operating unit")),
                role("security-unit", _("Designated security unit")), role("authorizing-official", _("National cybersecurity authority")),
            ],
            parties=parties(orgs), responsible_parties=responsible_parties,
        ),
        import_profile=oscal_ssp.ImportProfile(href=f"/api/v1/checklists/{catalogue.pk}/oscal", remarks=f"{catalogue.code} v{catalogue.version}"),
        system_characteristics=characteristics,
        system_implementation=oscal_ssp.SystemImplementation(components=components),
        control_implementation=oscal_ssp.ControlImplementation(
            description=_("The requirements of %(catalogue)s, with the result of the latest inspection for each.") % {"catalogue": f"{catalogue.code} v{catalogue.version}"},
            implemented_requirements=requirements,
        ),
    )  # fmt: skip
    return plan


def ssp_json(system) -> bytes:
    return render(build_ssp(system), root_model=oscal_ssp.Model)
