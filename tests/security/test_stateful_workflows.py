"""Model-based tests: random actions by random personas on the dossier, system and inspection workflows, with the
promises checked after every step. A refused action must change nothing (not even the audit trail); an accepted one
must be audited; and whatever the sequence:

- no system operates without an approved dossier at its current level;
- whoever prepared or submitted a dossier never decides one of its steps;
- nobody decides two different steps of one dossier;
- an inspector never closes their own inspection;
- the audit chain verifies."""

from datetime import date

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from accounts.models import Role
from approvals import services as approvals
from approvals.models import Dossier, DossierStep
from approvals.statutory.selectors import decision_in_force
from core.audit import verify_chain
from core.errors import DomainError
from core.models import AuditEvent
from inspections import services as inspections
from inspections.access import may_order
from inspections.models import Inspection, InspectionResult
from systems_registry import services as registry
from systems_registry.models import InformationSystem
from tests import factories
from tests.inspections.helpers import publish

BOUNDS = settings(
    max_examples=80, stateful_step_count=20, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)  # fmt: skip
ACTORS = ("operator", "security_unit", "owner", "authority", "inspector", "auditor", "outsider", "owner2", "security2")
# Anyone may try anything, but the people whose turn it is are drawn more often, so that every run reaches the
# decisions and the inspections' work and not only refusals (the last assertion checks that it did).
PREPARERS = st.one_of(st.sampled_from(ACTORS), st.sampled_from(("operator", "owner", "owner2")))
# "turn" draws a person whose page offers the action now (the service's may_/available twin), so that runs reach
# decisions and the inspections' work whatever the seed: the seed follows this file's text, so any edit changes the
# path (the last assertion checks that the states are reached).
TURN = st.just("turn")
DECIDERS = st.one_of(
    st.sampled_from(ACTORS), st.sampled_from(("security_unit", "security2", "owner", "owner2", "authority")), TURN
)


def _cast(demo):
    """The demo personas plus a second owner and a second security-unit member, so that deciding two steps of
    one dossier is possible by role and only separation of duties stops it."""
    extra = {
        "owner2": factories.user(demo.org("QNI"), Role.OWNER, username="owner2"),
        "security2": factories.user(demo.org("QNI-SKHCN"), Role.SECURITY_UNIT, username="security2"),
    }
    return {name: getattr(demo, name, None) or extra[name] for name in ACTORS}


def _last_event_id() -> int:
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return last or 0


class Audited:
    """Run one service call: if refused, nothing may have been written to the trail; if accepted, `action` was."""

    def __init__(self, action: str):
        self.action = action

    def __enter__(self):
        self.before = _last_event_id()
        return self

    def __exit__(self, exc_type, exc, tb):
        new = AuditEvent.objects.filter(id__gt=self.before)
        if exc_type is not None:
            if issubclass(exc_type, DomainError):
                assert not new.exists(), (
                    f"a refused {self.action} left audit rows: {list(new.values_list('action', flat=True))}"
                )
                return True
            return False
        assert new.filter(action=self.action).exists(), f"{self.action} succeeded without its audit event"
        return False


