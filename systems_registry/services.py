"""Writes to the registry. Every path (API, HTML, admin, commands) goes through these functions."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Delegation, Membership, Organization, OrganizationClosure, Role
from core import audit
from core.errors import Conflict, Forbidden, Invalid, transition_not_allowed

from . import access, golive, national_list, notices, transition
from .classification import ClassificationInputs, classify, combine_parts, load_policy, regime_in_force
from .classification.schemas import ClassificationResult, Reason
from .models import InformationSystem, InformationSystemUserObjectPermission
from .schemas import CLASSIFICATION_FIELDS, SystemCreate, SystemPatch
from .selectors import system_for_user, systems_visible_to

_ORG_FIELDS = ("owner_id", "operator_id", "security_unit_id")


# Fields a PATCH may set back to null; for the others null means "leave as is".
_CLEARABLE = ("parent_id", "pm_designated_level", "expected_approval_date", "expected_full_implementation_date")


def _belongs_to_owner(user, owner_id: int) -> bool:
    """The user works inside the owner's organisation tree (at, below or above it) as an operator or owner."""
    return owner_id in _registrable_owner_ids(user, [owner_id])


def _registrable_owner_ids(user, owner_ids) -> set[int]:
    """Those of `owner_ids` the user may register systems for (see _belongs_to_owner), in two queries for any number."""
    owner_ids = set(owner_ids)
    if user.is_superuser:
        return owner_ids
    member_orgs = Membership.objects.filter(user_id=user.pk, role__in=[Role.OPERATOR, Role.OWNER]).values(
        "organization_id"
    )
    above = OrganizationClosure.objects.filter(descendant_id__in=member_orgs, ancestor_id__in=owner_ids).values_list(
        "ancestor_id", flat=True
    )
    below = OrganizationClosure.objects.filter(ancestor_id__in=member_orgs, descendant_id__in=owner_ids).values_list(
        "descendant_id", flat=True
    )
    return set(above) | set(below)


def may_register_systems(user) -> bool:
    """The twin of the owner rule of create_system: only an operating unit or an owner (or a superuser) registers
    systems, so read-only roles (auditor, inspector, authority) are not offered the form."""
    if user.is_superuser:
        return True
    return Membership.objects.filter(user_id=user.pk, role__in=[Role.OPERATOR, Role.OWNER]).exists()


class RegistryRules:
    """The organisation and state-secret rules of _validate with their lookups loaded once, so a bulk import checks
    thousands of rows in a handful of queries; _validate uses the same object for one row."""

    def __init__(self, actor, org_ids):
        self.actor = actor
        self.known = set(Organization.objects.filter(id__in=set(org_ids)).values_list("id", flat=True))
        self._owners: set[int] | None = None
        self._units: set[tuple[int, int]] | None = None

    def may_register_for(self, owner_id: int) -> bool:
        if self._owners is None:
            self._owners = _registrable_owner_ids(self.actor, self.known)
        return owner_id in self._owners

    def is_own_unit(self, owner_id: int, unit_id: int) -> bool:
        """The unit lies in the owner's tree, or holds the owner's recorded, unexpired delegation."""
        if self._units is None:
            self._units = set(
                OrganizationClosure.objects.filter(
                    ancestor_id__in=self.known, descendant_id__in=self.known
                ).values_list("ancestor_id", "descendant_id")
            )
            self._units |= set(
                Delegation.objects.active()
                .filter(owner_id__in=self.known, delegate_id__in=self.known)
                .values_list("owner_id", "delegate_id")
            )
        return (owner_id, unit_id) in self._units

    def org_errors(self, values: dict, *, instance) -> list[dict]:
        """Checked on every write whatever fields it carries: the operating unit and the designated security unit
        of the system as it will be (the body over the stored row) must belong to its owner."""
        errors = []
        for field in _ORG_FIELDS:
            if values.get(field) is not None and values[field] not in self.known:
                errors.append({"field": field, "message": _("No such organisation.")})
        merged = {f: values[f] if values.get(f) is not None else getattr(instance, f, None) for f in _ORG_FIELDS}
        owner_id = merged["owner_id"]
        if (
            owner_id in self.known
            and (instance is None or owner_id != instance.owner_id)
            and not self.may_register_for(owner_id)
        ):
            errors.append({"field": "owner_id", "message": _("You do not belong to this owner's organisation.")})
        messages = {
            "operator_id": _(
                "The operating unit must be an organisation of the owner's tree or hold the owner's current delegation."
            ),
            "security_unit_id": _(
                "The designated security unit must be the owner's own unit or hold the owner's current delegation."
            ),
        }
        for field, message in messages.items():
            unit_id = merged[field]
            if owner_id in self.known and unit_id in self.known and not self.is_own_unit(owner_id, unit_id):
                errors.append({"field": field, "message": message})
        return errors

    @staticmethod
    def designation_errors(values: dict, *, instance) -> list[dict]:
        """A designated level the regime does not provide for (Decree 85: level 5 only, Art. 11.5)."""
        designated = values.get("pm_designated_level", getattr(instance, "pm_designated_level", None))
        if designated is None:
            return []
        regime = values.get("regime") or getattr(instance, "regime", None) or regime_in_force(timezone.localdate())
        allowed = load_policy(regime).pm_designated.allowed_levels
        if designated in allowed:
            return []
        return [{"field": "pm_designated_level", "message": _("This legal regime allows a designated level of %(levels)s only.")
                 % {"levels": ", ".join(map(str, allowed))}}]  # fmt: skip

    @staticmethod
    def secret_errors(values: dict, *, instance) -> list[dict]:
        merged = {f: values.get(f, getattr(instance, f, None)) for f in ("info_types", "state_secret_harm")}
        secret = "state_secret" in (merged["info_types"] or [])
        harm = (merged["state_secret_harm"] or "none") != "none"
        if secret != harm:
            message = _("State-secret information and the harm to national security go together: set both or neither.")
            return [{"field": "state_secret_harm", "message": message}]
        return []


