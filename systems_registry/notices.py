"""What the registry tells people, as notices to role holders (`accounts.audiences`): a level moved away from the
approved one, an operating system past its deadline to submit the new dossier, a List move, a transitional deadline.
`accounts.audiences.publish` hands notifications plain events and user ids; notifications never reads the registry.
`system_people` is the registry's rule for "the people of a system", which approvals and inspections use too."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import audiences as who
from accounts.audiences import Audience, Notice, publish
from accounts.models import Role
from notifications.services import Kind


def system_people(system, *, operator=True, security_unit=True) -> Audience:
    """The operating unit's operators and the designated security unit's staff."""
    roles = set()
    if operator:
        roles.add((system.operator_id, Role.OPERATOR))
    if security_unit:
        roles.add((system.security_unit_id, Role.SECURITY_UNIT))
    return Audience(roles=frozenset(roles))


def system_url(system_id: int) -> str:
    return reverse("systems:detail", args=[system_id])


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def level_moved_event(system, *, audit_event_id: int, actor=None) -> Notice | None:
    """One per change of proposed level that leaves it away from the approved level (the audit event's id keys it,
    so a level that moves away, back and away again is announced each time)."""
    if not system.reapproval_required:
        return None
    audience = (who.owner_representatives(system.owner_id) | system_people(system, security_unit=False)).without(actor)
    params = {"system": system.code, "level": system.proposed_level, "approved": system.approved_level}
    if system.operating_without_approval:
        return Notice(
            audience=audience, kind=Kind.REAPPROVAL_REQUIRED, key=f"system:{system.pk}:reapproval:{audit_event_id}",
            url=system_url(system.pk),
            title=_("%(system)s operates without approval at level %(level)s"),
            body=_("System %(system)s is approved at level %(approved)s but is now classified at level %(level)s. It "
                   "keeps operating, flagged as operating without approval at its current level: submit a dossier "
                   "for the new level by %(deadline)s."),
            params={**params, "deadline": _date(system.reapproval_deadline)},
        )  # fmt: skip
    return Notice(
        audience=audience, kind=Kind.REAPPROVAL_REQUIRED, key=f"system:{system.pk}:reapproval:{audit_event_id}",
        url=system_url(system.pk),
        title=_("%(system)s needs a new approval at level %(level)s"),
        body=_("System %(system)s is approved at level %(approved)s but is now classified at level %(level)s: "
               "submit a dossier for the new level."),
        params=params,
    )  # fmt: skip


def reapproval_overdue_event(system, parent_owner_id: int | None) -> Notice:
    """Escalation: the deadline passed with no new approval; the owner and the organisation above it hear of it."""
    audience = who.owner_representatives(system.owner_id) | system_people(system)
    if parent_owner_id is not None:
        audience = audience | who.owner_representatives(parent_owner_id)
    return Notice(
        audience=audience, kind=Kind.REAPPROVAL_REQUIRED,
        key=f"system:{system.pk}:reapproval-overdue:{system.reapproval_deadline.isoformat()}", url=system_url(system.pk),
        title=_("Overdue: %(system)s still operates without approval at level %(level)s"),
        body=_("System %(system)s has operated without an approved dossier at its level %(level)s since its level "
               "changed; the new dossier was due by %(deadline)s."),
        params={"system": system.code, "level": system.proposed_level, "deadline": _date(system.reapproval_deadline)},
    )  # fmt: skip


_LIST_TITLES = {
    "propose_listing": _("%(system)s is proposed for the national-security List"),
    "list": _("%(system)s is on the national-security List"),
    "unlist": _("%(system)s is not on the national-security List"),
}
_LIST_BODIES = {
    "propose_listing": _("The owner proposed system %(system)s for the List of information systems important to "
                         "national security; the national authority decides."),
    "list": _("System %(system)s is on the List of information systems important to national security (decision "
              "%(decision)s). Its next dossier follows the level-5 procedure and a licensed organisation assesses it."),
    "unlist": _("System %(system)s was taken off (or not put on) the List of information systems important to national "
                "security (decision %(decision)s)."),
}  # fmt: skip


def national_list_event(system, name: str, *, audit_event_id: int, actor=None) -> Notice:
    """The owner's representatives and the national authority the system is routed to hear of every List move;
    nobody else does (only they see the flag)."""
    audience = who.owner_representatives(system.owner_id)
    if system.national_authority_id:
        audience = audience | who.role_holders(system.national_authority_id, "authority")
    return Notice(
        audience=audience.without(actor), kind=Kind.NATIONAL_LIST, key=f"system:{system.pk}:list:{audit_event_id}",
        url=system_url(system.pk), title=_LIST_TITLES[name], body=_LIST_BODIES[name],
        params={"system": system.code, "decision": system.list_decision_number or "—"},
    )  # fmt: skip


def transition_deadline_event(system, stage) -> Notice:
    """A transitional deadline (Decree 331 Art. 39.1) approaches or passed for a system that has not met it: one per
    (system, rule, reminder stage)."""
    r = stage.rule
    audience = who.owner_representatives(system.owner_id) | system_people(system, security_unit=False)
    params = {"system": system.code, "deadline": _date(r.deadline), "days": stage.days_before, "basis": r.basis_label()}
    if stage.days_before == 0:
        title = _("Transitional deadline passed: %(system)s (%(deadline)s)")
        body = _("The transitional deadline of %(deadline)s (%(basis)s) has passed and system %(system)s has not met "
                 "it yet.")  # fmt: skip
    else:
        title = _("%(system)s: transitional deadline in %(days)s days (%(deadline)s)")
        body = _("System %(system)s has not yet met the transitional rule %(basis)s, due by %(deadline)s.")
    return Notice(
        audience=audience, kind=Kind.TRANSITION_DEADLINE, url=reverse("systems:transition_deadlines"),
        key=f"system:{system.pk}:transition:{r.rule}:{r.deadline.isoformat()}:{stage.days_before}",
        title=title, body=body, params=params,
    )  # fmt: skip


def notify(notices) -> None:
    publish(notices)
