"""The demo data holds a decision drafted from the register, signed, verified valid and in force."""

from approvals.models import Dossier, StatutoryDocument
from approvals.statutory.selectors import decision_in_force
from tests.personas import load_demo

SEEDERS = ["accounts.demo.seed", "systems_registry.demo.seed", "approvals.demo.seed"]


def test_the_demo_has_a_signed_decision_in_force(db):
    load_demo(seeders=SEEDERS)
    dossier = Dossier.objects.get(system__code="QNI-LGSP")
    decision = StatutoryDocument.objects.get(dossier=dossier, form__in=["06", "07"])
    assert (decision.state, decision.verdict, decision.signature_signer) == ("signed_valid", "valid", "Lê Văn Chủ")
    assert dossier.decision_number == decision.number and decision.number.endswith("/QĐ-UBND")
    assert decision_in_force(dossier)
    load_demo(seeders=SEEDERS)
    assert StatutoryDocument.objects.filter(state="signed_valid").count() == 1
