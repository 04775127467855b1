"""The List of information systems important to national security (Law 116/2025 Art. 9; Decree 331 Arts. 16–17,
20.4): the policy file (criteria of Art. 16, the allowed moves and who makes them), the three transitions, each one
service with its `may_*` twin, and who may see a system's List state at all.

The owner proposes (Art. 17.1–17.2); the national authority records the Prime Minister's decision (`list`) or takes
a system off (`unlist`). The consequences live where their rules do: the level-5 route of a listed system in
approvals/policies (`national_security_list`), its licensed assessor in inspections/policies."""

from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, model_validator

from accounts.models import Organization, OrganizationClosure, Role
from accounts.selectors import user_facts
from core import audit, policy_files
from core.errors import Forbidden, Invalid, transition_not_allowed

from . import notices
from .access import capacities
from .models import InformationSystem, NationalSecurityList
from .selectors import system_for_user

POLICY_PATH = Path(__file__).resolve().parent / "policies" / "national_list.yaml"
TRANSITIONS = ("propose_listing", "list", "unlist")
State = Literal[tuple(NationalSecurityList.values)]  # type: ignore[valid-type]
ON_THE_LIST = (NationalSecurityList.PROPOSED, NationalSecurityList.LISTED)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Criterion(_Strict):
    code: str = Field(pattern=r"^art16_[0-9a-z]+$")
    article: str = Field(min_length=1)
    en: str = Field(min_length=1)
    vi: str = Field(min_length=1)

    def text(self) -> str:
        return self.vi if (get_language() or "vi").startswith("vi") else self.en


class Move(_Strict):
    sources: list[State] = Field(alias="from", min_length=1)
    to: State
    actor: Literal["owner", "national_authority"]
    basis: str = Field(min_length=1)


class ListPolicy(_Strict):
    schema_version: Literal[1]
    version: str = Field(min_length=1, max_length=40)
    source: str = Field(min_length=1)
    authorities: dict[Literal["civil", "military", "cipher"], str]
    criteria: list[Criterion] = Field(min_length=1)
    transitions: dict[Literal[TRANSITIONS], Move]  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _complete(self):
        codes = [c.code for c in self.criteria]
        if len(codes) != len(set(codes)):
            raise ValueError("a criterion code is listed twice")
        if set(self.transitions) != set(TRANSITIONS):
            raise ValueError(f"transitions must be exactly {list(TRANSITIONS)}")
        if set(self.authorities) != {"civil", "military", "cipher"}:
            raise ValueError("authorities must name the civil, military and cipher authority")
        return self

    def criterion(self, code: str) -> Criterion | None:
        return next((c for c in self.criteria if c.code == code), None)


@cache
def load_policy() -> ListPolicy:
    return policy_files.load(POLICY_PATH, ListPolicy)


# --- who may see the flag ------------------------------------------------------------------------------------------


class FlagViewer:
    """Whether the user may see systems' List state: superusers, members of a national authority, and the owner's
    representatives (the owner role at or above the owner, or its written delegate). Decided once per request for
    any number of systems (one query, none for a national authority)."""

    def __init__(self, user):
        self.everything = user.is_superuser
        self.owner_ids: set[int] = set()
        if self.everything or not user.is_authenticated:
            return
        facts = user_facts(user)
        if any(kind == Organization.Kind.NATIONAL_AUTHORITY for _, _, kind in facts.memberships):
            self.everything = True
            return
        owner_orgs = [org for org, role, _ in facts.memberships if role == Role.OWNER]
        if owner_orgs:
            self.owner_ids = set(
                OrganizationClosure.objects.filter(ancestor_id__in=owner_orgs).values_list("descendant_id", flat=True)
            )
        self.owner_ids |= facts.delegated_owners()

    def sees(self, system: InformationSystem) -> bool:
        return self.everything or system.owner_id in self.owner_ids


def filter_by_state(qs, user, state: str, viewer: FlagViewer | None = None):
    """Systems of `qs` in List state `state`, among those whose state the user may see (so the filter reveals
    nothing to the others: for them it matches no system)."""
    viewer = viewer or FlagViewer(user)
    if not viewer.everything:
        qs = qs.filter(owner_id__in=viewer.owner_ids)
    return qs.filter(national_security_list=state)


# --- the transitions -----------------------------------------------------------------------------------------------


def _acts_as(user, system: InformationSystem, actor: str, held: set | None) -> bool:
    if user.is_superuser:
        return True
    held = capacities(user, system) if held is None else held
    return (Role.OWNER if actor == "owner" else Role.AUTHORITY) in held


def may_transition(user, system: InformationSystem, name: str, held: set | None = None) -> bool:
    move = load_policy().transitions[name]
    return system.national_security_list in move.sources and _acts_as(user, system, move.actor, held)


def may_propose_listing(user, system: InformationSystem, held: set | None = None) -> bool:
    return may_transition(user, system, "propose_listing", held)