def _validate(actor, values: dict, *, instance: InformationSystem | None) -> None:
    """Cross-field and cross-row rules; collects every problem so a form shows them all at once."""
    org_ids = {values[f] for f in _ORG_FIELDS if values.get(f) is not None}
    org_ids |= {getattr(instance, f) for f in _ORG_FIELDS} if instance is not None else set()
    rules = RegistryRules(actor, org_ids)
    errors = rules.org_errors(values, instance=instance)
    code = values.get("code")
    if code is not None:
        clash = InformationSystem.objects.filter(code=code)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors.append(
                {"field": "code", "message": _("A system with code '%(code)s' already exists.") % {"code": code}}
            )
    if "parent_id" in values and values["parent_id"] is not None:
        parent_id = values["parent_id"]
        if not systems_visible_to(actor).filter(pk=parent_id).exists():
            errors.append({"field": "parent_id", "message": _("No such system.")})
        elif instance is not None and parent_id in _self_and_part_ids(instance):
            errors.append(
                {"field": "parent_id", "message": _("A system cannot be a part of itself or of one of its parts.")}
            )
    errors += rules.secret_errors(values, instance=instance) + rules.designation_errors(values, instance=instance)
    if errors:
        raise Invalid(_("The system data is not valid."), details=errors)


def _self_and_part_ids(system: InformationSystem) -> set[int]:
    seen, frontier = {system.pk}, [system.pk]
    while frontier:
        frontier = list(
            InformationSystem.objects.filter(parent_id__in=frontier).exclude(pk__in=seen).values_list("pk", flat=True)
        )
        seen.update(frontier)
    return seen


# A change of any of these recomputes the proposed level in the same transaction, on every path.
RECLASSIFY_FIELDS = frozenset({*CLASSIFICATION_FIELDS, "regime", "parent_id"})


@transaction.atomic
def create_system(*, actor, data: SystemCreate) -> InformationSystem:
    values = data.model_dump(exclude_none=True)
    _validate(actor, values, instance=None)
    values.setdefault("regime", regime_in_force(timezone.localdate()))
    system = InformationSystem(created_by=actor, **values)
    system.save()
    audit.record(actor=actor, action="system.create", obj=system, to_status=system.status, data={"code": system.code})
    _reclassify(actor, system)
    return system


