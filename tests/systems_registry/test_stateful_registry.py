"""Issue 15, proof across paths: one registry driven through every write path (the HTML form, the API's PATCH and
classify, the spreadsheet import, the admin action, the inspection scheduler, the approvals service, the lifecycle
transitions) with random classification changes, structure changes, decisions and attempts to name organisations
of another province. After every step:

- an operating system has an approved dossier at its current level, or is flagged operating without approval with
  a deadline; a system that is not operating is never flagged;
- every change of proposed level has exactly one `system.classify` audit event, and every change that leaves it
  away from the approved level exactly one re-approval notification;
- `approved_level` changes only with the approval service's `system.approved_level` event;
- the operating unit and the security unit stay in the owner's tree;
- the audit chain verifies.

Runs on SQLite and PostgreSQL (DATABASE_URL). Examples: STATEFUL_REGISTRY_EXAMPLES (default 12) sequences of up to
15 steps, derandomised so CI is repeatable."""

import io
import os
from datetime import timedelta

from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from accounts.models import OrganizationClosure, Role
from approvals import services as approvals
from approvals.models import Dossier
from approvals.selectors import current_step, steps_of_revision
from core.audit import verify_chain
from core.errors import DomainError
from core.models import AuditEvent
from inspections.scheduling import scan_inspection_schedule
from notifications.models import Kind, Notification
from systems_registry import services as registry
from systems_registry.forms import FORM_FIELDS
from systems_registry.models import InformationSystem
from systems_registry.spreadsheets import ImportFailed, import_systems
from tests import factories
from tests.approvals.golive_support import plan_in_full, ready_for_go_live
from tests.imports.conftest import registry_xlsx
from tests.personas import ApiClient, verify_session_otp

EXAMPLES = int(os.environ.get("STATEFUL_REGISTRY_EXAMPLES", "12"))
BOUNDS = settings(
    max_examples=EXAMPLES, stateful_step_count=15, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a failing sequence is shown as found: shrinking one costs minutes
)  # fmt: skip

# Classification changes that move the level of an internal system with personal data (level 2) up and down.
CHANGES = st.one_of(
    st.fixed_dictionaries({"handles_administrative_procedures": st.booleans()}),
    st.fixed_dictionaries({"info_types": st.sampled_from([["public"], ["personal"], ["public", "personal"]])}),
    st.fixed_dictionaries(
        {"requires_24x7": st.booleans(), "infrastructure_scope": st.sampled_from(["none", "national"])}
    ),
    st.fixed_dictionaries({"pm_designated_level": st.one_of(st.none(), st.integers(1, 5))}),
)
FOREIGN = st.sampled_from([("operator_id", "LSN-SKHCN"), ("security_unit_id", "LSN-SKHCN"), ("operator_id", "LSN")])


def _sheet_value(key, value):
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, list):
        return ",".join(value)
    return value