def may_list(user, system: InformationSystem, held: set | None = None) -> bool:
    return may_transition(user, system, "list", held)


def may_unlist(user, system: InformationSystem, held: set | None = None) -> bool:
    return may_transition(user, system, "unlist", held)


def available(user, system: InformationSystem, held: set | None = None) -> list[str]:
    held = capacities(user, system) if held is None and not user.is_superuser else held
    return [name for name in TRANSITIONS if may_transition(user, system, name, held)]


def _refuse(actor: str) -> Forbidden:
    if actor == "owner":
        return Forbidden(_("Only the system's owner proposes it for the national-security List."))
    return Forbidden(_("Only the national authority puts a system on the national-security List or takes it off."))


def _move(actor, system_id: int, name: str) -> tuple[InformationSystem, "Move", str]:
    """Lock the system (404 for outsiders), check who acts (403) and the state (409)."""
    system = system_for_user(actor, system_id, for_update=True)
    move = load_policy().transitions[name]
    if not _acts_as(actor, system, move.actor, None):
        raise _refuse(move.actor)
    if system.national_security_list not in move.sources:
        raise transition_not_allowed(name, available(actor, system))
    before = system.national_security_list
    system.national_security_list = move.to
    system.list_changed_at = timezone.now()
    return system, move, before


def _finish(actor, system, name: str, move: Move, before: str, fields: list[str], comment: str, data: dict):
    system.save(update_fields=["national_security_list", "list_changed_at", *fields, "updated_at"])
    audit_event = audit.record(
        actor=actor, action=f"system.{name}", obj=system, from_status=before, to_status=system.national_security_list,
        comment=comment, data={**data, "basis": move.basis, "policy_version": load_policy().version},
    )  # fmt: skip
    notices.notify([notices.national_list_event(system, name, audit_event_id=audit_event.pk, actor=actor)])
    return system


def check_criteria(criteria) -> list[str]:
    policy = load_policy()
    unknown = [c for c in criteria if policy.criterion(c) is None]
    if unknown:
        raise Invalid.field(
            "criteria", _("Unknown criteria of Decree 331 Art. 16: %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    return list(dict.fromkeys(criteria))


def _list_authority(system: InformationSystem) -> Organization | None:
    code = load_policy().authorities[system.sector]
    overrides = getattr(settings, "APPROVALS_NATIONAL_AUTHORITY_CODES", {}) or {}
    code = overrides.get(system.sector) or code
    return Organization.objects.filter(code=code).first()


@transaction.atomic
def propose_listing(*, actor, system_id: int, criteria: list[str] | None = None, comment: str = ""):
    """The owner proposes the system for the List on the criteria of Art. 16 it meets (a level-5 system meets
    Art. 16.4 by its level). The proposal goes to the national authority that prepares the List for the system's
    sector, which from then on sees the system."""
    system, move, before = _move(actor, system_id, "propose_listing")
    chosen = check_criteria(criteria or [])
    if not chosen and system.proposed_level == 5:
        chosen = ["art16_4"]
    system.list_criteria = chosen
    system.list_decision_number, system.list_decision_date = "", None
    fields = ["list_criteria", "list_decision_number", "list_decision_date"]
    if system.national_authority_id is None:
        authority = _list_authority(system)
        if authority is not None:
            system.national_authority = authority
            fields.append("national_authority")
    return _finish(actor, system, "propose_listing", move, before, fields, comment, {"criteria": chosen})


def _decided(actor, system_id: int, name: str, decision_number: str, decision_date: date | None, comment: str):
    system, move, before = _move(actor, system_id, name)
    system.list_decision_number = (decision_number or "").strip()[:60]
    system.list_decision_date = decision_date or timezone.localdate()
    data = {"decision_number": system.list_decision_number, "decision_date": system.list_decision_date.isoformat()}
    return _finish(actor, system, name, move, before, ["list_decision_number", "list_decision_date"], comment, data)


@transaction.atomic
def list_system(*, actor, system_id: int, decision_number: str = "", decision_date: date | None = None, comment=""):
    """The national authority records the Prime Minister's decision putting the system on the List (Arts. 18.3(đ),
    20.3(c)); the decision's number and date are kept (today when no date is given)."""
    return _decided(actor, system_id, "list", decision_number, decision_date, comment)


@transaction.atomic
def unlist_system(*, actor, system_id: int, decision_number: str = "", decision_date: date | None = None, comment=""):
    """The national authority refuses a proposal or takes the system off the List."""
    return _decided(actor, system_id, "unlist", decision_number, decision_date, comment)


SERVICES = {"propose_listing": propose_listing, "list": list_system, "unlist": unlist_system}


def criteria_labels(system: InformationSystem) -> list[dict]:
    policy = load_policy()
    found = (policy.criterion(code) for code in system.list_criteria or [])
    return [{"code": c.code, "article": c.article, "text": c.text()} for c in found if c is not None]