@transaction.atomic
def update_system(*, actor, system_id: int, data: SystemPatch) -> InformationSystem:
    """Change registry data. Organisations named are checked against the owner on every write; a change of them is
    the `reassign` transition with its own audit event; a change of a classification input or of the structure
    recomputes the proposed level (and its ancestors') at once."""
    system = system_for_user(actor, system_id, for_update=True)
    if not access.can_edit(actor, system):
        raise Forbidden(_("Only the system's operating unit or owner may change it."))
    values = data.model_dump(exclude_unset=True)
    values = {k: v for k, v in values.items() if not (v is None and k not in _CLEARABLE)}
    _validate(actor, values, instance=system)
    changed = {k: v for k, v in values.items() if getattr(system, k) != v}
    reassigned = {k: [getattr(system, k), v] for k, v in changed.items() if k in _ORG_FIELDS}
    old_parent_id = system.parent_id
    if changed:
        for key, value in changed.items():
            setattr(system, key, value)
        system.save(update_fields=[*changed.keys(), "updated_at"])
        plain = sorted(set(changed) - set(reassigned))
        if plain:
            audit.record(actor=actor, action="system.update", obj=system, data={"fields": plain})
        if reassigned:
            # Dossiers already in review keep the organisations they were routed to (their steps name them).
            audit.record(actor=actor, action="system.reassign", obj=system, data={"changes": reassigned})
    if set(changed) & RECLASSIFY_FIELDS or system.proposed_level is None:
        _reclassify(actor, system, also_ancestors_of=old_parent_id if "parent_id" in changed else None)
    return system


def _inputs(system: InformationSystem) -> ClassificationInputs:
    return ClassificationInputs(**{f: getattr(system, f) for f in CLASSIFICATION_FIELDS})


def compute_classification(system: InformationSystem, _seen: frozenset = frozenset()):
    """Own criteria, then the highest level of the parts (recursively)."""
    own = classify(_inputs(system), system.regime)
    parts = []
    for part in (
        InformationSystem.objects.filter(parent_id=system.pk).exclude(pk__in=_seen | {system.pk}).order_by("code")
    ):
        parts.append((f"{part.code} {part.name}", compute_classification(part, _seen | {system.pk})))
    return combine_parts(own, parts) if parts else own


CLASSIFICATION_OUTPUTS = ("proposed_level", "classification_reasons", "classification_policy_version", "classified_at")


def set_classification(system: InformationSystem, result, *, now=None) -> None:
    """Put a result on the system's classification fields (not saved: _store and the bulk import save)."""
    system.proposed_level = result.level
    system.classification_reasons = [
        {"criterion": r.criterion, "level": r.level, "text": r.text, "text_vi": r.text_vi, "article": r.article}
        for r in result.reasons
    ]
    system.classification_policy_version = result.policy_version
    system.classified_at = now or timezone.now()


def reapproval_deadline(today: date) -> date:
    return today + timedelta(days=settings.REAPPROVAL_DEADLINE_DAYS)


def approval_flag_changes(system: InformationSystem, today: date) -> list[str]:
    """Keep `operating_without_approval` true to the system (not saved): an operating system without an approved
    dossier at its current level keeps operating, flagged, with a deadline to submit the new dossier; the first
    deadline stands while the level moves again."""
    unapproved = system.status == InformationSystem.Status.OPERATING and not system.has_current_approval()
    if unapproved == system.operating_without_approval:
        return []
    system.operating_without_approval = unapproved
    system.reapproval_deadline = reapproval_deadline(today) if unapproved else None
    return ["operating_without_approval", "reapproval_deadline"]


def _level_audit(actor, system: InformationSystem, previous: int | None, policy_version: str) -> dict:
    return {
        "actor": actor, "action": "system.classify", "obj": system, "from_status": str(previous or ""),
        "to_status": str(system.proposed_level),
        "data": {"policy_version": policy_version, "reapproval_required": system.reapproval_required,
                 "operating_without_approval": system.operating_without_approval},
    }  # fmt: skip


def record_level_changes(actor, changes: list[tuple[InformationSystem, int | None]]) -> None:
    """For each (system, previous level) whose proposed level moved: one `system.classify` audit event and, when the
    level is now away from the approved one, one re-approval notification. A constant number of queries for any
    number of systems (the import and the generator call it per batch; the single-row services with one)."""
    moved = [(s, p) for s, p in changes if s.proposed_level != p]
    events = audit.record_many([_level_audit(actor, s, p, s.classification_policy_version) for s, p in moved])
    notices.notify(
        notices.level_moved_event(s, audit_event_id=e.pk, actor=actor) for (s, _), e in zip(moved, events, strict=True)
    )