class RegistryMachine(RuleBasedStateMachine):
    demo = None
    api: ApiClient = None
    clients: dict = {}

    def __init__(self):
        super().__init__()
        d = self.demo
        self.systems = [
            factories.system(
                d.operator, d.org("QNI"), operator=d.org("QNI-TTCDS"), security_unit=d.org("QNI-SKHCN"), regime=regime
            )
            for regime in ("decree_331_2026", "decree_331_2026", "decree_85_2016")
        ]
        self.qni_tree = set(
            OrganizationClosure.objects.filter(ancestor=d.org("QNI")).values_list("descendant_id", flat=True)
        )
        self.seen = {s.pk: (s.proposed_level, s.approved_level) for s in self._fresh()}
        self.level_changes = {s.pk: self._classify_events(s.pk) for s in self.systems}
        self.approvals = {s.pk: self._approval_events(s.pk) for s in self.systems}
        self.paths: set[str] = set()

    # --- helpers ---------------------------------------------------------------------------------------------------------

    def _fresh(self):
        return list(InformationSystem.objects.filter(pk__in=[s.pk for s in self.systems]).order_by("pk"))

    @staticmethod
    def _classify_events(pk):
        return AuditEvent.objects.filter(action="system.classify", object_id=str(pk)).count()

    @staticmethod
    def _approval_events(pk):
        return AuditEvent.objects.filter(action="system.approved_level", object_id=str(pk)).count()

    def _refused_designation(self, system, change) -> bool:
        """Decree 85 accepts a designation of 5 only (Art. 11.5)."""
        return system.regime == "decree_85_2016" and change.get("pm_designated_level") not in (None, 5)

    def _refused_unchanged(self, pk, call):
        """A refused write (422) saves nothing: the row is identical afterwards."""
        before = InformationSystem.objects.filter(pk=pk).values().get()
        resp = call()
        assert resp.status_code == 422, resp.content
        assert InformationSystem.objects.filter(pk=pk).values().get() == before

    # --- write paths -----------------------------------------------------------------------------------------------------

    @initialize()
    def one_system_in_operation(self):
        """Every sequence starts with the first system approved and in operation, so that the random changes below
        happen to an operating system too."""
        self.approve_current_level(0, "commission")
        assert InformationSystem.objects.get(pk=self.systems[0].pk).status == InformationSystem.Status.OPERATING

    @rule(index=st.integers(0, 2), change=CHANGES)
    def api_patch(self, index, change):
        system = self.systems[index]
        if self._refused_designation(system, change):
            self._refused_unchanged(
                system.pk, lambda: self.api.patch(f"systems/{system.pk}", self.demo.operator, change)
            )
            self.paths.add("designation_refused")
            return
        resp = self.api.patch(f"systems/{system.pk}", self.demo.operator, change)
        assert resp.status_code == 200, resp.content
        body = resp.json()
        fresh = InformationSystem.objects.get(pk=system.pk)
        assert (
            body["proposed_level"] == fresh.proposed_level and body["reapproval_required"] == fresh.reapproval_required
        )
        assert body["reasons"] and body["reasons"][0]["level"] == fresh.proposed_level
        self.paths.add("api_patch")

    @rule(index=st.integers(0, 2), change=CHANGES)
    def api_classify(self, index, change):
        system = self.systems[index]
        if self._refused_designation(system, change):
            self._refused_unchanged(
                system.pk, lambda: self.api.post(f"systems/{system.pk}/classify", self.demo.operator, change)
            )
            return
        resp = self.api.post(f"systems/{system.pk}/classify", self.demo.operator, change)
        assert resp.status_code == 200, resp.content
        assert resp.json()["level"] == InformationSystem.objects.get(pk=self.systems[index].pk).proposed_level
        self.paths.add("api_classify")

    @rule(index=st.integers(0, 2), foreign=FOREIGN, change=CHANGES)
    def api_names_another_province(self, index, foreign, change):
        field, code = foreign
        pk = self.systems[index].pk
        self._refused_unchanged(
            pk, lambda: self.api.patch(f"systems/{pk}", self.demo.operator, {field: self.demo.org(code).pk, **change})
        )
        self.paths.add("api_foreign")

    @rule(index=st.integers(0, 2), change=CHANGES)
    def form_edit(self, index, change):
        system = InformationSystem.objects.get(pk=self.systems[index].pk)
        data = {}
        for name in FORM_FIELDS:
            value = change.get(
                name,
                getattr(system, f"{name}_id" if name in ("owner", "operator", "security_unit", "parent") else name),
            )
            if value is None or value is False:
                continue
            data[name] = "on" if value is True else value
        before = InformationSystem.objects.filter(pk=system.pk).values().get()
        resp = self.clients["operator"].post(f"/systems/{system.pk}/edit/", data)
        if self._refused_designation(system, change):
            assert resp.status_code == 200 and InformationSystem.objects.filter(pk=system.pk).values().get() == before
            return
        assert resp.status_code == 302, resp.content.decode()[:2000]
        self.paths.add("form")

    @rule(index=st.integers(0, 2), change=CHANGES, foreign=st.one_of(st.none(), FOREIGN))
    def spreadsheet_import(self, index, change, foreign):
        system = InformationSystem.objects.select_related("owner", "operator", "security_unit").get(
            pk=self.systems[index].pk
        )
        row = {"code": system.code, "name": system.name, "owner_code": system.owner.code, "operator_code": system.operator.code,
               "security_unit_code": system.security_unit.code, "system_type": system.system_type}  # fmt: skip
        row.update({k: _sheet_value(k, v) for k, v in change.items()})
        if foreign is not None:
            row[{"operator_id": "operator_code", "security_unit_id": "security_unit_code"}[foreign[0]]] = foreign[1]
        before = InformationSystem.objects.filter(pk=system.pk).values().get()
        try:
            import_systems(actor=self.demo.operator, fileobj=io.BytesIO(registry_xlsx([row])), filename="s.xlsx")
        except ImportFailed as exc:
            assert foreign is not None or self._refused_designation(system, change), exc.details
            assert InformationSystem.objects.filter(pk=system.pk).values().get() == before
            self.paths.add("import_refused")
            return
        assert foreign is None and not self._refused_designation(system, change)
        self.paths.add("import")

    @rule(index=st.integers(0, 2))
    def admin_reclassify(self, index):
        resp = self.clients["admin"].post(
            "/admin/systems_registry/informationsystem/",
            {"action": "reclassify", "_selected_action": [self.systems[index].pk]},
        )
        assert resp.status_code == 302
        self.paths.add("admin")

    @rule(index=st.integers(0, 2), parent=st.one_of(st.none(), st.integers(0, 2)))
    def set_parent(self, index, parent):
        pk = self.systems[index].pk
        parent_id = self.systems[parent].pk if parent is not None else None
        chain, node = set(), parent_id
        while node is not None and node not in chain:
            chain.add(node)
            node = InformationSystem.objects.get(pk=node).parent_id
        if pk in chain:  # a cycle: refused, nothing saved
            self._refused_unchanged(
                pk, lambda: self.api.patch(f"systems/{pk}", self.demo.operator, {"parent_id": parent_id})
            )
            self.paths.add("parent_cycle")
            return
        resp = self.api.patch(f"systems/{pk}", self.demo.operator, {"parent_id": parent_id})
        assert resp.status_code == 200, resp.content
        self.paths.add("parent")

    @rule(days=st.integers(0, 400))
    def scheduler(self, days):
        scan_inspection_schedule(today=timezone.localdate() + timedelta(days=days))
        self.paths.add("scheduler")

    @rule(index=st.integers(0, 2), then=st.sampled_from(["", "commission", "resume"]))
    def approve_current_level(self, index, then):
        """A dossier at the system's current level walked to approval by the people its route names; then, often, the
        system goes (back) into operation, so that later level changes happen while it operates."""
        system = InformationSystem.objects.get(pk=self.systems[index].pk)
        d = self.demo
        people = {
            Role.SECURITY_UNIT: [d.security_unit],
            Role.OWNER: [d.owner],
            Role.AUTHORITY: [d.authority, self.second_authority],
        }
        try:
            dossier = approvals.create_dossier(
                actor=d.operator, system_id=system.pk, proposed_level=system.proposed_level, title="Hồ sơ"
            )
        except DomainError:
            return  # a dossier is already open for it
        factories.add_documents(d.operator, dossier)
        approvals.submit_dossier(actor=d.operator, dossier_id=dossier.pk)
        while (dossier := Dossier.objects.get(pk=dossier.pk)).status == Dossier.Status.IN_REVIEW:
            step = current_step(steps_of_revision(dossier))
            approvals.decide_step(actor=people[step.role].pop(0), dossier_id=dossier.pk, decision="approve")
        assert dossier.status == Dossier.Status.APPROVED
        factories.sign_decision(dossier)  # the approval takes effect once its decision is signed
        self.paths.add("approval")
        if then == "commission":  # the go-live gate: the plan in full, and under Decree 331 a readiness check eligible
            (plan_in_full if system.regime == "decree_85_2016" else ready_for_go_live)(self.api, self.demo, system)
        if then:
            self.lifecycle(index, then)

    @rule(index=st.integers(0, 2), name=st.sampled_from(["commission", "commission", "suspend", "resume"]))
    def lifecycle(self, index, name):
        try:
            registry.transition_system(actor=self.demo.operator, system_id=self.systems[index].pk, name=name)
            self.paths.add(name)
        except DomainError as exc:
            assert exc.code in (
                "no_approved_dossier",
                "transition_not_allowed",
                "readiness_not_eligible",
                "plan_not_implemented",
            ), exc.code

    # --- promises ----------------------------------------------------------------------------------------------------

    @invariant()
    def operating_means_approved_at_the_level_or_flagged_with_a_deadline(self):
        for system in self._fresh():
            if system.status == InformationSystem.Status.OPERATING and not system.has_current_approval():
                assert system.operating_without_approval and system.reapproval_deadline is not None, system.code
            if system.status != InformationSystem.Status.OPERATING or system.has_current_approval():
                assert not system.operating_without_approval and system.reapproval_deadline is None, system.code

    @invariant()
    def every_level_change_has_one_audit_event_and_one_notice(self):
        for system in self._fresh():
            level, approved = self.seen[system.pk]
            if system.proposed_level != level:
                self.level_changes[system.pk] += 1
            if system.approved_level != approved:
                self.approvals[system.pk] += 1
            self.seen[system.pk] = (system.proposed_level, system.approved_level)
            assert self._classify_events(system.pk) == self.level_changes[system.pk], system.code
            away = AuditEvent.objects.filter(
                action="system.classify", object_id=str(system.pk), data__reapproval_required=True
            ).count()
            notices = Notification.objects.filter(
                kind=Kind.REAPPROVAL_REQUIRED, dedup_key__startswith=f"system:{system.pk}:reapproval:"
            )
            assert notices.values("dedup_key").distinct().count() == away, system.code

    @invariant()
    def only_the_approval_service_sets_the_approved_level(self):
        for system in self._fresh():
            assert self._approval_events(system.pk) >= self.approvals[system.pk], system.code
            if system.approved_level is not None:
                dossier = Dossier.objects.filter(pk=system.approved_dossier_id).first()
                assert dossier is not None and dossier.proposed_level == system.approved_level

    @invariant()
    def the_organisations_stay_in_the_owners_tree(self):
        for system in self._fresh():
            assert {system.operator_id, system.security_unit_id} <= self.qni_tree, system.code

    @invariant()
    def audit_chain_verifies(self):
        assert verify_chain().ok


def test_every_write_path_keeps_the_approved_level_true(demo):
    RegistryMachine.demo = demo
    RegistryMachine.api = ApiClient()
    RegistryMachine.second_authority = factories.user(demo.org("BCA-A05"), Role.AUTHORITY)
    clients = {}
    for name in ("operator", "admin"):
        clients[name] = Client()
        clients[name].force_login(getattr(demo, name))
        verify_session_otp(clients[name], getattr(demo, name))
    RegistryMachine.clients = clients
    reached: set[str] = set()
    original = RegistryMachine.__init__

    def init(self):
        original(self)
        self.paths = reached

    RegistryMachine.__init__ = init
    try:
        run_state_machine_as_test(RegistryMachine, settings=BOUNDS)
    finally:
        RegistryMachine.__init__ = original
    # Enough examples to reach every path (and the refusals), not only some.
    expected = {
        "api_patch",
        "api_classify",
        "api_foreign",
        "form",
        "import",
        "import_refused",
        "admin",
        "parent",
        "scheduler",
        "approval",
        "commission",
    }
    assert expected <= reached, expected - reached
