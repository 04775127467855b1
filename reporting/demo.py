"""Demo data: the reporting year in progress. Every expected report exists as a draft; the Quảng Ninh designated
security unit has submitted its report to the owner (and the owner returned nothing yet); the rest are still due.
Idempotent: a second run opens nothing new and submits nothing twice."""

from django.utils import timezone

from accounts.models import Organization, User

from . import policy, services
from .models import Report


def seed() -> str:
    year = policy.current_year(timezone.localdate())
    opened = services.open_year(year=year)
    unit = Organization.objects.filter(code="QNI-SKHCN").first()
    actor = User.objects.filter(username="security_unit").first()
    submitted = 0
    if unit is not None and actor is not None:
        draft = Report.objects.filter(
            year=year, kind=Report.Kind.ANNUAL, organization=unit, status=Report.Status.DRAFT, version=0
        ).first()
        if draft is not None:
            services.update_content(
                actor=actor, report_id=draft.pk, roadmap_note="Hoàn thiện các yêu cầu còn thiếu trong quý I năm sau."
            )
            services.transition_report(
                actor=actor, report_id=draft.pk, name="submit", comment="Báo cáo năm của đơn vị chuyên trách"
            )
            submitted = 1
    return f"report year {year}: {opened} reports opened, {submitted} submitted"
