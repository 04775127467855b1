"""Small builders for rows the demo data does not have. They go through the services, like real users."""

import itertools

from accounts.models import Membership, Organization, Role, User
from accounts.services import create_organization
from systems_registry import services as registry
from systems_registry.schemas import SystemCreate

_seq = itertools.count(1)


def organization(kind=Organization.Kind.UNIT, parent=None, **kwargs) -> Organization:
    n = next(_seq)
    return create_organization(
        code=kwargs.pop("code", f"ORG{n}"),
        name=kwargs.pop("name", f"Organisation {n}"),
        kind=kind,
        parent=parent,
        **kwargs,
    )


def user(org=None, role=Role.OPERATOR, **kwargs) -> User:
    n = next(_seq)
    u = User.objects.create_user(username=kwargs.pop("username", f"user{n}"), password="attesta-demo", **kwargs)
    if org is not None:
        Membership.objects.create(user=u, organization=org, role=role)
    return u


def system(actor, owner, operator=None, security_unit=None, classify=True, **fields):
    n = next(_seq)
    data = {
        "code": f"SYS-{n}", "name": f"System {n}", "owner_id": owner.pk,
        "operator_id": (operator or owner).pk, "security_unit_id": (security_unit or owner).pk,
        "system_type": "internal", "info_types": ["personal"], "regime": "decree_331_2026",
    }  # fmt: skip
    data.update(fields)
    created = registry.create_system(actor=actor, data=SystemCreate(**data))
    if classify:
        registry.classify_system(actor=actor, system_id=created.pk)
        created.refresh_from_db()
    return created


# --- approvals -------------------------------------------------------------------------------------------------


def pdf_bytes(text: str = "Attesta test document") -> bytes:
    from approvals.demo import tiny_pdf

    return tiny_pdf(text)


def docx_bytes() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        zf.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>',
        )
    return buf.getvalue()


def leveled_system(demo, level: int, regime: str = "decree_331_2026", **fields):
    """A demo-province system (owner QNI, operator QNI-TTCDS, security unit QNI-SKHCN) at `level`, with the
    classification set directly: these tests are about the workflow, not the criteria."""
    from systems_registry.models import InformationSystem

    created = system(
        demo.operator, demo.org("QNI"), operator=demo.org("QNI-TTCDS"), security_unit=demo.org("QNI-SKHCN"),
        classify=False, regime=regime, **fields,
    )  # fmt: skip
    InformationSystem.objects.filter(pk=created.pk).update(proposed_level=level)
    created.refresh_from_db()
    return created


def add_documents(actor, dossier, kinds=None, *, regulation=True):
    from django.core.files.base import ContentFile

    from approvals import routing, services

    required = routing.load_policy(dossier.regime).required_documents[dossier.proposed_level]
    # The regulation is a required document too; `regulation` alone decides whether it is added.
    kinds = list(kinds or [k for k in required if k != "security_regulation"])
    if regulation:
        kinds.append("security_regulation")
    docs = []
    for kind in kinds:
        upload = ContentFile(pdf_bytes(f"{kind} {dossier.pk}"), name=f"{kind}.pdf")
        docs.append(
            services.add_document(actor=actor, dossier_id=dossier.pk, kind=kind, upload=upload, filename=f"{kind}.pdf")
        )
    return docs


def submitted_dossier(demo, level: int, regime: str = "decree_331_2026", *, regulation=True, **fields):
    """A level-`level` dossier prepared and submitted by the demo operator."""
    from approvals import services

    target = leveled_system(demo, level, regime, **fields)
    dossier = services.create_dossier(
        actor=demo.operator, system_id=target.pk, proposed_level=level, title=f"Level {level}"
    )
    add_documents(demo.operator, dossier, regulation=regulation)
    return services.submit_dossier(actor=demo.operator, dossier_id=dossier.pk)


def sign_decision(dossier, signer=None):
    """Put an approved dossier's decision (Form 06, or 07) in force as its signer would: drafted (unless it is
    already) and recorded as signed on paper with a scan. The approval takes effect on the system only then."""
    from django.core.files.base import ContentFile

    from approvals.models import Dossier
    from approvals.selectors import steps_of_revision
    from approvals.statutory import policy as forms_policy
    from approvals.statutory import services as statutory
    from approvals.statutory.models import StatutoryDocument

    dossier = Dossier.objects.get(pk=dossier.pk)
    policy = forms_policy.load(dossier.regime)
    form = policy.final_decision_form(dossier.proposed_level)
    step = steps_of_revision(dossier)[-1]
    if signer is None:
        role = policy.forms[form].signer_role_for(dossier.proposed_level)
        signer = (
            User.objects.filter(
                memberships__organization_id=step.organization_id,
                memberships__role=step.role if role == "step" else role,
            )
            .order_by("pk")
            .first()
        )
    if not StatutoryDocument.objects.filter(dossier=dossier, revision=dossier.revision, form=form).exists():
        statutory.draft_form(actor=signer, dossier_id=dossier.pk, form=form)
    scan = ContentFile(pdf_bytes(f"Scan of decision {dossier.pk}"), name="scan.pdf")
    statutory.record_paper_copy(actor=signer, dossier_id=dossier.pk, form=form, upload=scan)
    return Dossier.objects.get(pk=dossier.pk)
