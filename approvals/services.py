"""Writes to dossiers: one service per transition. Each runs in one transaction, locks the dossier, checks who may
act, fires the model's transition, saves the changed fields and writes the audit event. The API, the HTML views,
the demo seeder and tests all go through these functions."""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts import registers
from accounts.models import Delegation, Membership, Organization, OrganizationClosure, Role
from accounts.selectors import delegated_owner_ids, member_org_ids
from core import audit
from core.errors import Conflict, DomainError, Forbidden, Invalid, transition_not_allowed
from systems_registry import services as registry
from systems_registry.access import capacities
from systems_registry.models import InformationSystem
from systems_registry.selectors import system_for_user

from . import notices, routing, uploads
from .models import AppraiserDesignation, Decision, Document, DocumentKind, Dossier, DossierStep
from .selectors import current_step, dossier_for_user, holidays_from, revision_documents, steps_of_revision
from .statutory import policy as forms_policy
from .statutory.selectors import decision_in_force, final_decision, statutory_decision_number
from .workdays import add_days

PREPARER_ROLES = {Role.OPERATOR, Role.OWNER}
# API name → model transition method.
TRANSITIONS = {
    "submit": "submit", "approve": "approve", "reject": "reject", "return": "return_for_revision",
    "resubmit": "resubmit", "withdraw": "withdraw",
}  # fmt: skip
DECISIONS = {"approve": Decision.APPROVED, "reject": Decision.REJECTED, "return": Decision.RETURNED}


# --- who may act -------------------------------------------------------------------------------------------


def may_prepare(user, system: InformationSystem) -> bool:
    """The system's operating unit or owner prepares, submits, resubmits and withdraws its dossiers."""
    return bool(capacities(user, system) & PREPARER_ROLES)


def _holds_step_role(user, step: DossierStep) -> bool:
    if Membership.objects.filter(user_id=user.pk, organization_id=step.organization_id, role=step.role).exists():
        return True
    return step.role == Role.OWNER and delegated_owner_ids(user).filter(owner_id=step.organization_id).exists()


def _only_through_preparing_unit(user, dossier: Dossier, step: DossierStep) -> bool:
    """The user holds the step's role only through a delegation to the unit that prepares the dossier."""
    if (
        step.role != Role.OWNER
        or Membership.objects.filter(user_id=user.pk, organization_id=step.organization_id, role=step.role).exists()
    ):
        return False
    return not (
        Delegation.objects.active().filter(owner_id=step.organization_id, delegate_id__in=member_org_ids(user, [Role.OWNER]))
        .exclude(delegate_id=dossier.system.operator_id).exists()
    )  # fmt: skip


def decide_blocker(user, dossier: Dossier, step: DossierStep) -> str | None:
    """Why `user` may not decide `step`, or None. Role first, then separation of duties: per person, and per
    organisation (the operating unit prepares the dossier, so it never decides one of its steps, delegations
    included)."""
    if not user.is_authenticated or not _holds_step_role(user, step):
        role = dict(Role.choices).get(step.role, step.role)
        return _("Only members of %(organization)s with the role '%(role)s' may decide this step.") % {
            "organization": step.organization.name, "role": role,
        }  # fmt: skip
    if step.organization_id == dossier.system.operator_id:
        return _(
            "%(organization)s operates the system and prepared this dossier, so it cannot decide its steps: the owner "
            "designates an independent unit or appraisal council."
        ) % {"organization": step.organization.name}
    if _only_through_preparing_unit(user, dossier, step):
        return _(
            "Your organisation decides for the owner by delegation, but it is the operating unit that prepared this "
            "dossier: a member of the owner must decide this step."
        )
    if user.pk in (dossier.submitted_by_id, dossier.created_by_id):
        return _("Whoever prepared or submitted a dossier cannot decide any of its steps.")
    if revision_documents(dossier).filter(uploaded_by_id=user.pk).exists():
        return _("You added a document to this revision of the dossier, so you cannot decide its steps.")
    # Re-deciding the same position after a resubmission is allowed; deciding a second position is not.
    other = dossier.steps.filter(decided_by_id=user.pk).exclude(order=step.order).order_by("revision", "order").first()
    if other is not None:
        return _("You already decided step %(step)s of this dossier: one person cannot decide two of its steps.") % {
            "step": other.order
        }
    return None


