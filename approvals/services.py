"""Writes to dossiers: one service per transition. Each runs in one transaction, locks the dossier, checks who may
act, fires the model's transition, saves the changed fields and writes the audit event. The API, the HTML views,
the demo seeder and tests all go through these functions."""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts import audit, registers
from accounts.errors import Conflict, Forbidden, Invalid, transition_not_allowed
from accounts.models import Membership, Role
from accounts.selectors import delegated_owner_ids
from notifications import events as notifications
from systems_registry.access import capacities
from systems_registry.models import InformationSystem
from systems_registry.selectors import system_for_user

from . import routing, uploads
from .models import Decision, Document, DocumentKind, Dossier, DossierStep, Holiday
from .selectors import current_step, dossier_for_user, revision_documents, steps_of_revision
from .statutory import policy as forms_policy
from .statutory.selectors import statutory_decision_number
from .workdays import add_working_days

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


def decide_blocker(user, dossier: Dossier, step: DossierStep) -> str | None:
    """Why `user` may not decide `step`, or None. Role first, then separation of duties."""
    if not user.is_authenticated or not _holds_step_role(user, step):
        role = dict(Role.choices).get(step.role, step.role)
        return _("Only members of %(organization)s with the role '%(role)s' may decide this step.") % {
            "organization": step.organization.name, "role": role,
        }  # fmt: skip
    if user.pk in (dossier.submitted_by_id, dossier.created_by_id):
        return _("Whoever prepared or submitted a dossier cannot decide any of its steps.")
    if revision_documents(dossier).filter(uploaded_by_id=user.pk).exists():
        return _("You added a document to this revision of the dossier, so you cannot decide its steps.")
    # Re-deciding the same position after a resubmission is allowed; deciding a second position is not.
    other = dossier.steps.filter(decided_by_id=user.pk).exclude(order=step.order).order_by("revision", "order").first()
    if other is not None:
        return _("You already decided step %(step)s of this dossier: one person cannot decide two of its steps.") % {"step": other.order}
    return None


def available_transitions(user, dossier: Dossier) -> list[str]:
    """The contract's transition names the caller may fire now."""
    names = []
    prepare = may_prepare(user, dossier.system)
    if dossier.status == Dossier.Status.IN_REVIEW:
        step = current_step(steps_of_revision(dossier))
        if step is not None and decide_blocker(user, dossier, step) is None:
            names += ["approve", "reject", "return"]
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


def holidays_from(start: date) -> set[date]:
    return set(Holiday.objects.filter(date__gte=start).values_list("date", flat=True))


def _activate(step: DossierStep, today: date) -> None:
    step.activated_on = today
    step.due_date = add_working_days(today, step.working_days, holidays_from(today)) if step.working_days is not None else None
    step.save(update_fields=["activated_on", "due_date"])


def _open_revision(dossier: Dossier) -> list[DossierStep]:
    """Route the dossier's current revision and start its first step."""
    system = dossier.system
    routed = routing.route(system, dossier.proposed_level, dossier.regime)
    steps = DossierStep.objects.bulk_create(
        DossierStep(
            dossier=dossier, revision=dossier.revision, order=r.order, kind=r.kind, organization=r.organization,
            role=r.role, working_days=r.working_days,
        )
        for r in routed
    )  # fmt: skip
    _activate(steps[0], timezone.localdate())
    # Routing to a national authority makes the system visible to it (systems_registry.selectors).
    authority = next((r.organization for r in routed if r.role == Role.AUTHORITY), None)
    if authority is not None and system.national_authority_id != authority.pk:
        system.national_authority = authority
        system.save(update_fields=["national_authority", "updated_at"])
    return steps


def _check_required_documents(dossier: Dossier, revision: int) -> None:
    policy = routing.load_policy(dossier.regime)
    have = set(revision_documents(dossier, revision).values_list("kind", flat=True))
    missing = [k for k in policy.required_documents[dossier.proposed_level] if k not in have]
    if missing:
        labels = ", ".join(str(DocumentKind(k).label) for k in missing)
        raise Invalid(
            _("The dossier is missing required documents: %(documents)s.") % {"documents": labels},
            details=[{"field": "documents", "message": _("missing: %(kind)s") % {"kind": k}} for k in missing],
        )


def _record(actor, dossier: Dossier, name: str, before: str, *, step: int | None = None, comment: str = "", data=None):
    audit.record(
        actor=actor, action=f"dossier.{name}", obj=dossier, from_status=before, to_status=dossier.status,
        step=step, revision=dossier.revision, comment=comment, data=data or {},
    )  # fmt: skip


