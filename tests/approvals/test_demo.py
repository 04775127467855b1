"""The demo dossiers: made through the services, idempotent, and the audit chain holds."""

from django.core.management import call_command

from approvals.models import Dossier
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
        assert systems[code].status == "operating" and systems[code].has_current_approval()
    nuoc = Dossier.objects.get(system__code="QNI-SCADA-NUOC")
    current = nuoc.steps.filter(decision__isnull=True, activated_on__isnull=False).get()
    assert (current.kind, current.organization.code) == ("appraisal", "BCA-A05")
    load_demo(seeders=SEEDERS)
    assert Dossier.objects.count() == 6
    call_command("verify_audit")
