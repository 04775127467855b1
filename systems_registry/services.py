"""Writes to the registry. Every path (API, HTML, admin, commands) goes through these functions."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.errors import Conflict, Forbidden, Invalid, transition_not_allowed
from accounts.models import Membership, Organization, OrganizationClosure, Role
from notifications import events as notifications

from . import access
from .classification import ClassificationInputs, classify, combine_parts, regime_in_force
from .models import InformationSystem
from .schemas import CLASSIFICATION_FIELDS, SystemCreate, SystemPatch
from .selectors import system_for_user, systems_visible_to

LIFECYCLE_TRANSITIONS = ("commission", "suspend", "resume", "decommission")
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
    member_orgs = Membership.objects.filter(user_id=user.pk, role__in=[Role.OPERATOR, Role.OWNER]).values("organization_id")
    above = OrganizationClosure.objects.filter(descendant_id__in=member_orgs, ancestor_id__in=owner_ids).values_list("ancestor_id", flat=True)
    below = OrganizationClosure.objects.filter(ancestor_id__in=member_orgs, descendant_id__in=owner_ids).values_list("descendant_id", flat=True)
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
        if self._units is None:
            self._units = set(
                OrganizationClosure.objects.filter(ancestor_id__in=self.known, descendant_id__in=self.known).values_list("ancestor_id", "descendant_id")
            )
        return (owner_id, unit_id) in self._units

    def org_errors(self, values: dict, *, instance) -> list[dict]:
        errors = []
        for field in _ORG_FIELDS:
            if values.get(field) is not None and values[field] not in self.known:
                errors.append({"field": field, "message": _("No such organisation.")})
        owner_id = values.get("owner_id")
        if owner_id in self.known and (instance is None or owner_id != instance.owner_id) and not self.may_register_for(owner_id):
            errors.append({"field": "owner_id", "message": _("You do not belong to this owner's organisation.")})
        sec_id = values.get("security_unit_id")
        if owner_id in self.known and sec_id in self.known and not self.is_own_unit(owner_id, sec_id):
            errors.append({"field": "security_unit_id", "message": _("The designated security unit must be the owner's own unit.")})
        return errors

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
    rules = RegistryRules(actor, {values[f] for f in _ORG_FIELDS if values.get(f) is not None})
    errors = rules.org_errors(values, instance=instance)
    code = values.get("code")
    if code is not None:
        clash = InformationSystem.objects.filter(code=code)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors.append({"field": "code", "message": _("A system with code '%(code)s' already exists.") % {"code": code}})
    if "parent_id" in values and values["parent_id"] is not None:
        parent_id = values["parent_id"]
        if not systems_visible_to(actor).filter(pk=parent_id).exists():
            errors.append({"field": "parent_id", "message": _("No such system.")})
        elif instance is not None and parent_id in _self_and_part_ids(instance):
            errors.append({"field": "parent_id", "message": _("A system cannot be a part of itself or of one of its parts.")})
    errors += rules.secret_errors(values, instance=instance)
    if errors:
        raise Invalid(_("The system data is not valid."), details=errors)


def _self_and_part_ids(system: InformationSystem) -> set[int]:
    seen, frontier = {system.pk}, [system.pk]
    while frontier:
        frontier = list(InformationSystem.objects.filter(parent_id__in=frontier).exclude(pk__in=seen).values_list("pk", flat=True))
        seen.update(frontier)
    return seen


@transaction.atomic
def create_system(*, actor, data: SystemCreate) -> InformationSystem:
    values = data.model_dump(exclude_none=True)
    _validate(actor, values, instance=None)
    values.setdefault("regime", regime_in_force(timezone.localdate()))
    system = InformationSystem(created_by=actor, **values)
    system.save()
    audit.record(actor=actor, action="system.create", obj=system, to_status=system.status, data={"code": system.code})
    return system


@transaction.atomic
def update_system(*, actor, system_id: int, data: SystemPatch) -> InformationSystem:
    system = system_for_user(actor, system_id, for_update=True)
    if not access.can_edit(actor, system):
        raise Forbidden(_("Only the system's operating unit or owner may change it."))
    values = data.model_dump(exclude_unset=True)
    values = {k: v for k, v in values.items() if not (v is None and k not in _CLEARABLE)}
    _validate(actor, values, instance=system)
    changed = {k: v for k, v in values.items() if getattr(system, k) != v}
    if changed:
        for key, value in changed.items():
            setattr(system, key, value)
        system.save(update_fields=[*changed.keys(), "updated_at"])
        audit.record(actor=actor, action="system.update", obj=system, data={"fields": sorted(changed)})
    return system


def _inputs(system: InformationSystem) -> ClassificationInputs:
    return ClassificationInputs(**{f: getattr(system, f) for f in CLASSIFICATION_FIELDS})


def compute_classification(system: InformationSystem, _seen: frozenset = frozenset()):
    """Own criteria, then the highest level of the parts (recursively)."""
    own = classify(_inputs(system), system.regime)
    parts = []
    for part in InformationSystem.objects.filter(parent_id=system.pk).exclude(pk__in=_seen | {system.pk}).order_by("code"):
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


def _store(actor, system: InformationSystem, result) -> None:
    previous = system.proposed_level
    set_classification(system, result)
    system.save(update_fields=["proposed_level", "classification_reasons", "classification_policy_version", "classified_at", "updated_at"])
    if previous != result.level:
        audit.record(
            actor=actor, action="system.classify", obj=system, from_status=str(previous or ""), to_status=str(result.level),
            data={"policy_version": result.policy_version, "reapproval_required": system.reapproval_required},
        )  # fmt: skip
        notifications.reapproval_required(system, actor=actor)


@transaction.atomic
def classify_system(*, actor, system_id: int, changes: SystemPatch | None = None):
    if changes is not None and changes.model_fields_set:
        update_system(actor=actor, system_id=system_id, data=changes)
    system = system_for_user(actor, system_id, for_update=True)
    if not access.can_edit(actor, system):
        raise Forbidden(_("Only the system's operating unit or owner may classify it."))
    result = compute_classification(system)
    _store(actor, system, result)
    # A composite system takes the highest level of its parts, so a part's change can raise its ancestors.
    ancestor, seen = system.parent, {system.pk}
    while ancestor is not None and ancestor.pk not in seen:
        seen.add(ancestor.pk)
        ancestor = InformationSystem.objects.select_for_update().get(pk=ancestor.pk)
        if ancestor.proposed_level is not None:
            _store(actor, ancestor, compute_classification(ancestor))
        ancestor = ancestor.parent
    return result


def preview_classification(data: dict, regime: str):
    """Classify unsaved form input (the live preview); no parts, nothing stored."""
    return classify(ClassificationInputs(**data), regime)


def available_transitions(user, system: InformationSystem) -> list[str]:
    if not access.can_edit(user, system):
        return []
    return [t.name for t in system.get_available_status_transitions()]


@transaction.atomic
def transition_system(*, actor, system_id: int, name: str, comment: str = "") -> InformationSystem:
    system = system_for_user(actor, system_id, for_update=True)
    if name not in LIFECYCLE_TRANSITIONS:
        raise transition_not_allowed(name, available_transitions(actor, system))
    if not access.can_edit(actor, system):
        raise Forbidden(_("Only the system's operating unit or owner may change its lifecycle."))
    method = getattr(system, name)
    allowed = available_transitions(actor, system)
    if name not in allowed:
        if name in ("commission", "resume") and system.status in ("planned", "suspended") and not system.has_current_approval():
            raise Conflict(_no_approval_message(system), code="no_approved_dossier", details=[{"allowed_transitions": allowed}])
        raise transition_not_allowed(name, allowed)
    before = system.status
    method()
    system.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action=f"system.{name}", obj=system, from_status=before, to_status=system.status, comment=comment)
    return system


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