def _store(actor, system: InformationSystem, result) -> None:
    previous = system.proposed_level
    set_classification(system, result)
    flags = approval_flag_changes(system, timezone.localdate())
    system.save(update_fields=[*CLASSIFICATION_OUTPUTS, *flags, "updated_at"])
    record_level_changes(actor, [(system, previous)])


def _reclassify(actor, system: InformationSystem, *, also_ancestors_of: int | None = None):
    """Recompute the system, then every composite above it (a part's change can raise or lower its ancestors),
    and above its former parent when it moved."""
    result = compute_classification(system)
    _store(actor, system, result)
    seen = {system.pk}
    for start in (system.parent_id, also_ancestors_of):
        ancestor_id = start
        while ancestor_id is not None and ancestor_id not in seen:
            seen.add(ancestor_id)
            ancestor = InformationSystem.objects.select_for_update().get(pk=ancestor_id)
            if ancestor.proposed_level is not None:
                _store(actor, ancestor, compute_classification(ancestor))
            ancestor_id = ancestor.parent_id
    return result


@transaction.atomic
def classify_system(*, actor, system_id: int, changes: SystemPatch | None = None):
    if changes is not None and changes.model_fields_set:
        update_system(actor=actor, system_id=system_id, data=changes)
    system = system_for_user(actor, system_id, for_update=True)
    if not access.can_edit(actor, system):
        raise Forbidden(_("Only the system's operating unit or owner may classify it."))
    return _reclassify(actor, system)


@transaction.atomic
def record_approval(*, actor, system_id: int, dossier, level: int, revision: int | None = None) -> InformationSystem:
    """The one writer of a system's approved level and dossier (the approvals service calls it when an approval takes
    effect, handing the dossier: its id and its approval time, `closed_at`, are kept); an approval at the current
    level lifts the `operating_without_approval` flag."""
    system = InformationSystem.objects.select_for_update().get(pk=system_id)
    before_level = system.approved_level
    system.approved_level = level
    system.approved_dossier_id = dossier.pk
    system.approved_at = dossier.closed_at or timezone.now()
    flags = approval_flag_changes(system, timezone.localdate())
    system.save(update_fields=["approved_level", "approved_dossier_id", "approved_at", *flags, "updated_at"])
    audit.record(
        actor=actor, action="system.approved_level", obj=system, from_status=str(before_level or ""),
        to_status=str(level), revision=revision, data={"dossier_id": dossier.pk},
    )  # fmt: skip
    return system


def record_routing(*, system: InformationSystem, authority) -> None:
    """A dossier routed to a national authority makes the system visible to it (selectors); the approvals service
    calls this inside its own transaction, with the row it locked."""
    if system.national_authority_id != authority.pk:
        system.national_authority = authority
        system.save(update_fields=["national_authority", "updated_at"])


def store_next_inspection_due(changed: dict[int, date]) -> None:
    """Set-based: the scheduler's next due dates in one UPDATE joined to a VALUES list (PostgreSQL, and SQLite from
    3.33). The ORM's equivalent, a CASE with a WHEN per system, cost more to build in Python than the rest of the
    scan (47 s of 124 s over 60,000 systems)."""
    if not changed:
        return
    table = connection.ops.quote_name(InformationSystem._meta.db_table)
    rows = ", ".join(["(%s, %s)"] * len(changed))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET next_inspection_due = v.column2 FROM (VALUES {rows}) AS v WHERE {table}.id = v.column1",
            [value for pair in changed.items() for value in pair],
        )


def save_systems_batch(
    *, actor, creates: list[InformationSystem], updates: list[tuple[InformationSystem, int | None]], fields: set[str]
) -> None:
    """Set-based writer for bulk callers (the registry import): new systems already classified, and changed ones with
    their level before the change. Same audit events and notifications as the single-row path (one `system.classify`
    per moved level, one re-approval notice when it left the approved level), the approval flag kept true, in a
    constant number of queries per batch."""
    today = timezone.localdate()
    if creates:
        InformationSystem.objects.bulk_create(creates, batch_size=1000)
    flag_fields: set[str] = set()
    for system, _level in updates:
        flag_fields.update(approval_flag_changes(system, today))
    if updates:
        InformationSystem.objects.bulk_update(
            [s for s, _ in updates], sorted(fields | flag_fields | {"updated_at"}), batch_size=200
        )
    record_level_changes(actor, [(s, None) for s in creates] + updates)


