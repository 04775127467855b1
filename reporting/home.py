"""The home page's worklist: everything waiting for the user, each list one query."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership
from accounts.selectors import has_national_oversight, jurisdiction_org_ids
from approvals.models import Dossier
from approvals.selectors import worklist
from inspections.models import OPEN_STATUSES, Finding, Inspection
from systems_registry.models import InformationSystem
from systems_registry.selectors import systems_visible_to

from .dashboard import OPERATING, approved_q

OVERSIGHT_ROLES = ("owner", "security_unit", "authority", "auditor")
HOME_LIMIT = 20


@dataclass
class Worklist:
    steps: list
    dossiers_to_complete: list
    inspections: list
    findings: list
    without_approval: list | None
    today: date

    @property
    def empty(self) -> bool:
        return not (
            self.steps or self.dossiers_to_complete or self.inspections or self.findings or self.without_approval
        )


def home_worklist(user, *, today: date | None = None) -> Worklist:
    """Everything waiting for the user, each list one query: dossier steps awaiting the user's organisation and
    role, dossiers of the user's units to complete or resubmit, inspections assigned to the user, findings the
    user's units (as operating unit or owner) must remediate (every open one, the nearest due first), and for oversight roles the systems in
    operation without an approved dossier."""
    today = today or timezone.localdate()
    oversight = has_national_oversight(user)
    visible = InformationSystem.objects.all() if oversight else systems_visible_to(user)
    visible_ids = visible.values("id")
    steps = list(worklist(user)[:HOME_LIMIT])
    editors = jurisdiction_org_ids(user, ["operator", "owner"])
    to_complete = list(
        Dossier.objects.filter(system_id__in=visible_ids, status__in=[Dossier.Status.DRAFT, Dossier.Status.RETURNED])
        .filter(Q(system__operator_id__in=editors) | Q(system__owner_id__in=editors))
        .select_related("system")
        .order_by("status", "-id")[:HOME_LIMIT]
    )
    inspections = list(
        Inspection.objects.filter(system_id__in=visible_ids, inspectors=user, status__in=[*OPEN_STATUSES, "submitted"])
        .select_related("system")
        .order_by("due_date", "id")[:HOME_LIMIT]
    )
    findings = list(
        Finding.objects.filter(
            system_id__in=visible_ids, responsible_org_id__in=editors, status=Finding.Status.OPEN,
        )
        .select_related("system")
        .order_by("due_date", "id")[:HOME_LIMIT]
    )  # fmt: skip
    without = None
    if oversight or Membership.objects.filter(user_id=user.pk, role__in=OVERSIGHT_ROLES).exists():
        without = list(
            visible.filter(status=OPERATING).exclude(approved_q()).select_related("owner").order_by("code")[:HOME_LIMIT]
        )
    return Worklist(steps, to_complete, inspections, findings, without, today)
