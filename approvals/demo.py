"""Demo dossiers in several workflow states, made through the services by the demo users, as in real use."""

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import User
from systems_registry import services as registry
from systems_registry.models import InformationSystem
from systems_registry.schemas import SystemPatch

from . import notices, routing, services
from .models import DocumentKind, Dossier, StatutoryDocument
from .statutory import demo_pki
from .statutory import policy as forms_policy
from .statutory import services as statutory


def tiny_pdf(text: str) -> bytes:
    """A one-page PDF with a line of text: enough for a real viewer, generated without a PDF library."""
    safe = text.encode("latin-1", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 14 Tf 72 770 Td (" + safe + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _documents(actor, dossier: Dossier, *, regulation: bool) -> None:
    kinds = [
        k
        for k in routing.load_policy(dossier.regime).required_documents[dossier.proposed_level]
        if k != "security_regulation"
    ]
    if regulation:
        kinds.append(DocumentKind.SECURITY_REGULATION.value)
    for kind in kinds:
        name = f"{dossier.system.code}-{kind}.pdf"
        issued = {}
        if kind == DocumentKind.SECURITY_REGULATION:
            # Issued by the owner's decision, as a real regulation is: Form 08 column 8 shows it.
            issued = {
                "number": f"{dossier.pk}/QĐ-UBND", "issued_on": timezone.localdate() - timedelta(days=30),
                "issuer": dossier.system.owner.name,
            }  # fmt: skip
        services.add_document(
            actor=actor, dossier_id=dossier.pk, kind=kind, upload=ContentFile(tiny_pdf(f"{dossier.system.code}: {kind}"), name=name),
            filename=name, **issued,
        )  # fmt: skip


def _approve(actor, dossier: Dossier, number: str = "") -> Dossier:
    extra = {"decision_number": number, "decision_date": timezone.localdate()} if number else {}
    return services.decide_step(actor=actor, dossier_id=dossier.pk, decision="approve", comment="Phù hợp.", **extra)


# Its approval decision is drafted, numbered from the owner's register, signed by the demo CA and verified.
SIGNED_DECISION_SYSTEM = "QNI-LGSP"
DEMO_CA_FILE = "attesta-demo-ca.pem"


def _record_paper_decision(signer, dossier: Dossier, form: str) -> None:
    """The decision signed with ink: drafted (its number is the one the approval took), printed, signed, scanned,
    and the scan recorded by its signer. The approval takes effect then."""
    if not StatutoryDocument.objects.filter(dossier=dossier, revision=dossier.revision, form=form).exists():
        statutory.draft_form(actor=signer, dossier_id=dossier.pk, form=form)
    scan = ContentFile(tiny_pdf(f"{dossier.system.code}: signed decision (scan)"), name="scan.pdf")
    statutory.record_paper_copy(actor=signer, dossier_id=dossier.pk, form=form, upload=scan)


def _sign_demo_decision(signer, dossier: Dossier, form: str) -> None:
    """Sign the drafted decision as the owner's token would, and record it through the service that verifies
    uploads. A demo CA joins the trust store for that (never on a production install, ATTESTA_PRODUCTION=1, where
    the decision is recorded as signed on paper instead)."""
    if settings.PRODUCTION:
        _record_paper_decision(signer, dossier, form)
        return
    store = Path(settings.STATUTORY_TRUST_STORE_DIR)
    store.mkdir(parents=True, exist_ok=True)
    ca = demo_pki.make_ca("Attesta Demo CA (chỉ dùng cho dữ liệu demo)")
    (store / DEMO_CA_FILE).write_bytes(ca.pem())
    document = StatutoryDocument.objects.get(dossier=dossier, revision=dossier.revision, form=form)
    signed = demo_pki.sign_pdf(statutory.pdf_bytes(document), demo_pki.make_signer(ca, signer.full_name), ca)
    statutory.record_signed_copy(
        actor=signer, dossier_id=dossier.pk, form=form, upload=ContentFile(signed, name="signed.pdf")
    )


# system code → how far its dossier goes
PLAN = {
    "QNI-INTRANET": "approved_operating",
    "QNI-EOFFICE": "in_review",
    "QNI-DVC": "returned",
    "QNI-LGSP": "approved_operating",
    "QNI-SCADA-NUOC": "national_appraisal",
    "QNI-SCADA-CANG": "draft",
    # Approved under Decree 85 before the transitional deadline (Decree 331 Art. 39.1), not yet in operation.
    "QNI-YTE": "approved",
    "QNI-GIAODUC": "approved",
}


def seed() -> str:
    users = {
        u.username: u for u in User.objects.filter(username__in=["operator", "security_unit", "owner", "authority"])
    }
    operator = users["operator"]
    made = 0
    for code, target in PLAN.items():
        system = InformationSystem.objects.filter(code=code).first()
        if system is None or system.proposed_level is None or system.dossiers.exists():
            continue
        dossier = services.create_dossier(
            actor=operator, system_id=system.pk, proposed_level=system.proposed_level,
            title=f"Hồ sơ đề xuất cấp độ {system.proposed_level} — {system.name}",
            summary="Hồ sơ mẫu (dữ liệu demo).",
        )  # fmt: skip
        _documents(operator, dossier, regulation=target != "draft")  # submission needs it (routing policy)
        made += 1
        if target == "draft":
            continue
        services.submit_dossier(actor=operator, dossier_id=dossier.pk, comment="Đề nghị thẩm định, phê duyệt.")
        number = f"{dossier.pk}/QĐ-DEMO"
        if target == "returned":
            services.decide_step(actor=users["security_unit"], dossier_id=dossier.pk, decision="return",
                                 comment="Bổ sung danh mục thiết bị và quy hoạch địa chỉ IP.")  # fmt: skip
        elif target == "national_appraisal":
            _approve(users["security_unit"], dossier)
        elif target in ("approved_operating", "approved"):
            steps = list(dossier.steps.filter(revision=dossier.revision).order_by("order"))
            for step in steps:
                decider = {
                    "security_unit": users["security_unit"],
                    "owner": users["owner"],
                    "authority": users["authority"],
                }[step.role]
                if step is steps[-1] and code == SIGNED_DECISION_SYSTEM:
                    # The approver drafts the decision (numbered from the register), approves, then signs it.
                    form = forms_policy.load(dossier.regime).final_decision_form(dossier.proposed_level)
                    statutory.draft_form(actor=decider, dossier_id=dossier.pk, form=form)
                    _approve(decider, dossier)
                    _sign_demo_decision(decider, dossier, form)
                elif step is steps[-1]:
                    # Approved with a typed-in number; the decision is signed on paper and its scan recorded.
                    _approve(decider, dossier, number)
                    form = forms_policy.load(dossier.regime).final_decision_form(dossier.proposed_level)
                    _record_paper_decision(decider, dossier, form)
                else:
                    _approve(decider, dossier)
            if target == "approved":
                continue
            # The plan is in place; the pre-operation readiness check and the go-live itself come with the demo
            # inspections (inspections.demo), since the go-live gate needs an eligible check after this approval.
            registry.update_system(actor=operator, system_id=system.pk, data=SystemPatch(security_plan_status="full"))
    states = dict(Dossier.objects.filter(system__code__in=PLAN).values_list("system__code", "status"))
    return f"{made} dossiers created; states: {states}"


def seed_reminders() -> str:
    """The step deadline reminders the scan derives from the demo data (idempotent: the dedup keys)."""
    return f"dossier step reminders created: {notices.scan_step_deadlines() or 0}"