class WorkflowMachine(RuleBasedStateMachine):
    cast: dict = {}
    demo = None

    def __init__(self):
        super().__init__()
        self.systems = [factories.leveled_system(self.demo, level) for level in (1, 2, 3)]
        self.dossiers: list[int] = []
        self.inspections: list[int] = []

    # --- dossiers ------------------------------------------------------------------------------------------------

    @rule(system=st.integers(0, 2), actor=PREPARERS)
    def create_dossier(self, system, actor):
        target = self.systems[system]
        target.refresh_from_db()
        with Audited("dossier.create"):
            dossier = approvals.create_dossier(
                actor=self.cast[actor], system_id=target.pk, proposed_level=target.proposed_level, title="t"
            )
            self.dossiers.append(dossier.pk)
            factories.add_documents(self.cast["operator"], dossier)

    @precondition(lambda self: self.dossiers)
    @rule(data=st.data(), actor=PREPARERS)
    def submit(self, data, actor):
        dossier_id = data.draw(st.sampled_from(self.dossiers))
        with Audited("dossier.submit"):
            approvals.submit_dossier(actor=self.cast[actor], dossier_id=dossier_id)

    @precondition(lambda self: self.dossiers)
    @rule(
        data=st.data(),
        actor=DECIDERS,
        decision=st.sampled_from(["approve", "approve", "reject", "return"]),
    )
    def decide(self, data, actor, decision):
        dossier_id = data.draw(st.sampled_from(self.dossiers))
        if actor == "turn":
            dossier = Dossier.objects.get(pk=dossier_id)
            actor = self._whose_turn(lambda user: decision in approvals.available_transitions(user, dossier))
        with Audited(f"dossier.{decision}"):
            approvals.decide_step(actor=self.cast[actor], dossier_id=dossier_id, decision=decision, comment="c",
                                  decision_number="QĐ-1", decision_date=date.today())  # fmt: skip
        if Dossier.objects.filter(pk=dossier_id, status=Dossier.Status.APPROVED).exists():
            # Its decision signed on paper, so the approval takes effect (no draw: the runs stay as they were).
            with Audited("statutory.signed_on_paper"):
                factories.sign_decision(Dossier(pk=dossier_id))

    @precondition(lambda self: self.dossiers)
    @rule(data=st.data(), actor=st.sampled_from(ACTORS))
    def revise_and_resubmit(self, data, actor):
        dossier = Dossier.objects.get(pk=data.draw(st.sampled_from(self.dossiers)))
        if dossier.status == Dossier.Status.RETURNED:
            factories.add_documents(self.cast["operator"], dossier)
        with Audited("dossier.resubmit"):
            approvals.resubmit_dossier(actor=self.cast[actor], dossier_id=dossier.pk)

    @precondition(lambda self: self.dossiers)
    @rule(data=st.data(), actor=st.sampled_from(ACTORS))
    def withdraw(self, data, actor):
        with Audited("dossier.withdraw"):
            approvals.withdraw_dossier(actor=self.cast[actor], dossier_id=data.draw(st.sampled_from(self.dossiers)))

    # --- systems -------------------------------------------------------------------------------------------------

    @rule(
        system=st.integers(0, 2),
        actor=st.sampled_from(ACTORS),
        name=st.sampled_from(["commission", "suspend", "resume"]),
    )
    def system_transition(self, system, actor, name):
        with Audited(f"system.{name}"):
            registry.transition_system(actor=self.cast[actor], system_id=self.systems[system].pk, name=name)

    # --- inspections ---------------------------------------------------------------------------------------------

    @rule(
        system=st.integers(0, 2),
        actor=st.one_of(st.sampled_from(ACTORS), TURN),
        inspector=st.sampled_from(["inspector", "security2", "auditor"]),
    )
    def create_inspection(self, system, actor, inspector):
        if actor == "turn":
            actor = self._whose_turn(lambda user: may_order(user, self.systems[system]))
        with Audited("inspection.create"):
            inspection = inspections.create_inspection(
                actor=self.cast[actor], system_id=self.systems[system].pk, kind="ad_hoc", trigger="authority_request",
                scheduled_for=date.today(), inspector_ids=[self.cast[inspector].pk],
            )  # fmt: skip
            self.inspections.append(inspection.pk)

    @precondition(lambda self: self.inspections)
    @rule(data=st.data(), actor=st.sampled_from(ACTORS), result=st.sampled_from(["met", "not_met", "partial"]))
    def save_results(self, data, actor, result):
        inspection_id = data.draw(st.sampled_from(self.inspections))
        entries = [
            {"item_id": i, "result": result, "note": ""}
            for i in InspectionResult.objects.filter(inspection_id=inspection_id).values_list("item_id", flat=True)
        ]
        with Audited("inspection.results"):
            inspections.save_results(actor=self.cast[actor], inspection_id=inspection_id, entries=entries)

    @precondition(lambda self: self.inspections)
    @rule(
        data=st.data(),
        actor=st.one_of(st.sampled_from(ACTORS), st.sampled_from(("inspector", "security_unit", "security2")), TURN),
        name=st.sampled_from(["start", "submit", "close", "reopen", "cancel"]),
    )  # fmt: skip
    def inspection_transition(self, data, actor, name):
        inspection_id = data.draw(st.sampled_from(self.inspections))
        if actor == "turn":
            inspection = Inspection.objects.get(pk=inspection_id)
            actor = self._whose_turn(lambda user: name in inspections.available_transitions(user, inspection))
        outcome = "eligible" if name == "close" else ""
        with Audited(f"inspection.{name}"):
            inspections.transition_inspection(actor=self.cast[actor], inspection_id=inspection_id, name=name,
                                              outcome=outcome)  # fmt: skip

    @precondition(lambda self: self.dossiers)
    @rule()
    def move_the_latest_dossier_on(self):
        """The first person to whom the page offers the latest dossier's next forward step takes it (no draw): it is
        submitted, then each step approved by whoever may decide it, so every run reaches approvals."""
        dossier = Dossier.objects.get(pk=self.dossiers[-1])
        for name in ("submit", "approve"):
            actor = self._whose_turn(lambda user, name=name: name in approvals.available_transitions(user, dossier))
            if actor == "outsider":
                continue
            if name == "submit":
                with Audited("dossier.submit"):
                    approvals.submit_dossier(actor=self.cast[actor], dossier_id=dossier.pk)
                return
            with Audited("dossier.approve"):
                approvals.decide_step(actor=self.cast[actor], dossier_id=dossier.pk, decision="approve", comment="c",
                                      decision_number="QĐ-1", decision_date=date.today())  # fmt: skip
            if Dossier.objects.filter(pk=dossier.pk, status=Dossier.Status.APPROVED).exists():
                with Audited("statutory.signed_on_paper"):
                    factories.sign_decision(Dossier(pk=dossier.pk))
            return

    @precondition(lambda self: self.inspections)
    @rule()
    def move_the_latest_inspection_on(self):
        """The first person to whom the page offers the next forward step of the latest inspection takes it (no
        draw), so every run starts, submits and closes inspections and not only when a random person happens to be
        the right one."""
        inspection = Inspection.objects.get(pk=self.inspections[-1])
        for name in ("start", "submit", "close"):
            actor = self._whose_turn(
                lambda user, name=name: name in inspections.available_transitions(user, inspection)
            )
            if actor != "outsider":
                with Audited(f"inspection.{name}"):
                    inspections.transition_inspection(actor=self.cast[actor], inspection_id=inspection.pk, name=name,
                                                      outcome="eligible" if name == "close" else "")  # fmt: skip
                return

    def _whose_turn(self, offered) -> str:
        """The first of the cast to whom the action is offered now; the outsider (refused) when nobody is."""
        return next((name for name in ACTORS if offered(self.cast[name])), "outsider")

    # --- promises ------------------------------------------------------------------------------------------------

    @invariant()
    def no_operating_system_without_an_approved_dossier_at_its_level(self):
        for system in InformationSystem.objects.filter(status=InformationSystem.Status.OPERATING):
            dossier = Dossier.objects.filter(pk=system.approved_dossier_id).first()
            assert dossier is not None, f"{system.code} operates with no approved dossier"
            assert dossier.status == Dossier.Status.APPROVED
            assert system.approved_level == system.proposed_level == dossier.proposed_level

    @invariant()
    def no_approval_in_effect_without_its_decision_in_force(self):
        for system in InformationSystem.objects.exclude(approved_dossier_id=None):
            dossier = Dossier.objects.get(pk=system.approved_dossier_id)
            assert decision_in_force(dossier), f"{system.code}: approval in effect, decision unsigned"

    @invariant()
    def no_self_approval(self):
        bad = (
            DossierStep.objects.filter(decided_by__isnull=False)
            .filter(decided_by_id__in=[u for u in Dossier.objects.values_list("submitted_by_id", flat=True) if u])
            .select_related("dossier")
        )
        for step in bad:
            assert step.decided_by_id not in (step.dossier.submitted_by_id, step.dossier.created_by_id), (
                f"step {step.pk} self-decided"
            )

    @invariant()
    def nobody_decides_two_steps_of_one_dossier(self):
        seen = {}
        for dossier_id, user_id, order in DossierStep.objects.filter(decided_by__isnull=False).values_list(
            "dossier_id", "decided_by_id", "order"
        ):
            assert seen.setdefault((dossier_id, user_id), order) == order, (
                f"user {user_id} decided two steps of dossier {dossier_id}"
            )

    @invariant()
    def no_inspector_closes_their_own_inspection(self):
        for inspection in Inspection.objects.filter(closed_by__isnull=False).prefetch_related("inspectors"):
            assert inspection.closed_by_id not in {u.pk for u in inspection.inspectors.all()}

    @invariant()
    def audit_chain_verifies(self):
        result = verify_chain()
        assert result.ok, result


def test_random_workflows_keep_every_promise(demo):
    for level in (1, 2, 3):
        publish(level=level, sections=1, items=2)
    WorkflowMachine.demo = demo
    WorkflowMachine.cast = _cast(demo)
    run_state_machine_as_test(WorkflowMachine, settings=BOUNDS)
    # The machine did reach the interesting states, not only refusals.
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"dossier.submit", "dossier.approve", "inspection.create", "inspection.start"} <= actions, actions