def available_transitions(user, dossier: Dossier) -> list[str]:
    """The contract's transition names the caller may fire now."""
    names = []
    prepare = may_prepare(user, dossier.system)
    if dossier.status == Dossier.Status.IN_REVIEW:
        step = current_step(steps_of_revision(dossier))
        if step is not None and decide_blocker(user, dossier, step) is None:
            names += ["approve", "reject", "return"]
            if awaiting_acceptance(step):
                names.append("accept")
    elif prepare and dossier.status == Dossier.Status.DRAFT:
        names.append("submit")
    elif prepare and dossier.status == Dossier.Status.RETURNED:
        names.append("resubmit")
    if prepare and dossier.status in Dossier.OPEN_STATUSES:
        names.append("withdraw")
    return names


def _state_check(actor, dossier: Dossier, name: str) -> None:
    if not can_proceed(getattr(dossier, TRANSITIONS[name])):
        raise transition_not_allowed(name, available_transitions(actor, dossier))


def _require_preparer(actor, dossier: Dossier, message: str) -> None:
    if not may_prepare(actor, dossier.system):
        raise Forbidden(message)


# --- helpers -----------------------------------------------------------------------------------------------


def _limit_due(step: DossierStep, start: date) -> date | None:
    return (
        add_days(start, step.limit_days, step.limit_unit, holidays_from(start)) if step.limit_days is not None else None
    )


def _activate(step: DossierStep, today: date, acceptance: routing.AcceptanceSpec | None = None) -> None:
    """Start a step's clock. With an acceptance window (the first step, Decree 331 Art. 23.2) the step is first due
    for acceptance; its own limit starts when it is accepted (accept_dossier, or a decision that implies it)."""
    step.activated_on = today
    if acceptance is not None:
        step.acceptance_due = step.due_date = add_days(today, acceptance.days, acceptance.unit, holidays_from(today))
    else:
        step.due_date = _limit_due(step, today)
    step.save(update_fields=["activated_on", "due_date", "acceptance_due"])


def awaiting_acceptance(step: DossierStep | None) -> bool:
    return step is not None and step.acceptance_due is not None and step.accepted_on is None


def _open_revision(dossier: Dossier) -> list[DossierStep]:
    """Route the dossier's current revision and start its first step."""
    system = dossier.system
    designation = _required_appraiser(system)
    routed = routing.route(
        system, dossier.proposed_level, dossier.regime, designation.organization if designation else None
    )
    dossier.procedure_level = routing.route_level(routing.load_policy(dossier.regime), system, dossier.proposed_level)
    dossier.save(update_fields=["procedure_level"])
    steps = DossierStep.objects.bulk_create(
        DossierStep(
            dossier=dossier, revision=dossier.revision, order=r.order, kind=r.kind, organization=r.organization,
            role=r.role, limit_days=r.days, limit_unit=r.unit,
        )
        for r in routed
    )  # fmt: skip
    _activate(steps[0], timezone.localdate(), routing.load_policy(dossier.regime).acceptance)
    # Routing to a national authority makes the system visible to it (systems_registry.selectors).
    authority = next((r.organization for r in routed if r.role == Role.AUTHORITY), None)
    if authority is not None:
        registry.record_routing(system=system, authority=authority)
    return steps


