"""The demo dossiers: made through the services, idempotent, and the audit chain holds."""

from django.core.management import call_command

from approvals.models import Dossier, StatutoryDocument
from systems_registry.models import InformationSystem
from tests.personas import load_demo

SEEDERS = ["accounts.demo.seed", "systems_registry.demo.seed", "approvals.demo.seed"]


def test_demo_dossiers_cover_the_workflow_states(db):
    load_demo(seeders=SEEDERS)
    states = dict(Dossier.objects.values_list("system__code", "status"))
    assert states == {
        "QNI-INTRANET": "approved", "QNI-EOFFICE": "in_review", "QNI-DVC": "returned", "QNI-LGSP": "approved",
        "QNI-SCADA-NUOC": "in_review", "QNI-SCADA-CANG": "draft",
    }  # fmt: skip
    systems = {s.code: s for s in InformationSystem.objects.all()}
    for code in ("QNI-INTRANET", "QNI-LGSP"):
        # Approved with the plan in place; going live waits for the readiness check (the inspections seeder).
        assert systems[code].status == "planned" and systems[code].has_current_approval()
        assert systems[code].security_plan_status == "full"
    # Each approval took effect with its decision in force: LGSP's signed digitally, INTRANET's signed on paper.
    decisions = dict(StatutoryDocument.objects.filter(form="06").values_list("dossier__system__code", "state"))
    assert decisions == {"QNI-LGSP": "signed_valid", "QNI-INTRANET": "signed_on_paper"}
    nuoc = Dossier.objects.get(system__code="QNI-SCADA-NUOC")
    current = nuoc.steps.filter(decision__isnull=True, activated_on__isnull=False).get()
    assert (current.kind, current.organization.code) == ("appraisal", "BCA-A05")
    load_demo(seeders=SEEDERS)
    assert Dossier.objects.count() == 6
    call_command("verify_audit")


def test_the_full_demo_puts_the_approved_systems_into_operation_after_an_eligible_readiness_check(db):
    load_demo()
    for code in ("QNI-INTRANET", "QNI-LGSP"):
        system = InformationSystem.objects.get(code=code)
        assert system.status == "operating" and system.has_current_approval()
        assert system.readiness_outcome == "eligible" and system.readiness_inspection_id is not None
