"""HTML pages of reporting: my worklist, one report (its Art. 36 content, versions and buttons), the national view
of who has and has not reported, and the ad-hoc request. Thin: parse, call the one service, redirect."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Organization
from core.errors import DomainError, NotFound

from . import changes, coverage, incidents, labels, policy, selectors, services
from .api import XLSX
from .models import Report, ReportVersion


def _year(request) -> int:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else policy.current_year(timezone.localdate())


def _errors(request, exc: DomainError) -> None:
    details = "; ".join(d.get("message", "") for d in exc.details if isinstance(d, dict) and d.get("message"))
    messages.error(request, f"{exc.message} {details}".strip())


@login_required
def report_list_view(request):
    year = _year(request)
    page = Paginator(selectors.report_list(request.user, year=year), 50).get_page(request.GET.get("page"))
    return render(request, "reporting/list.html", {
        "year": year, "years": range(year - 3, year + 2), "page": page,
        "due": list(selectors.due_from_my_units(request.user)[:100]),
        "awaiting": list(selectors.awaiting_my_decision(request.user)[:100]),
        "national": selectors.is_national(request.user), "today": timezone.localdate(),
        "changes_open": [(c, labels.kind_label(c.kind)) for c in changes.changes_with_open_tasks(request.user)[:100]],
    })  # fmt: skip


def _report_or_404(user, report_id: int) -> Report:
    try:
        return selectors.report_for_user(user, report_id)
    except NotFound:
        raise Http404 from None


@login_required
def report_detail_view(request, report_id: int):
    report = _report_or_404(request.user, report_id)
    transitions = services.available_transitions(request.user, report)
    editable = report.status in (Report.Status.DRAFT, Report.Status.RETURNED) and services.may_submit(
        request.user, report
    )
    rules = policy.load_policy().for_regime(report.regime)
    start, end = rules.period_of(report.year)
    return render(request, "reporting/detail.html", {
        "report": report, "transitions": transitions, "editable": editable, "period": (start, end),
        "deadline": rules.deadline(report.level), "source": rules.source,
        "versions": list(report.versions.select_related("submitted_by").order_by("-number")),
        "systems": list(services.systems_of(report)) if editable or report.national_list_ids or report.regulation_compliant_ids else [],
        "today": timezone.localdate(),
    })  # fmt: skip


@login_required
@require_POST
def report_content_view(request, report_id: int):
    def ids(name):
        return [int(v) for v in request.POST.getlist(name) if v.isdigit()]

    try:
        services.update_content(
            actor=request.user, report_id=report_id, national_list_ids=ids("national_list_ids"),
            regulation_compliant_ids=ids("regulation_compliant_ids"), roadmap_note=request.POST.get("roadmap_note", "")[:20000],
            other_information=request.POST.get("other_information", "")[:20000],
        )  # fmt: skip
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The report's content was saved."))
    return redirect("reporting:detail", report_id)


@login_required
@require_POST
def report_transition_view(request, report_id: int, name: str):
    try:
        report = services.transition_report(
            actor=request.user, report_id=report_id, name=name, comment=request.POST.get("comment", "")[:5000]
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The report is now: %(status)s.") % {"status": report.get_status_display()})
    return redirect("reporting:detail", report_id)


@login_required
def form08_view(request, report_id: int, number: int):
    report = _report_or_404(request.user, report_id)
    version = ReportVersion.objects.filter(report=report, number=number).first()
    if version is None:
        raise Http404
    return FileResponse(
        version.file.open("rb"), as_attachment=True, filename=f"form08-{report.pk}-v{number}.xlsx", content_type=XLSX
    )


@login_required
def national_view(request):
    year = _year(request)
    level = request.GET.get("level") if request.GET.get("level") in Report.Level.values else Report.Level.OWNER
    try:
        view = coverage.coverage(
            request.user, year=year, organization_id=request.GET.get("organization_id") or None, level=level
        )
    except NotFound:
        raise Http404 from None
    owners = []
    if selectors.national_authority_ids(request.user).exists():
        owners = (
            Organization.objects.filter(owned_systems__isnull=False)
            .distinct()
            .order_by("code")
            .only("id", "code", "name")
        )
    return render(request, "reporting/national.html", {
        "view": view, "years": range(year - 3, year + 2), "levels": Report.Level.choices, "owners": owners,
        "today": timezone.localdate(),
    })  # fmt: skip


@login_required
@require_POST
def request_ad_hoc_view(request):
    try:
        due = dt.date.fromisoformat(request.POST.get("due_date", ""))
    except ValueError:
        messages.error(request, _("Give the due date as a date."))
        return redirect("reporting:national")
    try:
        req = services.request_ad_hoc(
            actor=request.user, owner_ids=[int(v) for v in request.POST.getlist("owner_ids") if v.isdigit()],
            subject=request.POST.get("subject", "")[:255], due_date=due, content=request.POST.get("content", "")[:20000],
        )  # fmt: skip
    except DomainError as exc:
        _errors(request, exc)
        return redirect("reporting:national")
    messages.success(request, _("Ad-hoc report requested from %(count)s owners.") % {"count": req.reports.count()})
    return redirect(reverse("reporting:list") + f"?year={req.year}")


# --- serious incidents ----------------------------------------------------------------------------------------------

SYSTEM_CHOICES_LIMIT = 500


@login_required
def incident_list_view(request):
    from systems_registry.selectors import systems_visible_to

    return render(request, "reporting/incidents.html", {
        "awaiting": list(incidents.awaiting_full_report(request.user)[:200]),
        "recent": list(incidents.incidents_visible_to(request.user).select_related("system").order_by("-occurred_at", "-id")[:50]),
        "systems": systems_visible_to(request.user).exclude(status="decommissioned").order_by("code").only("id", "code", "name", "status")[:SYSTEM_CHOICES_LIMIT],
        "now": timezone.now(),
    })  # fmt: skip


@login_required
@require_POST
def incident_record_view(request):
    try:
        occurred = dt.datetime.fromisoformat(request.POST.get("occurred_at", ""))
    except ValueError:
        messages.error(request, _("Give the time the incident occurred."))
        return redirect("reporting:incidents")
    if timezone.is_naive(occurred):
        occurred = timezone.make_aware(occurred)
    system_id = request.POST.get("system_id", "")
    try:
        incident = incidents.record_incident(
            actor=request.user, system_id=int(system_id) if system_id.isdigit() else 0, occurred_at=occurred,
            summary=request.POST.get("summary", "")[:20000], affects_national_security=request.POST.get("affects_national_security") == "1",
        )  # fmt: skip
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _errors(request, exc)
        return redirect("reporting:incidents")
    messages.success(request, _("The incident was recorded; its reports are due as shown."))
    return redirect("reporting:incident", incident.pk)


@login_required
def incident_detail_view(request, incident_id: int):
    try:
        incident = incidents.incident_for_user(request.user, incident_id)
    except NotFound:
        raise Http404 from None
    return render(request, "reporting/incident.html", {
        "incident": incident, "stages": incidents.available_stages(request.user, incident), "now": timezone.now(),
        "source": policy.incident_policy().source,
    })  # fmt: skip


@login_required
@require_POST
def incident_report_view(request, incident_id: int, stage: str):
    fields = {name: request.POST.get(name, "")[:20000] for name in ("text", "cause", "scope", "remediation")}
    try:
        incidents.report_incident(actor=request.user, incident_id=incident_id, stage=stage, **fields)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The incident report was sent."))
    return redirect("reporting:incident", incident_id)
