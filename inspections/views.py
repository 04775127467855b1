import calendar as cal
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.selectors import organizations_in_view
from core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from core.web import service_call
from systems_registry.selectors import system_for_user

from . import access, scheduling, selectors, services
from .forms import FindingForm, OrderInspectionForm
from .models import Finding, Inspection, InspectionCyclePolicy, InspectionResult
from .policy import load_policy

# What each button did and who acts next: shown after the redirect instead of a bare "done".
INSPECTION_MESSAGES = {
    "start": gettext_lazy("Inspection started. Next: the inspectors record a result for every item, then submit them."),
    "submit": gettext_lazy(
        "Results submitted. Next: the reviewer closes the inspection, or reopens it for corrections."
    ),
    "close": gettext_lazy("Inspection closed. Its open findings now wait for the responsible unit to remediate them."),
    "reopen": gettext_lazy("Inspection reopened. Next: the inspectors correct the results and submit them again."),
    "cancel": gettext_lazy("Inspection cancelled. Nobody acts on it further."),
}
FINDING_MESSAGES = {
    "resolve": gettext_lazy("Finding marked as remediated. Next: the inspection's reviewer verifies it."),
    "verify": gettext_lazy("Remediation verified: the finding is closed."),
    "reopen": gettext_lazy("Finding reopened. Next: the responsible unit remediates it again."),
}