def required_documents(dossier: Dossier) -> list[dict]:
    """The documents the dossier's level requires under its regime, in the policy's order, each with whether the
    revision being prepared (or the one in review) has one: the dossier page's checklist and the API's
    `required_documents`."""
    revision = dossier.revision + (1 if dossier.status == Dossier.Status.RETURNED else 0)
    have = set(revision_documents(dossier, revision).values_list("kind", flat=True))
    policy = routing.load_policy(dossier.regime)
    level = dossier.procedure_level or routing.route_level(policy, dossier.system, dossier.proposed_level)
    kinds = policy.required_documents[level]
    return [{"kind": k, "present": k in have, "label": str(DocumentKind(k).label)} for k in kinds]


def _check_required_documents(dossier: Dossier) -> None:
    missing = [d for d in required_documents(dossier) if not d["present"]]
    if missing:
        labels = ", ".join(d["label"] for d in missing)
        raise Invalid(
            _("The dossier is missing required documents: %(documents)s.") % {"documents": labels},
            details=[
                {"field": "documents", "kind": d["kind"], "message": _("missing: %(kind)s") % {"kind": d["kind"]}}
                for d in missing
            ],
        )


def needs_independent_appraiser(system: InformationSystem) -> bool:
    """The designated security unit also operates the system (Circular 12 Art. 6; Decree 331 Art. 18.4)."""
    return system.security_unit_id is not None and system.security_unit_id == system.operator_id


def appraiser_designation(system: InformationSystem) -> AppraiserDesignation | None:
    return AppraiserDesignation.objects.filter(system_id=system.pk).select_related("organization").first()


def _required_appraiser(system: InformationSystem) -> AppraiserDesignation | None:
    return appraiser_designation(system) if needs_independent_appraiser(system) else None


def _check_independent_appraiser(system: InformationSystem) -> None:
    if needs_independent_appraiser(system) and _required_appraiser(system) is None:
        raise Conflict(
            _(
                "%(unit)s is both the designated security unit and the operating unit of this system, so it cannot "
                "appraise the dossier: the owner must first designate an independent subordinate unit or appraisal "
                "council (Circular 12/2022 Art. 6; Decree 331/2026 Art. 18.4)."
            ) % {"unit": system.security_unit.name},
            code="independent_appraiser_required",
        )  # fmt: skip


def may_designate_appraiser(user, system: InformationSystem) -> bool:
    """Members of the owner itself (not a delegate: the operating unit would pick its own appraiser)."""
    return (
        user.is_authenticated
        and Membership.objects.filter(user_id=user.pk, organization_id=system.owner_id, role=Role.OWNER).exists()
    )


def appraiser_candidates(system: InformationSystem):
    """Organisations the owner may designate: under the owner, other than the operating unit."""
    return (
        Organization.objects.filter(ancestor_links__ancestor_id=system.owner_id, ancestor_links__depth__gte=1)
        .exclude(pk=system.operator_id)
        .order_by("name").only("id", "name")
    )  # fmt: skip


