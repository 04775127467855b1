"""Writes of statutory documents: draft (and number) a form, record a signed copy after verifying it. Each runs in
one transaction with the dossier locked, checks who may act (the `*_blocker` twins decide which buttons show),
fires the document's transition and writes the audit event; the signed file's hash goes into the audit chain."""

import secrets
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import registers
from accounts.models import RegisterEntry
from core import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.uploads import JPEG, PDF, PNG, check_document

from ..models import Dossier
from ..selectors import dossier_for_user, steps_of_revision
from ..services import put_approval_into_effect
from . import docx, filling, pdf, signatures
from . import policy as forms_policy
from .models import StatutoryDocument, Verdict
from .selectors import step_for, user_roles

STORAGE_DIR = "statutory"
SHORT_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
SHORT_ID_LENGTH = 12
CLOSED = (Dossier.Status.WITHDRAWN, Dossier.Status.REJECTED, Dossier.Status.SUPERSEDED)
ROLE_FOR_PARTY = {"operator": "operator", "owner": "owner", "security_unit": "security_unit"}


def display_id(short_id: str) -> str:
    return "-".join(short_id[i : i + 4] for i in range(0, len(short_id), 4))


def normalise_id(value: str) -> str:
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())[:32]


def verify_url(short_id: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/verify/{display_id(short_id)}"


def _spec(dossier: Dossier, form: str) -> forms_policy.FormSpec:
    spec = forms_policy.load(dossier.regime).forms_for(dossier.form_level).get(form)
    if spec is None:
        raise NotFound(_("This form does not apply to this dossier."))
    return spec


def _signer_role(spec, dossier: Dossier, step) -> str:
    role = spec.signer_role_for(dossier.form_level)
    return step.role if role == "step" else ROLE_FOR_PARTY[role]


def _issuer(spec, dossier: Dossier, step):
    return filling.party(dossier, spec.issuer_for(dossier.form_level), step)


def draft_blocker(user, dossier: Dossier, form: str, *, steps=None, document=None, roles=None) -> str | None:
    """Why `user` may not draft `form` for the dossier now, or None. The signer drafts: a holder of the form's
    signing role in the issuing body."""
    try:
        spec = _spec(dossier, form)
    except NotFound as exc:
        return exc.message
    if dossier.status in CLOSED:
        return _("The dossier is closed.")
    steps = steps_of_revision(dossier) if steps is None else steps
    step = step_for(spec, steps)
    if spec.step is not None:
        if step is None:
            return _("This dossier's route has no step for this form.")
        if step.activated_on is None and step.decision is None:
            return _("The step this form belongs to has not been reached yet.")
        if spec.needs_decision and step.decision is None:
            return _("This form records the step's decision: decide the step first.")
    elif dossier.status not in Dossier.OPEN_STATUSES:
        return _("This form is drafted before the dossier is decided.")
    if document is not None and document.in_force:
        return _("The signed document is recorded; it cannot be drafted again.")
    issuer = _issuer(spec, dossier, step)
    roles = user_roles(user) if roles is None else roles
    if issuer is None or (issuer.pk, _signer_role(spec, dossier, step)) not in roles:
        return _("Only the person who signs this document for the issuing body drafts it.")
    return None


def upload_blocker(user, dossier: Dossier, form: str, *, steps=None, document=None, roles=None) -> str | None:
    if document is None:
        return _("Draft the document first.")
    if document.in_force:
        return _("The signed document is already recorded.")
    roles = user_roles(user) if roles is None else roles
    spec = _spec(dossier, form)
    steps = steps_of_revision(dossier) if steps is None else steps
    if (document.issuer_id, _signer_role(spec, dossier, step_for(spec, steps))) not in roles:
        return _("Only the person who signs this document for the issuing body records the signed copy.")
    return None


def paper_blocker(user, dossier: Dossier, form: str, *, steps=None, document=None, roles=None) -> str | None:
    """Why `user` may not record the document as signed on paper, or None: the same person who would upload the
    digitally signed copy, while no signed copy is recorded."""
    if document is not None and document.state == StatutoryDocument.State.SIGNED_ON_PAPER:
        return _("The document is already recorded as signed on paper.")
    return upload_blocker(user, dossier, form, steps=steps, document=document, roles=roles)


def _new_short_id() -> str:
    while True:
        candidate = "".join(secrets.choice(SHORT_ID_ALPHABET) for _ in range(SHORT_ID_LENGTH))
        if not StatutoryDocument.objects.filter(short_id=candidate).exists():
            return candidate


def _register_entry(dossier: Dossier, spec, issuer, today: date) -> RegisterEntry:
    """The number the form takes when it is finalised for signing. The final decision of an already approved
    dossier carries the number its approval took from the same register."""
    if spec.final_decision and dossier.decision_number:
        on = dossier.decision_date or today
        entry = RegisterEntry.objects.filter(organization=issuer, year=on.year, number=dossier.decision_number).first()
        if entry is not None and not StatutoryDocument.objects.filter(register_entry=entry).exists():
            return entry
        if entry is None:
            return registers.take_number(
                organization_id=issuer.pk, kind=spec.register_kind, issued_on=on, number=dossier.decision_number
            )
    return registers.take_number(organization_id=issuer.pk, kind=spec.register_kind, issued_on=today)


def _fill(dossier: Dossier, spec, step, steps, issuer, *, number, issued_on, short_id, signer_name, signer_title):
    policy = forms_policy.load(dossier.regime)
    addressee = filling.party(dossier, spec.addressee, step)
    appraisal = next((s for s in steps if s.kind == "appraisal"), None)
    appraiser = appraisal.organization if appraisal else dossier.system.security_unit
    request_form = "02" if "02" in policy.forms_for(dossier.form_level) else None
    request = (
        StatutoryDocument.objects.filter(dossier=dossier, revision=dossier.revision, form=request_form).values_list("number", "issued_on").first()
        if request_form else None
    )  # fmt: skip
    requester = (
        filling.party(dossier, policy.forms[request_form].issuer_for(dossier.form_level), None)
        if request_form
        else None
    )
    parties = filling.Parties(issuer=issuer, addressee=addressee, step=step)
    vals = filling.values(
        policy=policy, spec=spec, dossier=dossier, parties=parties, signer_title=signer_title, request=request,
        appraiser=appraiser, requester=requester,
    )  # fmt: skip
    return filling.build_content(
        policy=policy, spec=spec, dossier=dossier, parties=parties, number=number, issued_on=issued_on,
        signer_name=signer_name, signer_title=signer_title, short_id=display_id(short_id),
        verify_url=verify_url(short_id), vals=vals,
    )  # fmt: skip


def draft_form(*, actor, dossier_id: int, form: str, signer_title: str = "") -> StatutoryDocument:
    """Draft (or re-draft, keeping its number) the form for the dossier's current revision and finalise it for
    signing: numbered from the issuing body's register the first time, rendered to the PDF to be signed."""
    with transaction.atomic():
        dossier = dossier_for_user(actor, dossier_id, for_update=True)
        spec = _spec(dossier, form)
        steps = steps_of_revision(dossier)
        document = (
            StatutoryDocument.objects.select_for_update()
            .filter(dossier=dossier, revision=dossier.revision, form=form)
            .first()
        )
        blocker = draft_blocker(actor, dossier, form, steps=steps, document=document)
        if blocker:
            raise (
                Conflict(blocker, code="form_not_available")
                if actor_is_signer(actor, dossier, spec, steps)
                else Forbidden(blocker)
            )
        step = step_for(spec, steps)
        issuer = _issuer(spec, dossier, step)
        signer_title = (signer_title or "").strip()[:200] or issuer.head_title or filling.GENERIC_SIGNER_TITLE
        signer_name = actor.full_name or actor.username
        now = timezone.now()
        if document is None:
            entry = _register_entry(dossier, spec, issuer, timezone.localdate())
            short_id, number, issued_on = _new_short_id(), entry.number, entry.issued_on
        else:
            entry, short_id, number, issued_on = (
                document.register_entry,
                document.short_id,
                document.number,
                document.issued_on,
            )
        blocks = _fill(dossier, spec, step, steps, issuer, number=number, issued_on=issued_on, short_id=short_id,
                       signer_name=signer_name, signer_title=signer_title)  # fmt: skip
        digest = filling.content_hash(blocks)
        data = pdf.render(
            blocks=blocks,
            title=spec.title_vi,
            short_id=display_id(short_id),
            content_sha256=digest,
            created=now,
            verify_url=verify_url(short_id),
        )
        pdf_sha256 = _sha256(data)
        stored = default_storage.save(f"{STORAGE_DIR}/{secrets.token_hex(16)}.pdf", ContentFile(data))
        before = document.state if document else ""
        if document is None:
            document = StatutoryDocument(
                dossier=dossier, revision=dossier.revision, form=form, regime=dossier.regime,
                policy_version=forms_policy.load(dossier.regime).version, issuer=issuer, register_entry=entry,
                number=number, issued_on=issued_on, short_id=short_id, content=blocks, content_sha256=digest,
                pdf=stored, pdf_sha256=pdf_sha256, signer_name=signer_name, signer_title=signer_title,
                drafted_by=actor, drafted_at=now,
            )  # fmt: skip
            document.save()
        else:
            document.redraft(content=blocks, content_sha256=digest, pdf_sha256=pdf_sha256, signer_name=signer_name,
                             signer_title=signer_title, by=actor, at=now)  # fmt: skip
            document.pdf = stored
            document.save(
                update_fields=[
                    "state",
                    "content",
                    "content_sha256",
                    "pdf",
                    "pdf_sha256",
                    "signer_name",
                    "signer_title",
                    "drafted_by",
                    "drafted_at",
                ]
            )
        audit.record(
            actor=actor, action="statutory.draft", obj=document, from_status=before, to_status=document.state,
            revision=dossier.revision,
            data={"dossier_id": dossier.pk, "form": form, "number": number, "content_sha256": digest, "pdf_sha256": pdf_sha256},
        )  # fmt: skip
    return document


def actor_is_signer(actor, dossier, spec, steps) -> bool:
    step = step_for(spec, steps)
    issuer = _issuer(spec, dossier, step)
    return (
        issuer is not None
        and (step is not None or spec.step is None)
        and (issuer.pk, _signer_role(spec, dossier, step)) in user_roles(actor)
    )


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _read_upload(upload) -> bytes:
    try:
        check_document(upload, accept={PDF})
    except Invalid as exc:
        raise Invalid(exc.message, code=Verdict.MALFORMED_PDF.value, details=exc.details) from None
    upload.seek(0)
    return upload.read()


def record_signed_copy(*, actor, dossier_id: int, form: str, upload) -> StatutoryDocument:
    """Verify the signed PDF the signer uploads and store the result. A valid copy puts the document in force; any
    other result is stored (the dossier shows it) and answered with 422 naming the reason."""
    data = _read_upload(upload)
    with transaction.atomic():
        dossier = dossier_for_user(actor, dossier_id, for_update=True)
        spec = _spec(dossier, form)
        document = (
            StatutoryDocument.objects.select_for_update()
            .filter(dossier=dossier, revision=dossier.revision, form=form)
            .first()
        )
        blocker = upload_blocker(actor, dossier, form, document=document)
        if blocker:
            raise (
                Conflict(blocker, code="form_not_available")
                if actor_is_signer(actor, dossier, spec, steps_of_revision(dossier))
                else Forbidden(blocker)
            )
        with document.pdf.open("rb") as fh:
            draft = fh.read()
        result = signatures.verify(
            data, draft_pdf=draft, short_id=display_id(document.short_id), content_sha256=document.content_sha256
        )
        sha256, now, before = _sha256(data), timezone.now(), document.state
        facts = {
            "sha256": sha256,
            "signer": result.signer,
            "serial": result.serial,
            "signed_at": result.signed_at,
            "at": now,
        }
        if result.valid:
            document.signed_file = default_storage.save(f"{STORAGE_DIR}/{secrets.token_hex(16)}.pdf", ContentFile(data))
            document.accept_signature(**facts)
        else:
            document.refuse_signature(verdict=result.verdict, reason=result.reason, **facts)
        document.save(
            update_fields=[
                "state",
                "verdict",
                "verdict_reason",
                "signed_file",
                "signed_sha256",
                "signature_signer",
                "signature_serial",
                "signed_at",
                "verified_at",
            ]
        )
        audit.record(
            actor=actor, action="statutory.signed" if result.valid else "statutory.signature_refused", obj=document,
            from_status=before, to_status=document.state, revision=dossier.revision,
            data={"dossier_id": dossier.pk, "form": form, "number": document.number, "signed_sha256": sha256,
                  "verdict": result.verdict, "signer": result.signer, "serial": result.serial},
        )  # fmt: skip
        if result.valid and spec.final_decision:
            put_approval_into_effect(actor=actor, dossier=dossier)
    if not result.valid:
        raise Invalid(result.reason, code=result.verdict, details=[{"field": "file", "message": result.reason}])
    return document


PAPER_SCAN_TYPES = frozenset({PDF, PNG, JPEG})


def record_paper_copy(*, actor, dossier_id: int, form: str, upload) -> StatutoryDocument:
    """The signer signed the drafted document with ink and uploads its scan (PDF, PNG or JPEG, through the one
    upload validator): the document is recorded as signed on paper and, for the final decision, in force. The
    scan's hash goes into the audit chain."""
    checked = check_document(upload, accept=PAPER_SCAN_TYPES)
    with transaction.atomic():
        dossier = dossier_for_user(actor, dossier_id, for_update=True)
        spec = _spec(dossier, form)
        steps = steps_of_revision(dossier)
        document = (
            StatutoryDocument.objects.select_for_update()
            .filter(dossier=dossier, revision=dossier.revision, form=form)
            .first()
        )
        blocker = paper_blocker(actor, dossier, form, steps=steps, document=document)
        if blocker:
            raise (
                Conflict(blocker, code="form_not_available")
                if actor_is_signer(actor, dossier, spec, steps)
                else Forbidden(blocker)
            )
        upload.seek(0)
        stored = default_storage.save(f"{STORAGE_DIR}/{secrets.token_hex(16)}{checked.extension}", File(upload))
        before = document.state
        document.signed_file = stored
        document.record_paper(sha256=checked.sha256, by=actor, at=timezone.now())
        document.save(
            update_fields=[
                "state", "verdict", "verdict_reason", "signed_file", "signed_sha256", "signature_signer",
                "signature_serial", "signed_at", "verified_at", "paper_recorded_by", "paper_recorded_at",
            ]
        )  # fmt: skip
        audit.record(
            actor=actor, action="statutory.signed_on_paper", obj=document, from_status=before, to_status=document.state,
            revision=dossier.revision,
            data={"dossier_id": dossier.pk, "form": form, "number": document.number, "scan_sha256": checked.sha256,
                  "content_type": checked.content_type},
        )  # fmt: skip
        if spec.final_decision:
            put_approval_into_effect(actor=actor, dossier=dossier)
    return document


def pdf_bytes(document: StatutoryDocument) -> bytes:
    with document.pdf.open("rb") as fh:
        return fh.read()


def docx_bytes(document: StatutoryDocument) -> bytes:
    return docx.render(blocks=document.content, title=forms_policy.load(document.regime).forms[document.form].title_vi)


# --- public verification: answers only unchanged / changed / unknown and the issuing body -----------------------


def verify_by_id(value: str) -> dict:
    document = StatutoryDocument.objects.filter(short_id=normalise_id(value)).select_related("issuer").first()
    if document is None:
        return {"status": "unknown", "issued_by": None, "form": None}
    return {"status": "unchanged", "issued_by": document.issuer.name, "form": document.form}


def verify_by_file(upload) -> dict:
    data = _read_upload(upload)
    sha256 = _sha256(data)
    document = (
        StatutoryDocument.objects.filter(pdf_sha256=sha256).select_related("issuer").first()
        or StatutoryDocument.objects.filter(signed_sha256=sha256, state=StatutoryDocument.State.SIGNED_VALID)
        .select_related("issuer")
        .first()
    )
    if document is not None:
        return {"status": "unchanged", "issued_by": document.issuer.name, "form": document.form}
    try:
        ids = signatures.embedded_ids(signatures.open_pdf(data))
    except ValueError:
        ids = None
    document = (
        StatutoryDocument.objects.filter(short_id=normalise_id(ids[0])).select_related("issuer").first()
        if ids
        else None
    )
    if document is None:
        return {"status": "unknown", "issued_by": None, "form": None}
    return {"status": "changed", "issued_by": document.issuer.name, "form": document.form}