def move_parts_batch(*, actor, moves: dict[int, int | None], now) -> None:
    """Set-based: make each system (key) a part of another (value, or none), checked for cycles by the caller; the
    composites are then reclassified through `_store` by the caller."""
    moved = [InformationSystem(pk=pk, parent_id=parent, updated_at=now) for pk, parent in moves.items()]
    InformationSystem.objects.bulk_update(moved, ["parent_id", "updated_at"], batch_size=500)
    if moves:
        audit.record_many([{"actor": actor, "action": "system.update", "object_type": "informationsystem", "object_id": pk,
                            "data": {"fields": ["parent_id"]}} for pk in moves])  # fmt: skip


# --- set-based writers of the national data generator (bench/national_dataset.py) ----------------------------------


def insert_systems_batch(systems: list[InformationSystem]) -> list[InformationSystem]:
    """Generated systems, classified and dated by the generator (which writes their audit trail): one INSERT."""
    return InformationSystem.objects.bulk_create(systems)


def record_approvals_batch(approved: dict[int, tuple[int, int, datetime]]) -> None:
    """Set-based `record_approval` for generated history: {system id: (dossier id, level, approved at)}, one UPDATE
    per 500."""
    rows = [
        InformationSystem(pk=pk, approved_dossier_id=dossier_id, approved_level=level, approved_at=approved_at)
        for pk, (dossier_id, level, approved_at) in approved.items()
    ]
    InformationSystem.objects.bulk_update(
        rows, ["approved_dossier_id", "approved_level", "approved_at"], batch_size=500
    )


_VIEW_PERMISSION: dict[str, int] = {}


def view_permission_id() -> int:
    """The id of `systems_registry.view_informationsystem`, read once per process and database (apps.py forgets it
    when migrations or a test's flush recreate the permissions, post_migrate)."""
    alias = connection.alias
    if alias not in _VIEW_PERMISSION:
        _VIEW_PERMISSION[alias] = Permission.objects.get(
            codename="view_informationsystem", content_type__app_label="systems_registry"
        ).pk
    return _VIEW_PERMISSION[alias]


def forget_view_permission(**_signal) -> None:
    _VIEW_PERMISSION.clear()


def grant_view_batch(
    pairs, *, permission=None, batch_size: int = 10_000, ignore_existing: bool = False
) -> int:  # fmt: skip
    """Explicit view grants (user id, system id), e.g. an assessor of another province assigned to an inspection.
    `ignore_existing`: a grant the user already holds stays as it is (one INSERT, no lookup first). `permission`:
    the view permission unless another is given."""
    pairs = list(pairs)
    if permission is not None:
        permission_id = permission.pk
    elif connection.alias in _VIEW_PERMISSION or len(pairs) > 1:
        permission_id = view_permission_id()
    else:  # a process's first single grant: the id looked up inside the INSERT, not by a statement of its own
        permission_id = Subquery(
            Permission.objects.filter(codename="view_informationsystem", content_type__app_label="systems_registry")
            .order_by()
            .values("pk")[:1]
        )
    rows = [
        InformationSystemUserObjectPermission(user_id=u, permission_id=permission_id, content_object_id=s)
        for u, s in pairs
    ]
    InformationSystemUserObjectPermission.objects.bulk_create(
        rows, batch_size=batch_size, ignore_conflicts=ignore_existing
    )
    return len(rows)