@transaction.atomic
def designate_appraiser(
    *, actor, system_id: int, kind: str, organization_id: int, decision_number: str, decision_date: date | None,
    council_name: str = "",
) -> AppraiserDesignation:  # fmt: skip
    """The owner designates the independent appraiser of a system whose security unit also operates it."""
    system = system_for_user(actor, system_id, for_update=True)
    if not may_designate_appraiser(actor, system):
        raise Forbidden(_("Only the system's owner may designate an independent appraiser."))
    if not needs_independent_appraiser(system):
        raise Conflict(
            _("The system's security unit does not operate it: its dossiers are appraised by the security unit."),
            code="independent_appraiser_not_needed",
        )
    errors = []
    if kind not in AppraiserDesignation.Kind.values:
        errors.append(
            {"field": "kind", "message": _("Choose an independent subordinate unit or an appraisal council.")}
        )
    org = Organization.objects.filter(pk=organization_id).first()
    under_owner = OrganizationClosure.objects.filter(
        ancestor_id=system.owner_id, descendant_id=organization_id, depth__gte=1
    )
    if org is None or not under_owner.exists():
        errors.append(
            {
                "field": "organization_id",
                "message": _("The appraiser must be an organisation under the system's owner."),
            }
        )
    elif organization_id == system.operator_id:
        errors.append(
            {"field": "organization_id", "message": _("The appraiser must be independent of the operating unit.")}
        )
    council_name = (council_name or "").strip()
    if kind == AppraiserDesignation.Kind.COUNCIL and not council_name:
        errors.append({"field": "council_name", "message": _("Name the appraisal council.")})
    decision_number = (decision_number or "").strip()
    if not decision_number or len(decision_number) > 100:
        errors.append(
            {
                "field": "decision_number",
                "message": _("The number of the designating decision is required (at most 100 characters)."),
            }
        )
    if decision_date is None:
        errors.append({"field": "decision_date", "message": _("The date of the designating decision is required.")})
    elif decision_date > timezone.localdate():
        errors.append({"field": "decision_date", "message": _("The decision date cannot be in the future.")})
    if errors:
        raise Invalid(_("The designation of the independent appraiser is incomplete."), details=errors)
    designation = AppraiserDesignation.objects.create(
        system=system, kind=kind, organization=org, council_name=council_name[:255], decision_number=decision_number,
        decision_date=decision_date, designated_by=actor,
    )  # fmt: skip
    audit.record(
        actor=actor, action="system.designate_appraiser", obj=system, data={
            "designation_id": designation.pk, "kind": kind, "organization_id": org.pk, "council_name": council_name,
            "decision_number": decision_number, "decision_date": decision_date.isoformat(),
        },
    )  # fmt: skip
    return designation


def _record(actor, dossier: Dossier, name: str, before: str, *, step: int | None = None, comment: str = "", data=None):
    audit.record(
        actor=actor, action=f"dossier.{name}", obj=dossier, from_status=before, to_status=dossier.status,
        step=step, revision=dossier.revision, comment=comment, data=data or {},
    )  # fmt: skip


# --- services ----------------------------------------------------------------------------------------------


def may_create_dossier(user, system: InformationSystem, *, has_open: bool | None = None) -> bool:
    """The twin of create_dossier's rules on who and when (its other refusals are about what was typed): the
    operating unit or owner, of a classified system still in use that has no open dossier. `has_open` spares the
    query when the caller has just read the system's dossiers."""
    if system.proposed_level is None or system.status == InformationSystem.Status.DECOMMISSIONED:
        return False
    if not may_prepare(user, system):
        return False
    if has_open is None:
        has_open = Dossier.objects.filter(system=system, status__in=Dossier.OPEN_STATUSES).exists()
    return not has_open


@transaction.atomic
def create_dossier(*, actor, system_id: int, proposed_level: int, title: str, summary: str = "") -> Dossier:
    system = system_for_user(actor, system_id, for_update=True)
    if not may_prepare(actor, system):
        raise Forbidden(_("Only the system's operating unit or owner may start a dossier."))
    if system.proposed_level is None:
        raise Invalid.field("proposed_level", _("Classify the system before starting a dossier."))
    if proposed_level != system.proposed_level:
        raise Invalid.field(
            "proposed_level",
            _("The dossier must propose the system's current level %(level)s, not %(proposed)s.")
            % {"level": system.proposed_level, "proposed": proposed_level},
        )
    if system.status == InformationSystem.Status.DECOMMISSIONED:
        raise Conflict(_("The system is decommissioned."), code="system_decommissioned")
    if not title.strip():
        raise Invalid.field("title", _("A title is required."))
    open_one = Dossier.objects.filter(system=system, status__in=Dossier.OPEN_STATUSES).first()
    if open_one is not None:
        raise Conflict(
            _("The system already has an open dossier (#%(id)s).") % {"id": open_one.pk}, code="open_dossier_exists"
        )
    policy = routing.load_policy(system.regime)
    try:
        with transaction.atomic():
            dossier = Dossier.objects.create(
                system=system, proposed_level=proposed_level, regime=system.regime, routing_version=policy.version,
                title=title.strip(), summary=summary, created_by=actor,
            )  # fmt: skip
    except IntegrityError:
        raise Conflict(_("The system already has an open dossier."), code="open_dossier_exists") from None
    _record(actor, dossier, "create", "", data={"system_id": system.pk, "proposed_level": proposed_level})
    return dossier


