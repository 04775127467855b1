"""Dossiers brought to the step a form belongs to, the signer of each form, and a test PKI: a CA of our own made
with `cryptography`, put in a trust-store directory, and PDFs signed with pyHanko as a signer's token would."""

import pytest

from approvals import services
from approvals.selectors import current_step, steps_of_revision
from approvals.statutory import policy as forms_policy
from approvals.statutory.demo_pki import make_ca, make_signer, sign_pdf
from tests import factories

__all__ = ["make_signer", "sign_pdf"]


def decider_for(demo, step):
    """The demo member of the step's role; a colleague when the demo user already decided another step of the
    dossier (one person decides one step: the level-5 route has two national-authority steps)."""
    from accounts.models import Role, User

    user = {"security_unit": demo.security_unit, "authority": demo.authority, "owner": demo.owner}[step.role]
    if step.dossier.steps.filter(decided_by=user).exclude(pk=step.pk).exists():
        user = User.objects.filter(username=f"{user.username}-colleague").first() or factories.user(
            step.organization, Role(step.role), username=f"{user.username}-colleague", full_name="Đồng Nghiệp"
        )
    return user


def advance(demo, dossier, *, until: str | None = None, through: str | None = None):
    """Decide the dossier's steps in order until the step of kind `until` is current, or until the step of kind
    `through` is decided."""
    while True:
        dossier.refresh_from_db()
        step = current_step(steps_of_revision(dossier))
        if step is None or step.kind == until:
            return dossier
        services.decide_step(
            actor=decider_for(demo, step), dossier_id=dossier.pk, decision="approve", comment="Đạt yêu cầu."
        )
        if step.kind == through:
            dossier.refresh_from_db()
            return dossier


def dossier_for_form(demo, regime: str, form: str, level: int | None = None):
    """A dossier at the point where `form` can be drafted, and the user who signs it."""
    spec = forms_policy.load(regime).forms[form]
    level = level or min(spec.levels)
    dossier = factories.submitted_dossier(demo, level, regime)
    if spec.step is not None and spec.needs_decision:
        dossier = advance(demo, dossier, through=spec.step)
    elif spec.step is not None:
        dossier = advance(demo, dossier, until=spec.step)
    step = next((s for s in steps_of_revision(dossier) if s.kind == spec.step), None)
    role = spec.signer_role_for(level)
    signer = (
        decider_for(demo, step)
        if role == "step"
        else {"operator": demo.operator, "owner": demo.owner, "security_unit": demo.security_unit}[role]
    )
    return dossier, signer


@pytest.fixture
def pki(settings, tmp_path):
    """A trusted CA (in the trust-store directory the setting names) and an untrusted one."""
    trusted, rogue = make_ca("Attesta Test Root CA"), make_ca("Rogue CA")
    store = tmp_path / "trust-store"
    store.mkdir()
    (store / "test-root.pem").write_bytes(trusted.pem())
    settings.STATUTORY_TRUST_STORE_DIR = store
    return {"ca": trusted, "rogue": rogue, "signer": make_signer(trusted, "Lê Văn Chủ")}
