"""Who hears about what: one behaviour per event, on the demo personas."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Delegation, Membership, Role
from approvals import services as approvals
from approvals.selectors import current_step, holidays_from, steps_of_revision
from approvals.workdays import add_working_days
from inspections.models import Finding, Inspection
from inspections.services import create_finding, save_results, transition_inspection
from notifications.models import Kind, Notification
from systems_registry import services as registry
from systems_registry.models import InformationSystem
from tests import factories
from tests.notifications.helpers import holders, recipients, scan_deadlines, scheduled_inspection


def test_it_tells_the_step_role_holders_when_a_dossier_is_submitted(demo):
    dossier = factories.submitted_dossier(demo, 3)
    step = current_step(steps_of_revision(dossier))
    assert recipients(Kind.STEP_ASSIGNED) == holders(step.organization_id, step.role)
    assert recipients(Kind.STEP_ASSIGNED)  # somebody holds the first step's role in the demo
    assert "operator" not in recipients(Kind.STEP_ASSIGNED)  # the submitter is not told about their own act
    note = Notification.objects.get(kind=Kind.STEP_ASSIGNED)
    assert note.url == f"/dossiers/{dossier.pk}/" and dossier.title in note.title


def test_it_tells_the_next_step_when_a_step_is_approved(demo):
    dossier = factories.submitted_dossier(demo, 3)
    first = current_step(steps_of_revision(dossier))
    approvals.decide_step(actor=demo.security_unit, dossier_id=dossier.pk, decision="approve", comment="ok")
    dossier.refresh_from_db()
    second = current_step(steps_of_revision(dossier))
    assert second.order == first.order + 1
    told = set(
        Notification.objects.filter(dedup_key=f"step:{second.pk}:assigned").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == holders(second.organization_id, second.role) - {"security_unit"}


def test_an_owner_step_reaches_the_owner_delegates_for_a_current_term(demo):
    delegate_org = factories.organization(parent=demo.org("QNI"))
    delegate = factories.user(delegate_org, role=Role.OWNER)
    today = timezone.localdate()
    Delegation.objects.create(
        owner=demo.org("QNI"), delegate=delegate_org, document_number="12/UQ", document_date=today, scope="dossiers",
        starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=30),
    )  # fmt: skip
    expired_org = factories.organization(parent=demo.org("QNI"))
    expired = factories.user(expired_org, role=Role.OWNER)
    Delegation.objects.create(
        owner=demo.org("QNI"), delegate=expired_org, document_number="1/UQ", document_date=today, scope="dossiers",
        starts_on=today - timedelta(days=60), ends_on=today - timedelta(days=1),
    )  # fmt: skip
    dossier = factories.submitted_dossier(demo, 3)
    steps = steps_of_revision(dossier)
    owner_step = next(s for s in steps if s.role == Role.OWNER)
    for step in steps[: owner_step.order - 1]:
        decider = {"security_unit": demo.security_unit, "authority": demo.authority}[step.role]
        approvals.decide_step(actor=decider, dossier_id=dossier.pk, decision="approve", comment="ok")
    told = recipients(Kind.STEP_ASSIGNED, dedup_key=f"step:{owner_step.pk}:assigned")
    assert delegate.username in told and "owner" in told
    assert expired.username not in told


def test_a_return_tells_the_submitter_and_a_final_decision_the_owner_too(demo):
    returned = factories.submitted_dossier(demo, 2)
    approvals.decide_step(
        actor=demo.security_unit, dossier_id=returned.pk, decision="return", comment="Add the IP plan."
    )
    assert recipients(Kind.DOSSIER_RETURNED) == {"operator"}

    rejected = factories.submitted_dossier(demo, 2)
    approvals.decide_step(actor=demo.security_unit, dossier_id=rejected.pk, decision="reject", comment="No.")
    assert recipients(Kind.DOSSIER_DECIDED) == {"operator"} | holders(demo.org("QNI").pk, Role.OWNER)
    assert "owner" in recipients(Kind.DOSSIER_DECIDED)


def test_deadline_scan_warns_two_working_days_ahead_then_escalates_when_overdue(demo):
    dossier = factories.submitted_dossier(demo, 3)
    step = current_step(steps_of_revision(dossier))
    today = timezone.localdate()
    assignees = holders(step.organization_id, step.role)

    step.due_date = add_working_days(today, 3, holidays_from(today))
    step.save(update_fields=["due_date"])
    scan_deadlines(today=today)
    assert not Notification.objects.filter(kind=Kind.STEP_DUE_SOON).exists()

    step.due_date = add_working_days(today, 2, holidays_from(today))
    step.save(update_fields=["due_date"])
    scan_deadlines(today=today)
    assert recipients(Kind.STEP_DUE_SOON) == assignees

    scan_deadlines(today=step.due_date + timedelta(days=1))
    assert recipients(Kind.STEP_OVERDUE) == assignees | holders(demo.org("QNI").pk, Role.OWNER)


def test_rescanning_creates_nothing_new(demo):
    dossier = factories.submitted_dossier(demo, 3)
    step = current_step(steps_of_revision(dossier))
    step.due_date = timezone.localdate() - timedelta(days=3)
    step.save(update_fields=["due_date"])
    inspection = scheduled_inspection(demo, due_in_days=5)
    first = scan_deadlines()
    assert first["step_overdue"] > 0 and first["inspection_due"] > 0
    before = Notification.objects.count()
    second = scan_deadlines()
    assert Notification.objects.count() == before
    assert sum(second.values()) == 0
    assert Notification.objects.filter(dedup_key__startswith=f"inspection:{inspection.pk}:due:").values(
        "recipient"
    ).distinct().count() == (
        Notification.objects.filter(dedup_key__startswith=f"inspection:{inspection.pk}:due:").count()
    )


def test_small_batches_reach_every_row(demo):
    dossier = factories.submitted_dossier(demo, 3)
    step = current_step(steps_of_revision(dossier))
    step.due_date = timezone.localdate() - timedelta(days=1)
    step.save(update_fields=["due_date"])
    scheduled_inspection(demo, due_in_days=1)
    report = scan_deadlines(batch_size=1)
    assert report["step_overdue"] and report["inspection_due"]


def test_an_inspection_is_announced_to_inspectors_security_unit_and_operator(demo):
    inspection = scheduled_inspection(demo)
    system = inspection.system
    expected = (
        {"inspector"}
        | holders(system.operator_id, Role.OPERATOR)
        | holders(system.security_unit_id, Role.SECURITY_UNIT)
    )
    assert recipients(Kind.INSPECTION_SCHEDULED) == expected - {"security_unit"}  # the one who ordered it knows
    assert {"inspector", "operator"} <= recipients(Kind.INSPECTION_SCHEDULED)


def test_inspection_reminders_at_30_7_and_1_days_then_overdue(demo):
    inspection = scheduled_inspection(demo, due_in_days=40)
    due = inspection.due_date
    for days_left, threshold in ((31, None), (30, 30), (12, 30), (7, 7), (1, 1)):
        scan_deadlines(today=due - timedelta(days=days_left))
        keys = set(
            Notification.objects.filter(kind=Kind.INSPECTION_DUE, recipient=demo.inspector).values_list(
                "dedup_key", flat=True
            )
        )
        if threshold:
            assert f"inspection:{inspection.pk}:due:{due}:{threshold}" in keys
    assert len(keys) == 3
    scan_deadlines(today=due + timedelta(days=1))
    system = inspection.system
    assert recipients(Kind.INSPECTION_OVERDUE) == (
        {"inspector", "security_unit"}
        | holders(system.operator_id, Role.OPERATOR)
        | holders(system.owner_id, Role.OWNER)
    )


def test_finding_due_and_overdue_go_to_the_responsible_operators(demo):
    inspection = scheduled_inspection(demo)
    transition_inspection(actor=demo.inspector, inspection_id=inspection.pk, name="start")
    item_id = inspection.results.order_by("order").values_list("item_id", flat=True)[0]
    save_results(
        actor=demo.inspector,
        inspection_id=inspection.pk,
        entries=[{"item_id": item_id, "result": "not_met", "note": "x"}],
    )
    due = timezone.localdate() + timedelta(days=5)
    finding = create_finding(
        actor=demo.inspector,
        inspection_id=inspection.pk,
        item_id=item_id,
        severity="high",
        description="No firewall",
        due_date=due,
    )
    scan_deadlines()
    operators = holders(finding.responsible_org_id, Role.OPERATOR)
    assert recipients(Kind.FINDING_DUE) == operators | {"security_unit"}
    scan_deadlines(today=due + timedelta(days=1))
    assert recipients(Kind.FINDING_OVERDUE) == operators | {"security_unit"} | holders(demo.org("QNI").pk, Role.OWNER)
    Finding.objects.filter(pk=finding.pk).update(status="verified")
    findings = Notification.objects.filter(kind__in=[Kind.FINDING_DUE, Kind.FINDING_OVERDUE])
    before = findings.count()
    scan_deadlines(today=due + timedelta(days=30))
    assert findings.count() == before


def test_a_level_change_after_approval_asks_the_owner_and_operator_for_reapproval(demo):
    system = factories.leveled_system(demo, 2)
    InformationSystem.objects.filter(pk=system.pk).update(approved_level=1, proposed_level=1)
    registry.classify_system(actor=demo.operator, system_id=system.pk)
    system.refresh_from_db()
    assert system.reapproval_required
    expected = holders(system.owner_id, Role.OWNER) | holders(system.operator_id, Role.OPERATOR)
    assert recipients(Kind.REAPPROVAL_REQUIRED) == expected - {"operator"}
    assert "owner" in recipients(Kind.REAPPROVAL_REQUIRED)


def test_a_rolled_back_event_leaves_no_notification(demo):
    from django.db import transaction

    try:
        with transaction.atomic():
            factories.submitted_dossier(demo, 3)
            assert Notification.objects.exists()
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert not Notification.objects.exists()


def test_only_members_holding_the_role_are_told(demo):
    dossier_org_member = factories.user(demo.org("QNI-SKHCN"), role=Role.OPERATOR)
    factories.submitted_dossier(demo, 3)
    step_roles = set(Membership.objects.filter(user=dossier_org_member).values_list("role", flat=True))
    assert step_roles == {Role.OPERATOR}
    assert dossier_org_member.username not in recipients(Kind.STEP_ASSIGNED)
    assert Inspection.objects.count() == 0


def test_recipients_cost_the_same_queries_for_one_or_many_people(demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.audiences import publish
    from systems_registry.notices import level_moved_event

    def queries(extra_operators: int) -> int:
        for _ in range(extra_operators):
            factories.user(demo.org("QNI-TTCDS"), role=Role.OPERATOR)
        system = factories.leveled_system(demo, 2)
        InformationSystem.objects.filter(pk=system.pk).update(approved_level=1)
        system.refresh_from_db()
        with CaptureQueriesContext(connection) as ctx:
            created = publish([level_moved_event(system, audit_event_id=1)])
        assert len(created) == len(holders(system.owner_id, Role.OWNER) | holders(system.operator_id, Role.OPERATOR))
        return len(ctx)

    assert queries(0) == queries(10)


def test_a_deadline_scan_costs_the_same_queries_for_few_or_many_overdue_rows(demo):
    """Steps, inspections and findings: a constant number of queries per batch, whatever the rows (a deferred
    FSM field or a per-event recipients query would add one per row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(rows: int) -> int:
        Notification.objects.all().delete()
        for _ in range(rows):
            inspection = scheduled_inspection(demo, due_in_days=1)
            transition_inspection(actor=demo.inspector, inspection_id=inspection.pk, name="start")
            item_id = inspection.results.order_by("order").values_list("item_id", flat=True)[0]
            save_results(
                actor=demo.inspector,
                inspection_id=inspection.pk,
                entries=[{"item_id": item_id, "result": "not_met", "note": "x"}],
            )
            create_finding(actor=demo.inspector, inspection_id=inspection.pk, item_id=item_id, severity="high",
                           description="No firewall", due_date=timezone.localdate() + timedelta(days=1))  # fmt: skip
            step = current_step(steps_of_revision(factories.submitted_dossier(demo, 3)))
            step.due_date = timezone.localdate()
            step.save(update_fields=["due_date"])
        with CaptureQueriesContext(connection) as ctx:
            report = scan_deadlines(today=timezone.localdate() + timedelta(days=2))
        assert report["inspection_overdue"] and report["finding_overdue"] and report["step_overdue"]
        return len(ctx)

    assert queries(2) == queries(6)


def test_choice_labels_in_a_scanned_notification_are_in_the_recipients_language(demo):
    from django.utils import translation

    demo.inspector.language = "en"
    demo.inspector.save(update_fields=["language"])
    scheduled_inspection(demo, due_in_days=1)
    with translation.override("vi"):  # the scanner's own language must not leak into an English reader's title
        scan_deadlines()
    mine = Notification.objects.get(recipient=demo.inspector, kind=Kind.INSPECTION_DUE)
    assert "Ad hoc" in mine.body or "ad hoc" in mine.body.lower(), mine.body
    vi_reader = Notification.objects.filter(kind=Kind.INSPECTION_DUE).exclude(recipient=demo.inspector).first()
    assert vi_reader.recipient.language == "vi" and "ad hoc" not in vi_reader.body.lower()