def check_may_add_documents(actor, dossier: Dossier) -> None:
    """Raises unless `actor` may add documents to `dossier` now (the upload form asks before checking its fields)."""
    _require_preparer(actor, dossier, _("Only the system's operating unit or owner may add documents to a dossier."))
    if dossier.status == Dossier.Status.IN_REVIEW:
        raise Forbidden(_("Documents cannot change while the dossier is in review."))
    if dossier.status not in (Dossier.Status.DRAFT, Dossier.Status.RETURNED):
        raise Conflict(_("Documents can only be added to a draft or returned dossier."), code="dossier_closed")


def may_add_documents(user, dossier: Dossier) -> bool:
    """The twin of check_may_add_documents."""
    try:
        check_may_add_documents(user, dossier)
    except DomainError:
        return False
    return True


def check_issue_details(number: str, issued_on: date | None, issuer: str) -> tuple[str, date | None, str]:
    """An issued document's number, date of issue and issuing body, trimmed and checked. Each is optional here:
    the API keeps them optional, the upload form requires them for the security regulation."""
    number, issuer = (number or "").strip(), (issuer or "").strip()
    errors = []
    if len(number) > Document.NUMBER_MAX_LENGTH:
        errors.append(
            {
                "field": "number",
                "message": _("The document number is at most %(n)d characters.") % {"n": Document.NUMBER_MAX_LENGTH},
            }
        )
    if issued_on is not None and issued_on > timezone.localdate():
        errors.append({"field": "issued_on", "message": _("The date of issue cannot be in the future.")})
    if len(issuer) > Document.ISSUER_MAX_LENGTH:
        errors.append(
            {
                "field": "issuer",
                "message": _("The issuing body is at most %(n)d characters.") % {"n": Document.ISSUER_MAX_LENGTH},
            }
        )
    if errors:
        raise Invalid(_("The document's number, date of issue or issuing body is not valid."), details=errors)
    return number, issued_on, issuer


def add_document(
    *, actor, dossier_id: int, kind: str, upload, filename: str = "", number: str = "", issued_on: date | None = None,
    issuer: str = "",
) -> Document:  # fmt: skip
    """Store `upload` as a document of the dossier's open revision. `number`, `issued_on` and `issuer` describe an
    issued document (Form 08 reports the security regulation's); all optional, checked before the file is stored."""
    with transaction.atomic():
        dossier = dossier_for_user(actor, dossier_id, for_update=True)
        check_may_add_documents(actor, dossier)
        if kind not in DocumentKind.values:
            raise Invalid.field("kind", _("Unknown document kind '%(kind)s'.") % {"kind": kind})
        number, issued_on, issuer = check_issue_details(number, issued_on, issuer)
        stored = uploads.validate_and_store(upload)
        try:
            # A returned dossier's new documents belong to the revision it will be resubmitted as, so the
            # revision already decided keeps exactly the documents its deciders saw.
            revision = dossier.revision + (1 if dossier.status == Dossier.Status.RETURNED else 0)
            name = (filename or getattr(upload, "name", "") or "document").rsplit("/", 1)[-1][:255]
            doc = Document.objects.create(
                dossier=dossier, revision=revision, kind=kind, filename=name, file=stored.name,
                content_type=stored.content_type, size=stored.size, sha256=stored.sha256, uploaded_by=actor,
                number=number, issued_on=issued_on, issuer=issuer,
            )  # fmt: skip
            issue = {"number": number, "issued_on": issued_on.isoformat() if issued_on else None, "issuer": issuer}
            audit.record(
                actor=actor, action="dossier.add_document", obj=dossier, from_status=dossier.status, to_status=dossier.status,
                revision=revision, data={
                    "document_id": doc.pk, "kind": kind, "filename": name, "sha256": stored.sha256,
                    **{k: v for k, v in issue.items() if v},
                },
            )  # fmt: skip
        except BaseException:
            uploads.default_storage.delete(stored.name)
            raise
    return doc


