"""Reads. A dossier is visible exactly when its system is; lists are a fixed number of queries."""

from datetime import date

from django.db.models import F, Prefetch, Q, QuerySet

from accounts.models import Role
from accounts.selectors import delegated_owner_ids, member_org_ids
from core.errors import NotFound
from systems_registry.selectors import systems_visible_to

from .models import Document, Dossier, DossierStep, Holiday

DECIDING_ROLES = (Role.SECURITY_UNIT, Role.OWNER, Role.AUTHORITY)


def dossiers_visible_to(user) -> QuerySet:
    """Dossiers of the systems the user sees, and those with a step routed to an organisation where the user holds
    the step's role (an independent appraiser the owner designated sees the dossiers it appraises)."""
    routed = DossierStep.objects.filter(steps_for_role_q(user)).values("dossier_id")
    return Dossier.objects.filter(Q(system_id__in=systems_visible_to(user).values("id")) | Q(pk__in=routed))


def holidays_from(start: date) -> set[date]:
    return set(Holiday.objects.filter(date__gte=start).values_list("date", flat=True))


def active_steps() -> QuerySet:
    """The step each in-review dossier waits on: activated, undecided, of the dossier's current revision."""
    return DossierStep.objects.filter(
        decision__isnull=True,
        activated_on__isnull=False,
        revision=F("dossier__revision"),
        dossier__status=Dossier.Status.IN_REVIEW,
    )


def steps_for_role_q(user) -> Q:
    """Steps whose organisation and role the user holds (owner steps also through an active delegation)."""
    q = Q(pk__in=[])
    for role in DECIDING_ROLES:
        q |= Q(role=role.value, organization_id__in=member_org_ids(user, [role.value]))
    q |= Q(role=Role.OWNER.value, organization_id__in=delegated_owner_ids(user))
    return q


def steps_awaiting(user) -> QuerySet:
    """Active steps the user could decide by role. Separation of duties is checked when they act; the submitter
    of a dossier never sees it here."""
    return active_steps().filter(steps_for_role_q(user)).exclude(dossier__submitted_by_id=user.pk)


def dossier_list(user, *, awaiting_me: bool = False, status: str = "", system_id: int | None = None) -> QuerySet:
    qs = dossiers_visible_to(user)
    if awaiting_me:
        qs = qs.filter(id__in=steps_awaiting(user).values("dossier_id"))
    if status:
        qs = qs.filter(status=status)
    if system_id is not None:
        qs = qs.filter(system_id=system_id)
    return (
        qs.select_related("system")
        .prefetch_related(Prefetch("steps", queryset=DossierStep.objects.order_by("revision", "order")))
        .order_by("-id")
    )


def worklist(user) -> QuerySet:
    """The "waiting for me" page: active steps sorted by due date (no limit last)."""
    return (
        steps_awaiting(user)
        .filter(dossier__system_id__in=systems_visible_to(user).values("id"))
        .select_related("dossier", "dossier__system", "organization")
        .order_by(F("due_date").asc(nulls_last=True), "dossier_id")
    )


def dossier_for_user(user, dossier_id, *, for_update: bool = False) -> Dossier:
    try:
        dossier_id = int(dossier_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = dossiers_visible_to(user)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    dossier = (
        qs.select_related("system", "system__owner", "system__operator", "system__security_unit")
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None:
        raise NotFound()
    return dossier


def document_for_user(user, document_id) -> Document:
    try:
        document_id = int(document_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    doc = Document.objects.filter(pk=document_id, dossier_id__in=dossiers_visible_to(user).values("id")).first()
    if doc is None:
        raise NotFound()
    return doc


def revision_documents(dossier: Dossier, revision: int | None = None) -> QuerySet:
    """Documents in force for a revision: those added in it or carried over from earlier ones."""
    return dossier.documents.filter(revision__lte=revision or dossier.revision).order_by("kind", "id")


def steps_of_revision(dossier: Dossier, revision: int | None = None) -> list[DossierStep]:
    return list(
        dossier.steps.filter(revision=revision or dossier.revision)
        .select_related("organization", "decided_by")
        .order_by("order")
    )


def current_step(steps: list[DossierStep]) -> DossierStep | None:
    return next((s for s in steps if s.decision is None and s.activated_on is not None), None)