def scan_reapproval_deadlines(*, today: date | None = None, batch_size: int = 200) -> int:
    """Escalate every system still operating without approval past its deadline: its owner, its people and the
    organisation above the owner are told (once per deadline; the dedup key makes reruns silent). A constant
    number of queries per batch."""
    today = today or timezone.localdate()
    overdue = InformationSystem.objects.filter(
        operating_without_approval=True, reapproval_deadline__lt=today
    ).select_related("owner")
    last_id, count = 0, 0
    while True:
        batch = list(overdue.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return count
        last_id = batch[-1].pk
        with transaction.atomic():
            notices.notify(notices.reapproval_overdue_event(s, s.owner.parent_id) for s in batch)
        count += len(batch)


def preview_classification(data: dict, regime: str):
    """Classify unsaved form input (the live preview); no parts, nothing stored."""
    return classify(ClassificationInputs(**data), regime)


def available_transitions(user, system: InformationSystem) -> list[str]:
    held = None if user.is_superuser else access.capacities(user, system)
    names = []
    if user.is_superuser or held & access.EDITOR_ROLES:
        names = [t.name for t in system.get_available_status_transitions()]
        # The go-live gate (golive.py): commission shows only when every check of the regime is met.
        names = [n for n in names if n != "commission" or golive.may_commission(system)]
        # After a major change, resume waits for a readiness check after it (golive.may_resume).
        names = [n for n in names if n != "resume" or golive.may_resume(system)]
    regime = [REGIME_CHANGE] if may_change_regime(user, system, held) else []
    return names + national_list.available(user, system, held) + regime


def _locked_lifecycle(actor, system_id: int, name: str) -> InformationSystem:
    """Lock the system (404 for outsiders), check who acts (403), the approval and the go-live gate (409)."""
    system = system_for_user(actor, system_id, for_update=True)
    if not access.can_edit(actor, system):
        raise Forbidden(_("Only the system's operating unit or owner may change its lifecycle."))
    allowed = available_transitions(actor, system)
    if name not in allowed:
        if (
            name in ("commission", "resume")
            and system.status in ("planned", "suspended")
            and not system.has_current_approval()
        ):
            raise Conflict(
                _no_approval_message(system), code="no_approved_dossier", details=[{"allowed_transitions": allowed}]
            )
        if name == "commission" and system.status == "planned":
            golive.check_commission(system, allowed)
        if name == "resume" and system.status == "suspended":
            golive.check_resume(system, allowed)
        raise transition_not_allowed(name, allowed)
    return system


def _saved_lifecycle(actor, system: InformationSystem, name: str, before: str, comment: str) -> InformationSystem:
    # Whether it operates without approval follows the status (approval_flag_changes lists the fields it set).
    system.save(update_fields=["status", *approval_flag_changes(system, timezone.localdate()), "updated_at"])
    audit.record(
        actor=actor, action=f"system.{name}", obj=system, from_status=before, to_status=system.status, comment=comment
    )
    return system


@transaction.atomic
def commission_system(*, actor, system_id: int, comment: str = "") -> InformationSystem:
    """The operating unit or owner puts an approved system into operation once the go-live gate is met."""
    system = _locked_lifecycle(actor, system_id, "commission")
    before = system.status
    system.commission()
    return _saved_lifecycle(actor, system, "commission", before, comment)


@transaction.atomic
def suspend_system(*, actor, system_id: int, comment: str = "") -> InformationSystem:
    system = _locked_lifecycle(actor, system_id, "suspend")
    before = system.status
    system.suspend()
    return _saved_lifecycle(actor, system, "suspend", before, comment)


@transaction.atomic
def resume_system(*, actor, system_id: int, comment: str = "") -> InformationSystem:
    """A suspended system resumes with a current approval and, after a major change, a readiness check after it."""
    system = _locked_lifecycle(actor, system_id, "resume")
    before = system.status
    system.resume()
    return _saved_lifecycle(actor, system, "resume", before, comment)


@transaction.atomic
def decommission_system(*, actor, system_id: int, comment: str = "") -> InformationSystem:
    system = _locked_lifecycle(actor, system_id, "decommission")
    before = system.status
    system.decommission()
    return _saved_lifecycle(actor, system, "decommission", before, comment)


LIFECYCLE_TRANSITIONS = {
    "commission": commission_system, "suspend": suspend_system, "resume": resume_system,
    "decommission": decommission_system,
}  # fmt: skip


def transition_system(
    *, actor, system_id: int, name: str, comment: str = "", criteria=None, decision_number="", decision_date=None
) -> InformationSystem:
    """Dispatch a contract transition name to its service (`POST /systems/{id}/transitions/{name}`, the system
    page, the admin): the lifecycle, the national-security List's (national_list) and the regime change."""
    if name == "propose_listing":
        return national_list.propose_listing(actor=actor, system_id=system_id, criteria=criteria, comment=comment)
    if name in national_list.SERVICES:
        return national_list.SERVICES[name](
            actor=actor, system_id=system_id, decision_number=decision_number, decision_date=decision_date,
            comment=comment,
        )  # fmt: skip
    service = TRANSITIONS.get(name)
    if service is None:
        raise transition_not_allowed(name, available_transitions(actor, system_for_user(actor, system_id)))
    return service(actor=actor, system_id=system_id, comment=comment)


def _no_approval_message(system: InformationSystem) -> str:
    if system.proposed_level is None:
        return _("The system has not been classified yet, so it has no approved dossier: it cannot go into operation.")
    if system.reapproval_required:
        return _(
            "The system's approval covers level %(approved)s but its proposed level is now %(level)s: re-approval is "
            "required before it can go into operation."
        ) % {"approved": system.approved_level, "level": system.proposed_level}
    return _("The system has no approved dossier at its proposed level %(level)s: it cannot go into operation.") % {
        "level": system.proposed_level
    }


# --- the move from Decree 85 to Decree 331 (Decree 331 Art. 39.1; Law 116 Art. 45) -----------------------------------

REGIME_CHANGE = "change_regime"
_OLD, _NEW = "decree_85_2016", "decree_331_2026"


def may_change_regime(user, system: InformationSystem, held: set | None = None) -> bool:
    """The twin of change_regime: a Decree 85 system still in use, by its operating unit or owner."""
    if system.regime != _OLD or system.status == InformationSystem.Status.DECOMMISSIONED:
        return False
    return user.is_superuser or bool((access.capacities(user, system) if held is None else held) & access.EDITOR_ROLES)


def kept_level(result: ClassificationResult, level: int | None) -> ClassificationResult:
    """Art. 39.1: the level found under Decree 85 is kept unless the Decree 331 criteria give a higher one; keeping
    it adds a reason citing the rule (its text is the transition policy's)."""
    rule = transition.keeps_level_rule()
    if level is None or result.level >= level or rule is None:
        return result
    values = {"level": level, "found": result.level}
    reason = Reason(
        criterion="transition.kept_level", level=level, text=rule.keeps_level.text.format(**values),
        text_vi=rule.keeps_level.text_vi.format(**values), article=rule.keeps_level.article,
    )  # fmt: skip
    return ClassificationResult(
        level=level, regime=result.regime, policy_version=result.policy_version, reasons=[reason, *result.reasons]
    )


@transaction.atomic
def change_regime(*, actor, system_id: int, comment: str = "") -> InformationSystem:
    """Reclassify a Decree 85 system under Decree 331: the regime changes (the former one is kept), the level is
    computed under the new criteria and kept at the old one when they give less (with the reason), and the next
    dossier is routed by the Decree 331 policy. One `system.change_regime` audit event, then the usual
    `system.classify` when the level moves."""
    system = system_for_user(actor, system_id, for_update=True)
    if not (actor.is_superuser or access.can_edit(actor, system)):
        raise Forbidden(_("Only the system's operating unit or owner may move it to Decree 331."))
    if not may_change_regime(actor, system):
        raise transition_not_allowed(REGIME_CHANGE, available_transitions(actor, system))
    old_levels = [lvl for lvl in (system.approved_level, system.proposed_level) if lvl]
    before_level = max(old_levels) if old_levels else None
    system.former_regime, system.regime, system.regime_changed_at = system.regime, _NEW, timezone.now()
    system.save(update_fields=["former_regime", "regime", "regime_changed_at", "updated_at"])
    found = compute_classification(system)
    result = kept_level(found, before_level)
    audit.record(
        actor=actor, action="system.change_regime", obj=system, from_status=_OLD, to_status=_NEW, comment=comment,
        data={"level_before": before_level, "level": result.level, "criteria_level": found.level},
    )  # fmt: skip
    _store(actor, system, result)
    return system


# Every contract transition name of a system and its service. The List's moves take their decision (national_list).
TRANSITIONS = {**LIFECYCLE_TRANSITIONS, **national_list.SERVICES, REGIME_CHANGE: change_regime}