@transaction.atomic
def submit_dossier(*, actor, dossier_id: int, comment: str = "") -> Dossier:
    dossier = dossier_for_user(actor, dossier_id, for_update=True)
    _state_check(actor, dossier, "submit")
    _require_preparer(actor, dossier, _("Only the system's operating unit or owner may submit a dossier."))
    _check_required_documents(dossier)
    _check_independent_appraiser(dossier.system)
    before = dossier.status
    dossier.submit(by=actor, at=timezone.now())
    dossier.save(update_fields=["status", "submitted_by", "submitted_at"])
    _open_revision(dossier)
    _record(actor, dossier, "submit", before, step=1, comment=comment)
    notices.dossier_moved(dossier, actor=actor)
    return dossier


@transaction.atomic
def resubmit_dossier(*, actor, dossier_id: int, comment: str = "") -> Dossier:
    dossier = dossier_for_user(actor, dossier_id, for_update=True)
    _state_check(actor, dossier, "resubmit")
    _require_preparer(actor, dossier, _("Only the system's operating unit or owner may resubmit a dossier."))
    _check_required_documents(dossier)
    _check_independent_appraiser(dossier.system)
    before = dossier.status
    dossier.resubmit(by=actor, at=timezone.now())
    dossier.save(update_fields=["status", "revision", "submitted_by", "submitted_at"])
    _open_revision(dossier)
    _record(actor, dossier, "resubmit", before, step=1, comment=comment)
    notices.dossier_moved(dossier, actor=actor)
    return dossier


@transaction.atomic
def withdraw_dossier(*, actor, dossier_id: int, comment: str = "") -> Dossier:
    dossier = dossier_for_user(actor, dossier_id, for_update=True)
    _state_check(actor, dossier, "withdraw")
    _require_preparer(actor, dossier, _("Only the system's operating unit or owner may withdraw a dossier."))
    before = dossier.status
    dossier.withdraw(at=timezone.now())
    dossier.save(update_fields=["status", "closed_at"])
    _record(actor, dossier, "withdraw", before, comment=comment)
    return dossier


def _snapshot(dossier: Dossier) -> dict:
    return {str(pk): sha for pk, sha in revision_documents(dossier).values_list("pk", "sha256")}


