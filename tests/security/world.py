"""A second province with one of everything (system, dossier, document, inspection, finding, evidence, export,
notification, import report), built through the services like its own users would. No demo persona belongs to it,
so every one of them must get 404 (or 403) on these objects and never see their names.

Used by tests/security/test_access_matrix.py and bench/probe_access.py."""

import itertools
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.files.base import ContentFile

from accounts.models import Organization, Role

MARKER = "XPRSECRET"  # every foreign world's names carry MARKER<n>Z: a response that contains it leaked
_seq = itertools.count(1)


@dataclass
class Foreign:
    marker: str
    province: Organization
    users: dict
    system: object
    operating_system: object
    dossier: object
    document: object
    inspection: object
    finding: object
    evidence: object
    export_job: object
    notification: object
    import_token: str
    checklist_item_id: int


def build_foreign(suffix: str = "") -> Foreign:
    from django.core.files.storage import default_storage

    from approvals import services as approvals
    from inspections import services as inspections
    from inspections.models import InspectionResult
    from notifications.models import Notification
    from reporting.exports import services as exports
    from systems_registry import spreadsheets
    from systems_registry.models import InformationSystem
    from tests import factories
    from tests.inspections.helpers import publish

    n = f"{next(_seq)}{suffix}"
    marker = f"{MARKER}{n}Z"
    province = factories.organization(Organization.Kind.PROVINCE, code=f"XPR{n}", name=f"Foreign province {n}")
    ops = factories.organization(
        Organization.Kind.UNIT, parent=province, code=f"XPR{n}-OPS", name=f"Foreign operating unit {n}"
    )
    sec = factories.organization(
        Organization.Kind.UNIT, parent=province, code=f"XPR{n}-SEC", name=f"Foreign security unit {n}"
    )
    users = {
        "operator": factories.user(ops, Role.OPERATOR, username=f"xpr{n}-operator"),
        "security_unit": factories.user(sec, Role.SECURITY_UNIT, username=f"xpr{n}-security"),
        "owner": factories.user(province, Role.OWNER, username=f"xpr{n}-owner"),
        "auditor": factories.user(province, Role.AUDITOR, username=f"xpr{n}-auditor"),
    }
    assessor = factories.organization(
        Organization.Kind.ASSESSOR, code=f"XPR{n}-ASSESS", name=f"Foreign assessor {n}", licensed_assessor=True
    )
    users["inspector"] = factories.user(assessor, Role.INSPECTOR, username=f"xpr{n}-inspector")

    def make_system(label):
        system = factories.system(
            users["operator"], province, operator=ops, security_unit=sec, classify=False, name=f"{marker} {label}"
        )
        InformationSystem.objects.filter(pk=system.pk).update(proposed_level=2, national_authority=None)
        system.refresh_from_db()
        return system

    system = make_system("system")
    dossier = approvals.create_dossier(
        actor=users["operator"], system_id=system.pk, proposed_level=2, title=f"{marker} dossier"
    )
    docs = factories.add_documents(users["operator"], dossier)
    dossier = approvals.submit_dossier(actor=users["operator"], dossier_id=dossier.pk)

    operating = make_system("operating")
    InformationSystem.objects.filter(pk=operating.pk).update(status=InformationSystem.Status.OPERATING)

    if not _has_checklist(2):
        publish(level=2, sections=1, items=2)
    inspection = inspections.create_inspection(
        actor=users["security_unit"], system_id=operating.pk, kind="ad_hoc", trigger="authority_request",
        scheduled_for=date.today(), inspector_ids=[users["inspector"].pk],
    )  # fmt: skip
    inspections.transition_inspection(actor=users["inspector"], inspection_id=inspection.pk, name="start")
    row = InspectionResult.objects.filter(inspection=inspection).order_by("id").first()
    inspections.save_results(actor=users["inspector"], inspection_id=inspection.pk,
                             entries=[{"item_id": row.item_id, "result": "not_met", "note": marker}])  # fmt: skip
    finding = inspections.create_finding(
        actor=users["inspector"], inspection_id=inspection.pk, item_id=row.item_id, severity="high",
        description=f"{marker} finding", due_date=date.today() + timedelta(days=30),
    )  # fmt: skip
    evidence = inspections.add_evidence(
        actor=users["inspector"], inspection_id=inspection.pk, item_id=row.item_id,
        uploaded=ContentFile(factories.pdf_bytes(marker), name="evidence.pdf"),
    )  # fmt: skip
    export_job = exports.request_export(
        actor=users["security_unit"], kind="inspection", params={"inspection_id": inspection.pk}
    )
    notification = Notification.objects.create(
        recipient=users["security_unit"], kind="inspection_scheduled", title=f"{marker} note", dedup_key=f"xpr-{n}"
    )
    token = secrets.token_hex(16)
    default_storage.save(spreadsheets.report_path(users["operator"], token), ContentFile(b"PK" + marker.encode()))
    inspection.refresh_from_db()
    return Foreign(
        marker=marker, province=province, users=users, system=system, operating_system=operating, dossier=dossier, document=docs[0],
        inspection=inspection, finding=finding, evidence=evidence, export_job=export_job, notification=notification,
        import_token=token, checklist_item_id=row.item_id,
    )  # fmt: skip


def _has_checklist(level: int) -> bool:
    from checklists.models import ChecklistTemplate

    return (
        ChecklistTemplate.objects.filter(level=level, kind="ad_hoc").exists()
        or ChecklistTemplate.objects.filter(level=level).exists()
    )
