"""Two deciders racing on one step: exactly one decision persists, the other loses with 409."""

import threading

import pytest
from django.db import connection

from accounts.models import Role
from approvals import services
from approvals.models import DossierStep
from core.errors import Conflict, DomainError
from tests import factories


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deciders_racing_on_one_step_one_wins_the_other_gets_409(postgres, demo):
    dossier = factories.submitted_dossier(demo, 3)
    rival = factories.user(demo.org("QNI-SKHCN"), Role.SECURITY_UNIT)
    barrier = threading.Barrier(2)
    outcomes = {}

    def decide(user, decision):
        try:
            barrier.wait(timeout=10)
            services.decide_step(
                actor=user, dossier_id=dossier.pk, decision=decision, comment=f"{user.username}", expected_step=1
            )
            outcomes[user.username] = "ok"
        except DomainError as exc:
            outcomes[user.username] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(demo.security_unit, "approve")),
        threading.Thread(target=decide, args=(rival, "return")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(type(v).__name__ for v in outcomes.values()) == ["Conflict", "str"], outcomes
    loser = next(v for v in outcomes.values() if not isinstance(v, str))
    assert isinstance(loser, Conflict) and loser.status == 409
    step = DossierStep.objects.get(dossier=dossier, revision=1, order=1)
    winner = next(name for name, v in outcomes.items() if v == "ok")
    assert step.decided_by.username == winner and step.comment == winner
    dossier.refresh_from_db()
    assert dossier.status == ("in_review" if winner == demo.security_unit.username else "returned")