def decide_step(
    *, actor, dossier_id: int, decision: str, comment: str = "", decision_number: str = "",
    decision_date: date | None = None, expected_step: int | None = None,
) -> Dossier:  # fmt: skip
    """approve | reject | return the dossier's current step. `expected_step` is the step the decider was looking
    at; when omitted, the step current before the lock is taken. If another decision lands in between, this one
    loses the race with 409 instead of deciding a step its author never saw."""
    if decision not in DECISIONS:
        raise transition_not_allowed(decision, [])
    if expected_step is None:
        seen = dossier_for_user(actor, dossier_id)
        step_seen = current_step(steps_of_revision(seen)) if seen.status == Dossier.Status.IN_REVIEW else None
        expected = (seen.revision, step_seen.order) if step_seen else None
    with transaction.atomic():
        dossier = dossier_for_user(actor, dossier_id, for_update=True)
        _state_check(actor, dossier, decision)
        steps = steps_of_revision(dossier)
        step = current_step(steps)
        if step is None:
            raise transition_not_allowed(decision, available_transitions(actor, dossier))
        if expected_step is not None:
            expected = (dossier.revision, expected_step)
        if expected is not None and expected != (dossier.revision, step.order):
            raise Conflict(_("Someone else decided this step a moment ago; reload the dossier."), code="lost_race")
        blocker = decide_blocker(actor, dossier, step)
        if blocker:
            raise Forbidden(blocker)
        comment = (comment or "").strip()
        if decision in ("reject", "return") and not comment:
            raise Invalid.field("comment", _("A comment is required to reject or return a dossier."))
        is_last = step.order == steps[-1].order
        if decision == "approve" and is_last:
            decision_number, decision_date = _check_final_approval(dossier, step, decision_number, decision_date)
        now = timezone.now()
        # A favourable decision during the acceptance window accepts the dossier as complete at the same time.
        accepted = {"accepted_on": timezone.localdate()} if decision == "approve" and awaiting_acceptance(step) else {}
        claimed = DossierStep.objects.filter(pk=step.pk, decision__isnull=True).update(
            decision=DECISIONS[decision],
            decided_by=actor,
            decided_at=now,
            comment=comment,
            document_hashes=_snapshot(dossier),
            **accepted,
        )
        if not claimed:
            raise Conflict(_("Someone else decided this step a moment ago; reload the dossier."), code="lost_race")
        before = dossier.status
        if decision == "approve" and not is_last:
            _activate(steps[step.order], timezone.localdate())
        elif decision == "approve":
            dossier.approve(number=decision_number, on=decision_date, at=now)
            dossier.save(update_fields=["status", "decision_number", "decision_date", "closed_at"])
        elif decision == "reject":
            dossier.reject(at=now)
            dossier.save(update_fields=["status", "closed_at"])
        else:
            dossier.return_for_revision()
            dossier.save(update_fields=["status"])
        _record(actor, dossier, decision, before, step=step.order, comment=comment, data={"step_kind": step.kind})
        if dossier.status == Dossier.Status.APPROVED and not put_approval_into_effect(actor=actor, dossier=dossier):
            _decision_awaits_signature(dossier)
        notices.dossier_moved(dossier, actor=actor)
    return dossier


def _check_final_approval(
    dossier: Dossier, step: DossierStep, decision_number: str, decision_date: date | None
) -> tuple[str, date]:
    """The approval decision's number and date. Both are optional (the contract never requires them): the date
    defaults to today; the number is the one the decision form already took when it was drafted for signing, or
    the next number of the issuing body's register (the approval step's organisation); a number the decider types
    in is checked unique in that register. Runs inside the decision's transaction, so a refused or lost decision
    takes no number."""
    # The internal security regulation must be issued before the dossier is approved (Decree 331 Art. 30.7).
    if not revision_documents(dossier).filter(kind=DocumentKind.SECURITY_REGULATION).exists():
        raise Conflict(
            _(
                "The dossier cannot be approved without the system's internal security regulation: add a "
                "'security_regulation' document (return the dossier for revision)."
            ),
            code="security_regulation_missing",
        )
    decision_number = (decision_number or "").strip()
    if decision_date is not None and decision_date > timezone.localdate():
        raise Invalid.field("decision_date", _("The decision date cannot be in the future."))
    drafted = statutory_decision_number(dossier)
    if drafted is not None and (not decision_number or decision_number == drafted[0]):
        return drafted[0], decision_date or drafted[1]
    decision_date = decision_date or timezone.localdate()
    policy = forms_policy.load(dossier.regime)
    kind = policy.forms[policy.final_decision_form(dossier.form_level)].register_kind
    try:
        entry = registers.take_number(
            organization_id=step.organization_id, kind=kind, issued_on=decision_date,
            number=decision_number or None,
        )  # fmt: skip
    except Invalid as exc:
        raise Invalid.field("decision_number", exc.message) from None
    return entry.number, decision_date