# --- services ----------------------------------------------------------------------------------------------


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
        raise Conflict(_("The system already has an open dossier (#%(id)s).") % {"id": open_one.pk}, code="open_dossier_exists")
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


def check_issue_details(number: str, issued_on: date | None, issuer: str) -> tuple[str, date | None, str]:
    """An issued document's number, date of issue and issuing body, trimmed and checked. Each is optional here:
    the API keeps them optional, the upload form requires them for the security regulation."""
    number, issuer = (number or "").strip(), (issuer or "").strip()
    errors = []
    if len(number) > Document.NUMBER_MAX_LENGTH:
        errors.append({"field": "number", "message": _("The document number is at most %(n)d characters.") % {"n": Document.NUMBER_MAX_LENGTH}})
    if issued_on is not None and issued_on > timezone.localdate():
        errors.append({"field": "issued_on", "message": _("The date of issue cannot be in the future.")})
    if len(issuer) > Document.ISSUER_MAX_LENGTH:
        errors.append({"field": "issuer", "message": _("The issuing body is at most %(n)d characters.") % {"n": Document.ISSUER_MAX_LENGTH}})
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
    _check_required_documents(dossier, dossier.revision)
    before = dossier.status
    dossier.submit(by=actor, at=timezone.now())
    dossier.save(update_fields=["status", "submitted_by", "submitted_at"])
    _open_revision(dossier)
    _record(actor, dossier, "submit", before, step=1, comment=comment)
    notifications.dossier_moved(dossier, actor=actor)
    return dossier


@transaction.atomic
def resubmit_dossier(*, actor, dossier_id: int, comment: str = "") -> Dossier:
    dossier = dossier_for_user(actor, dossier_id, for_update=True)
    _state_check(actor, dossier, "resubmit")
    _require_preparer(actor, dossier, _("Only the system's operating unit or owner may resubmit a dossier."))
    _check_required_documents(dossier, dossier.revision + 1)
    before = dossier.status
    dossier.resubmit(by=actor, at=timezone.now())
    dossier.save(update_fields=["status", "revision", "submitted_by", "submitted_at"])
    _open_revision(dossier)
    _record(actor, dossier, "resubmit", before, step=1, comment=comment)
    notifications.dossier_moved(dossier, actor=actor)
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
        claimed = DossierStep.objects.filter(pk=step.pk, decision__isnull=True).update(
            decision=DECISIONS[decision], decided_by=actor, decided_at=now, comment=comment, document_hashes=_snapshot(dossier)
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
        if dossier.status == Dossier.Status.APPROVED:
            _apply_approval(actor, dossier)
        notifications.dossier_moved(dossier, actor=actor)
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
    kind = policy.forms[policy.final_decision_form(dossier.proposed_level)].register_kind
    try:
        entry = registers.take_number(
            organization_id=step.organization_id, kind=kind, issued_on=decision_date,
            number=decision_number or None,
        )  # fmt: skip
    except Invalid as exc:
        raise Invalid.field("decision_number", exc.message) from None
    return entry.number, decision_date


def _apply_approval(actor, dossier: Dossier) -> None:
    """The only writer of a system's approved level and dossier."""
    system = InformationSystem.objects.select_for_update().get(pk=dossier.system_id)
    previous = Dossier.objects.select_for_update().filter(
        Q(pk=system.approved_dossier_id) | Q(system=system, status=Dossier.Status.APPROVED)
    ).exclude(pk=dossier.pk)
    for old in previous:
        if old.status != Dossier.Status.APPROVED:
            continue
        before = old.status
        old.supersede()
        old.save(update_fields=["status"])
        _record(actor, old, "supersede", before, data={"superseded_by": dossier.pk})
    before_level = system.approved_level
    system.approved_level = dossier.proposed_level
    system.approved_dossier = dossier
    system.save(update_fields=["approved_level", "approved_dossier", "updated_at"])
    audit.record(
        actor=actor, action="system.approved_level", obj=system, from_status=str(before_level or ""),
        to_status=str(dossier.proposed_level), revision=dossier.revision, data={"dossier_id": dossier.pk},
    )  # fmt: skip


def transition_dossier(*, actor, dossier_id: int, name: str, comment: str = "", **decision) -> Dossier:
    """Dispatch a contract transition name to its service (API and HTML views)."""
    if name in DECISIONS:
        return decide_step(actor=actor, dossier_id=dossier_id, decision=name, comment=comment, **decision)
    services = {"submit": submit_dossier, "resubmit": resubmit_dossier, "withdraw": withdraw_dossier}
    if name not in services:
        raise transition_not_allowed(name, available_transitions(actor, dossier_for_user(actor, dossier_id)))
    return services[name](actor=actor, dossier_id=dossier_id, comment=comment)
