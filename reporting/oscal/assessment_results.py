"""An inspection as OSCAL Assessment Results: one result (the inspection) whose observations are the items assessed
(result, note, evidence, who assessed) and whose findings say for each item whether its requirement is satisfied."""

from django.urls import reverse
from django.utils.translation import gettext as _
from trestle.oscal import assessment_results as oscal_ar
from trestle.oscal import common

from accounts.models import User
from checklists.oscal import metadata, one_line, prop, render, stable_uuid, token
from inspections import selectors
from inspections.models import Inspection

from .parties import moment, parties, responsible, role, user_uuid

# met and not applicable satisfy the requirement; partly met and not met do not (OSCAL's reason: pass / fail / other).
OBJECTIVE = {
    "met": ("satisfied", "pass"),
    "not_applicable": ("satisfied", "other"),
    "partial": ("not-satisfied", "fail"),
    "not_met": ("not-satisfied", "fail"),
}


def build_assessment_results(inspection: Inspection):
    results = selectors.results_of(inspection)
    evidence = selectors.evidence_by_item(inspection)
    inspectors = list(inspection.inspectors.order_by("username"))
    assessors = {r.assessed_by_id for r in results if r.assessed_by_id}
    people = inspectors + [u for u in _users(assessors) if u.pk not in {i.pk for i in inspectors}]
    system = inspection.system
    observations, findings = [], []
    for r in results:
        if not r.result:
            continue
        code = r.item.code
        label = r.get_result_display()
        obs_id = stable_uuid("observation", inspection.pk, code)
        actor = r.assessed_by_id or (inspectors[0].pk if inspectors else None)
        origins = (
            [
                common.Origin(
                    actors=[common.OriginActor(type="party", actor_uuid=stable_uuid("user", actor), role_id="assessor")]
                )
            ]
            if actor
            else None
        )
        observations.append(common.Observation(
            uuid=obs_id, title=one_line(f"{code}: {label}"), description=r.note or label,
            props=[prop("item-code", code), prop("result", r.result)], methods=["EXAMINE"], origins=origins,
            subjects=[common.SubjectReference(subject_uuid=stable_uuid("component", system.pk), type="component", title=one_line(system.code))],
            relevant_evidence=[
                common.RelevantEvidence(
                    href=reverse("inspections:evidence", kwargs={"evidence_id": ev.pk}), description=ev.filename,
                    props=[prop("sha256", ev.sha256), prop("content-type", ev.content_type)],
                )
                for ev in evidence.get(r.item_id, [])
            ] or None,
            collected=moment(r.assessed_at or inspection.started_at or inspection.created_at),
        ))  # fmt: skip
        state, reason = OBJECTIVE[r.result]
        findings.append(common.Finding(
            uuid=stable_uuid("finding", inspection.pk, code), title=one_line(f"{code}: {label}"),
            description=r.note or one_line(r.item.text), origins=origins,
            target=common.FindingTarget(
                type="objective-id", target_id=token(code),
                status=common.ObjectiveStatus(state=state, reason=reason, remarks=r.note or None),
            ),
            related_observations=[common.RelatedObservation(observation_uuid=obs_id)],
        ))  # fmt: skip
    started = inspection.started_at or moment(inspection.scheduled_for)
    ended = inspection.closed_at or inspection.submitted_at
    checklist = inspection.checklist
    props = [
        prop("inspection-kind", inspection.kind),
        prop("inspection-status", inspection.status),
        prop("system-code", system.code),
    ]
    if inspection.outcome:
        props.append(prop("outcome", inspection.outcome))
    result = oscal_ar.Result(
        uuid=stable_uuid("result", inspection.pk),
        title=_("Inspection #%(id)s of %(code)s") % {"id": inspection.pk, "code": system.code},
        description=_("%(kind)s inspection against %(checklist)s; status: %(status)s; outcome: %(outcome)s.") % {
            "kind": inspection.get_kind_display(), "checklist": f"{checklist.code} v{checklist.version}",
            "status": inspection.get_status_display(), "outcome": inspection.get_outcome_display() if inspection.outcome else _("not decided"),
        },
        start=moment(started), end=moment(ended) if ended and moment(ended) >= moment(started) else None, props=props,
        reviewed_controls=common.ReviewedControls(control_selections=[common.ControlSelections(
            include_controls=[common.SelectControlById(control_id=token(r.item.code)) for r in results],
        )]),
        observations=observations or None, findings=findings or None,
    )  # fmt: skip
    document = oscal_ar.AssessmentResults(
        uuid=stable_uuid("assessment-results", inspection.pk),
        metadata=metadata(
            title=result.title, last_modified=moment(ended or inspection.started_at or inspection.created_at), version=str(inspection.pk),
            roles=[role("assessor", _("Inspector"))],
            parties=parties(users=people), responsible_parties=[rp for rp in [responsible("assessor", [user_uuid(u) for u in inspectors])] if rp] or None,
        ),
        # No separate assessment plan exists: the inspection order (its checklist, inspectors and dates) is the plan.
        import_ap=oscal_ar.ImportAp(href=f"/api/v1/inspections/{inspection.pk}", remarks=_("The inspection order serves as the assessment plan.")),
        results=[result],
    )  # fmt: skip
    return document


def _users(ids):
    return list(User.objects.filter(pk__in=ids).order_by("username")) if ids else []


def assessment_results_json(inspection) -> bytes:
    return render(build_assessment_results(inspection), root_model=oscal_ar.Model)