def put_approval_into_effect(*, actor, dossier: Dossier) -> bool:
    """The one place a final approval takes effect on the system: the previous approval is superseded and the
    registry records the approved level and dossier (which the go-live gate and every "approved at its level" check
    read). It happens only once the dossier is approved *and* its decision (Form 06, or 07) is in force: signed
    with a valid digital signature or recorded as signed on paper with its scan. The final approval and the two
    services that record a signed decision call it, inside their transaction; whichever comes last applies the
    effect. True when it did now."""
    if dossier.status != Dossier.Status.APPROVED or not decision_in_force(dossier):
        return False
    system = InformationSystem.objects.select_for_update().get(pk=dossier.system_id)
    if system.approved_dossier_id == dossier.pk:
        return False
    previous = (
        Dossier.objects.select_for_update()
        .filter(Q(pk=system.approved_dossier_id) | Q(system=system, status=Dossier.Status.APPROVED))
        .exclude(pk=dossier.pk)
    )
    for old in previous:
        if old.status != Dossier.Status.APPROVED:
            continue
        before = old.status
        old.supersede()
        old.save(update_fields=["status"])
        _record(actor, old, "supersede", before, data={"superseded_by": dossier.pk})
    registry.record_approval(
        actor=actor, system_id=system.pk, dossier=dossier, level=dossier.proposed_level, revision=dossier.revision
    )
    return True


def _decision_awaits_signature(dossier: Dossier) -> None:
    """Tell whoever signs the decision for the approving body that the approval waits for it."""
    policy = forms_policy.load(dossier.regime)
    form = policy.final_decision_form(dossier.proposed_level)
    step = steps_of_revision(dossier)[-1]  # the approval: its body issues the decision (forms policy: issuer step)
    role = policy.forms[form].signer_role_for(dossier.proposed_level)
    drafted = final_decision(dossier)
    notices.decision_awaits_signature(
        dossier, organization_id=drafted.issuer_id if drafted else step.organization_id,
        role=step.role if role == "step" else role, form=form,
    )  # fmt: skip


@transaction.atomic
def accept_dossier(*, actor, dossier_id: int, comment: str = "") -> Dossier:
    """The first reviewer accepts the submitted dossier as complete within the acceptance window (Decree 331 Art.
    23.2); the step's own limit (the appraisal clock) starts today. An incomplete dossier is returned instead."""
    dossier = dossier_for_user(actor, dossier_id, for_update=True)
    step = current_step(steps_of_revision(dossier)) if dossier.status == Dossier.Status.IN_REVIEW else None
    if not awaiting_acceptance(step):
        raise transition_not_allowed("accept", available_transitions(actor, dossier))
    blocker = decide_blocker(actor, dossier, step)
    if blocker:
        raise Forbidden(blocker)
    today = timezone.localdate()
    step.accepted_on, step.due_date = today, _limit_due(step, today)
    step.save(update_fields=["accepted_on", "due_date"])
    _record(
        actor, dossier, "accept", dossier.status, step=step.order, comment=(comment or "").strip(),
        data={"due_date": step.due_date.isoformat() if step.due_date else None},
    )  # fmt: skip
    return dossier


def transition_dossier(*, actor, dossier_id: int, name: str, comment: str = "", **decision) -> Dossier:
    """Dispatch a contract transition name to its service (API and HTML views)."""
    if name in DECISIONS:
        return decide_step(actor=actor, dossier_id=dossier_id, decision=name, comment=comment, **decision)
    services = {
        "submit": submit_dossier,
        "resubmit": resubmit_dossier,
        "withdraw": withdraw_dossier,
        "accept": accept_dossier,
    }
    if name not in services:
        raise transition_not_allowed(name, available_transitions(actor, dossier_for_user(actor, dossier_id)))
    return services[name](actor=actor, dossier_id=dossier_id, comment=comment)


# --- set-based writers of the national data generator (bench/national_dataset.py) ----------------------------------


def insert_dossiers_batch(dossiers: list[Dossier]) -> list[Dossier]:
    """Generated dossiers with their history already set; the generator writes their audit trail."""
    return Dossier.objects.bulk_create(dossiers)


def insert_steps_batch(steps: list[DossierStep], *, batch_size: int) -> list[DossierStep]:
    return DossierStep.objects.bulk_create(steps, batch_size=batch_size)
