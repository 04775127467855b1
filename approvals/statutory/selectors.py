"""Reads of statutory documents. Visibility is the dossier's: callers fetch the dossier through
approvals.selectors.dossier_for_user first."""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import get_language

from accounts.models import Membership

from ..models import Dossier, DossierStep
from ..selectors import steps_of_revision
from . import policy as forms_policy
from .models import StatutoryDocument


@dataclass
class FormRow:
    form: str
    spec: forms_policy.FormSpec
    document: StatutoryDocument | None
    draft_blocker: str | None
    upload_blocker: str | None
    paper_blocker: str | None

    @property
    def state(self) -> str:
        return self.document.state if self.document else "not_drafted"

    @property
    def title(self) -> str:
        return self.spec.title_vi if (get_language() or "vi").startswith("vi") else self.spec.title_en

    @property
    def short_id(self) -> str:
        doc = self.document
        return "-".join(doc.short_id[i : i + 4] for i in range(0, len(doc.short_id), 4)) if doc else ""

    @property
    def may_draft(self) -> bool:
        return self.draft_blocker is None

    @property
    def may_upload(self) -> bool:
        return self.upload_blocker is None

    @property
    def may_record_paper(self) -> bool:
        return self.paper_blocker is None


def documents_of_revision(dossier: Dossier) -> dict[str, StatutoryDocument]:
    qs = StatutoryDocument.objects.filter(dossier=dossier, revision=dossier.revision).select_related("issuer")
    return {d.form: d for d in qs}


def user_roles(user) -> set[tuple[int, str]]:
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user).values_list("organization_id", "role"))


def step_for(spec: forms_policy.FormSpec, steps: list[DossierStep]) -> DossierStep | None:
    return next((s for s in steps if s.kind == spec.step), None) if spec.step else None


def forms_panel(user, dossier: Dossier) -> list[FormRow]:
    """Each form the dossier's regime and level call for, its document in this revision, and what `user` may do
    with it. A constant number of queries: steps, documents, the user's memberships."""
    from .services import draft_blocker, paper_blocker, upload_blocker  # beside the writes they guard

    policy = forms_policy.load(dossier.regime)
    steps = steps_of_revision(dossier)
    documents = documents_of_revision(dossier)
    roles = user_roles(user)
    rows = []
    for form, spec in policy.forms_for(dossier.form_level).items():
        document = documents.get(form)
        context = {"steps": steps, "document": document, "roles": roles}
        rows.append(
            FormRow(
                form=form,
                spec=spec,
                document=document,
                draft_blocker=draft_blocker(user, dossier, form, **context),
                upload_blocker=upload_blocker(user, dossier, form, **context),
                paper_blocker=paper_blocker(user, dossier, form, **context),
            )  # fmt: skip
        )
    return rows


def final_decision(dossier: Dossier) -> StatutoryDocument | None:
    """The drafted decision of the dossier's current revision that its approval carries (Form 06, or 07)."""
    form = forms_policy.load(dossier.regime).final_decision_form(dossier.form_level)
    return StatutoryDocument.objects.filter(dossier=dossier, revision=dossier.revision, form=form).first()


def statutory_decision_number(dossier: Dossier) -> tuple[str, date] | None:
    document = final_decision(dossier)
    return (document.number, document.issued_on) if document else None


def decision_in_force(dossier: Dossier) -> bool:
    """A decision is in force only when its signed copy was verified valid, or when it is recorded as signed on
    paper with its scan (issue 18, deliverable 4); approvals.services.put_approval_into_effect waits for it."""
    document = final_decision(dossier) if dossier.status == Dossier.Status.APPROVED else None
    return bool(document and document.in_force)