def _or_404(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except NotFound:
        raise Http404 from None


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def inspection_list_view(request):
    status = request.GET.get("status", "")
    status = status if status in Inspection.Status.values else ""
    system = request.GET.get("system", "")
    system_id = int(system) if system.isdigit() else None
    due_before = _parse_date(request.GET.get("due_before", ""))
    overdue = request.GET.get("overdue") == "1"
    qs = selectors.inspection_list(
        request.user, system_id=system_id, status=status, due_before=due_before, overdue=overdue
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    order_system = None
    if system_id is not None:
        try:
            order_system = system_for_user(request.user, system_id)
        except NotFound:
            pass
    return render(request, "inspections/list.html", {
        "page": page, "status": status, "system_id": system_id, "due_before": due_before, "overdue": overdue,
        "statuses": Inspection.Status.choices, "order_system": order_system,
    })  # fmt: skip


@login_required
def inspection_detail_view(request, inspection_id):
    inspection = _or_404(selectors.inspection_for_user, request.user, inspection_id)
    results = selectors.results_of(inspection)
    findings = list(selectors.findings_of(inspection))
    actions = services.findings_transitions(request.user, inspection, findings)
    for finding in findings:
        finding.actions = actions[finding.pk]
    return render(request, "inspections/detail.html", {
        "inspection": inspection, "score": selectors.score(results), "findings": findings,
        "transitions": services.available_transitions(request.user, inspection),
        "inspectors": inspection.inspectors.order_by("username"),
        "can_fill": services.may_fill_results(request.user, inspection),
        "outcomes": Inspection.Outcome.choices, "may_add_finding": services.may_create_finding(request.user, inspection),
    })  # fmt: skip


@login_required
def finding_create_view(request, inspection_id):
    """Record a finding by hand: the page of POST /api/v1/inspections/{id}/findings, calling the same service."""
    inspection = _or_404(selectors.inspection_for_user, request.user, inspection_id)
    if not services.may_create_finding(request.user, inspection):
        return HttpResponseForbidden(
            _(
                "Findings are recorded by the inspectors or the designated security unit while the inspection is in progress or submitted."
            )
        )
    items = [
        (r.item_id, f"{r.item.code} · {r.get_result_display()} · {r.item.text[:80]}")
        for r in selectors.results_of(inspection) if r.result in (InspectionResult.Result.NOT_MET, InspectionResult.Result.PARTIAL)
    ]  # fmt: skip
    initial = {"due_date": timezone.localdate() + timedelta(days=30)}
    form = FindingForm(request.POST or None, items=items, initial=initial)
    if request.method == "POST" and form.is_valid():
        with service_call(request) as call:
            try:
                services.create_finding(actor=request.user, inspection_id=inspection.pk, **form.cleaned_data)
            except Invalid as exc:
                form.add_service_errors(exc.details, exc.message)
            except Conflict as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _(
                        "Finding recorded. Next: the responsible unit remediates it by the date given, then marks it as remediated."
                    ),
                )
                return redirect("inspections:detail", inspection_id=inspection.pk)
        if call.forbidden:
            return call.forbidden
    return render(request, "inspections/finding_form.html", {"inspection": inspection, "form": form, "items": items})


@login_required
def results_view(request, inspection_id):
    """The inspector's worksheet. Each answer is saved as it is given (static/js/inspection.js, through the results
    API); without JavaScript the whole form is posted here. Constant query count whatever the checklist size."""
    errors = []
    if request.method == "POST":
        # The service reads, locks and checks the inspection once; the page is read only to show what went wrong.
        entries = []
        for key, value in request.POST.items():
            if key.startswith("result-") and key[7:].isdigit():
                item_id = int(key[7:])
                entries.append(
                    {
                        "item_id": item_id,
                        "result": value or None,
                        "note": request.POST.get(f"note-{item_id}", "")[:5000],
                    }
                )
        try:
            services.save_results(actor=request.user, inspection_id=inspection_id, entries=entries)
        except NotFound:
            raise Http404 from None
        except (Forbidden, Conflict):
            return HttpResponseForbidden(
                _("Only the assigned inspectors record results while the inspection is in progress.")
            )
        except DomainError as exc:
            errors = [d.get("message", "") for d in exc.details] or [exc.message]
        else:
            messages.success(request, _("Results saved."))
            return redirect("inspections:results", inspection_id=inspection_id)
    inspection = _or_404(selectors.inspection_for_user, request.user, inspection_id)
    can_fill = services.may_fill_results(request.user, inspection)
    results = selectors.results_of(inspection)
    evidence = selectors.evidence_by_item(inspection)
    for row in results:
        row.evidence_files = evidence.get(row.item_id, [])
    return render(request, "inspections/results.html", {
        "inspection": inspection, "results": results, "score": selectors.score(results), "can_fill": can_fill,
        "choices": InspectionResult.Result.choices, "errors": errors,
    })  # fmt: skip


@login_required
@require_POST
def transition_view(request, inspection_id, name):
    with service_call(request) as call:
        services.transition_inspection(
            actor=request.user, inspection_id=inspection_id, name=name, comment=request.POST.get("comment", "")[:5000],
            outcome=request.POST.get("outcome", "")[:30],
        )  # fmt: skip
        messages.success(request, INSPECTION_MESSAGES[name])
    return call.forbidden or redirect("inspections:detail", inspection_id=inspection_id)


@login_required
@require_POST
def finding_transition_view(request, finding_id, name):
    finding = _or_404(selectors.finding_for_user, request.user, finding_id)
    with service_call(request) as call:
        services.transition_finding(
            actor=request.user, finding_id=finding.pk, name=name, comment=request.POST.get("comment", "")[:5000]
        )
        messages.success(request, FINDING_MESSAGES[name])
    return call.forbidden or redirect("inspections:detail", inspection_id=finding.inspection_id)


@login_required
@require_POST
def evidence_upload_view(request, inspection_id):
    item = request.POST.get("item_id", "")
    upload = request.FILES.get("file")
    with service_call(request) as call:
        if not item.isdigit() or upload is None:
            raise DomainError(_("Choose an item and a file."))
        services.add_evidence(actor=request.user, inspection_id=inspection_id, item_id=int(item), uploaded=upload)
        messages.success(request, _("Evidence attached."))
    return call.forbidden or redirect(
        reverse("inspections:results", args=[inspection_id]) + (f"#item-{item}" if item.isdigit() else "")
    )


@login_required
def evidence_download_view(request, evidence_id):
    evidence = _or_404(services.evidence_for_user, request.user, evidence_id)
    response = FileResponse(
        evidence.file.open("rb"), as_attachment=True, filename=evidence.filename, content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def findings_view(request):
    overdue = request.GET.get("overdue") == "1"
    system = request.GET.get("system", "")
    qs = selectors.findings_visible_to(
        request.user, system_id=int(system) if system.isdigit() else None, overdue=overdue
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request, "inspections/findings.html", {"page": page, "overdue": overdue, "statuses": Finding.Status.choices}
    )


@login_required
def calendar_view(request):
    """Month grid of due dates for one organisation's systems (owner, operator or security unit at or below it)."""
    today = timezone.localdate()
    try:
        year, month = int(request.GET.get("year", today.year)), int(request.GET.get("month", today.month))
        first = date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    orgs = organizations_in_view(request.user).order_by("code").only("id", "code", "name")
    org_param = request.GET.get("organization", "")
    org = orgs.filter(pk=int(org_param)).first() if org_param.isdigit() else None
    last = date(first.year, first.month, cal.monthrange(first.year, first.month)[1])
    qs = selectors.inspection_list(request.user, organization_id=org.pk if org else None).filter(
        due_date__gte=first, due_date__lte=last
    )
    by_day: dict[date, list] = {}
    for inspection in qs:
        by_day.setdefault(inspection.due_date, []).append(inspection)
    weeks = [
        [{"day": d, "in_month": d.month == first.month, "items": by_day.get(d, []), "today": d == today} for d in week]
        for week in cal.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]
    prev_month = (first.replace(day=1) - timedelta(days=1)).replace(day=1)
    next_month = last + timedelta(days=1)
    return render(request, "inspections/calendar.html", {
        "weeks": weeks, "first": first, "orgs": orgs, "org": org, "prev": prev_month, "next": next_month,
        "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
    })  # fmt: skip


# --- ordering an inspection ---------------------------------------------------------------------------------------


def _order_types(system) -> list[dict]:
    """The kinds a user may order, ad hoc once per trigger of the system's regime (inspections/policies/)."""
    types = [
        {"value": k, "kind": k, "trigger": "", "label": label}
        for k, label in Inspection.Kind.choices
        if k != Inspection.Kind.AD_HOC
    ]
    ad_hoc = Inspection.Kind.AD_HOC
    for rule in load_policy(system.regime).triggers:
        label = f"{ad_hoc.label} · {Inspection.Trigger(rule.name).label}"
        types.append({"value": f"{ad_hoc}:{rule.name}", "kind": ad_hoc.value, "trigger": rule.name, "label": label})
    return types


def _chosen_type(types: list[dict], request) -> dict | None:
    if request.method == "POST":
        kind, trigger = request.POST.get("kind", ""), request.POST.get("trigger", "")
        return next((t for t in types if (t["kind"], t["trigger"]) == (kind, trigger)), None)
    value = request.GET.get("type", Inspection.Kind.PERIODIC)
    return next((t for t in types if t["value"] == value), types[0])


def _due_hint(system, chosen: dict) -> str:
    """What the service takes when the due date is left empty (services.create_inspection)."""
    if chosen["kind"] == Inspection.Kind.PERIODIC:
        next_due = scheduling.next_due_for(system)
        if next_due is None:
            return _("If left empty: the scheduled date.")
        return _(
            "If left empty: the system's next periodic due date (%(date)s), or the scheduled date if that is later."
        ) % {"date": date_format(next_due, "SHORT_DATE_FORMAT")}
    days = scheduling.due_days(system.regime, chosen["trigger"])
    return _("If left empty: %(days)s days after the scheduled date.") % {"days": days}


def _checklists(system, kind: str):
    choices, default = selectors.checklist_choices(system, kind)
    if default is None:
        return choices, _("No published checklist for this system: import one first")
    return choices, _("Default: %(checklist)s") % {"checklist": f"{default.code} v{default.version} · {default.title}"}


@login_required
def order_view(request, system_id):
    """Order an inspection of one system: the same service as POST /api/v1/systems/{id}/inspections. The kind (and
    an ad hoc inspection's trigger) is chosen first, since it decides who may inspect: the page then offers exactly
    the inspectors the service accepts for it."""
    system = _or_404(system_for_user, request.user, system_id)
    ordering_org = access.ordering_org_id(request.user, system)
    if ordering_org is None:
        return HttpResponseForbidden(
            _("Only the system's designated security unit, its owner or a national authority may order an inspection.")
        )
    types = _order_types(system)
    chosen = _chosen_type(types, request)
    kind, trigger = (chosen["kind"], chosen["trigger"]) if chosen else ("", "")
    requirement = scheduling.assessor_requirement(system, kind=kind, trigger=trigger) if chosen else ""
    checklists, default_label = _checklists(system, kind)
    inspectors = (
        selectors.inspector_candidates(system, requirement, ordering_org_id=ordering_org)
        if chosen
        else User.objects.none()
    )
    form = OrderInspectionForm(
        request.POST if request.method == "POST" else None,
        initial={"kind": kind, "trigger": trigger, "scheduled_for": timezone.localdate()},
        triggers=[(t["trigger"], t["label"]) for t in types if t["trigger"]], inspectors=inspectors, checklists=checklists,
        default_checklist_label=default_label,
    )  # fmt: skip
    if request.method == "POST":
        if chosen is None:
            form.add_error(None, _("Choose the kind of inspection again."))
        elif form.is_valid():
            with service_call(request) as call:
                try:
                    inspection = services.create_inspection(
                        actor=request.user, system_id=system.pk, **form.service_kwargs()
                    )
                except Invalid as exc:
                    form.add_service_errors(exc.details, exc.message)
                except Conflict as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, _("Inspection %(n)s ordered.") % {"n": inspection.pk})
                    return redirect("inspections:detail", inspection_id=inspection.pk)
            if call.forbidden:
                return call.forbidden
    return render(request, "inspections/order.html", {
        "system": system, "form": form, "types": types, "chosen": chosen,
        "requirement": InspectionCyclePolicy.Assessor(requirement).label if requirement else "",
        "due_hint": _due_hint(system, chosen) if chosen else "",
    })  # fmt: skip
