"""HTML pages of risk assessments, the change register and follow-up tasks: a system's risk assessments (with the
export for inspection), a system's change register with its tasks, and the worklist of changes with open tasks.
Thin: parse, call the one service, redirect."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError, NotFound
from systems_registry.selectors import system_for_user, systems_visible_to

from . import changes, labels, policy
from .models import FollowUpTask, RiskAssessment, SystemChange
from .views import SYSTEM_CHOICES_LIMIT, _errors


def _system_or_404(user, system_id: int):
    try:
        return system_for_user(user, system_id)
    except NotFound:
        raise Http404 from None


def _options(mapping: dict) -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in mapping.items()]


@login_required
def system_risk_view(request, system_id: int):
    system = _system_or_404(request.user, system_id)
    rules = policy.change_policy()
    assessments = [
        (ra, labels.trigger_label(ra.trigger))
        for ra in RiskAssessment.objects.filter(system=system).select_related("recorded_by").order_by("-created_at", "-id")[:200]
    ]  # fmt: skip
    return render(request, "reporting/risk.html", {
        "system": system, "assessments": assessments, "may_record": changes.may_record(request.user, system),
        "may_propose": changes.may_propose_level(request.user, system),
        "triggers": [(t.code, labels.trigger_label(t.code), t.article) for t in rules.triggers],
        "higher_levels": range((system.proposed_level or 0) + 1, 6), "source": rules.source,
    })  # fmt: skip


@login_required
@require_POST
def risk_record_view(request, system_id: int):
    level = request.POST.get("proposes_level", "")
    try:
        changes.record_risk_assessment(
            actor=request.user, system_id=system_id, trigger=request.POST.get("trigger", ""),
            conclusion=request.POST.get("conclusion", "")[:20000], proposes_level=int(level) if level.isdigit() else None,
            document=request.FILES.get("document"),
        )  # fmt: skip
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The risk assessment was recorded."))
    return redirect("reporting:risk", system_id)


@login_required
def risk_document_view(request, assessment_id: int):
    try:
        ra = changes.risk_assessment_for_user(request.user, assessment_id)
    except NotFound:
        raise Http404 from None
    if not ra.document:
        raise Http404
    return FileResponse(
        ra.document.open("rb"), as_attachment=True, filename=ra.document_name, content_type=ra.document_content_type
    )


@login_required
def system_changes_view(request, system_id: int):
    system = _system_or_404(request.user, system_id)
    rules = policy.change_policy()
    rows = list(
        SystemChange.objects.filter(system=system).select_related("recorded_by").order_by("-changed_on", "-id")[:200]
    )
    tasks: dict[int, list] = {}
    task_qs = FollowUpTask.objects.filter(system=system).select_related("system").order_by("due_date", "id")
    for t in task_qs.filter(change_id__in=[c.pk for c in rows]):
        tasks.setdefault(t.change_id, []).append(t)
    # The user's capacities over this one system give the same answer for every open task (read once).
    may_close = changes.may_close_tasks_of(request.user, system)
    return render(request, "reporting/changes.html", {
        "system": system, "source": rules.source,
        "rows": [{"change": c, "kind": labels.kind_label(c.kind), "tasks": tasks.get(c.pk, [])} for c in rows],
        "incident_tasks": list(task_qs.filter(incident__isnull=False)),
        "may_record": changes.may_record(request.user, system), "may_close": may_close,
        "kinds": [(k.code, labels.kind_label(k.code), k.major, k.article) for k in rules.change_kinds],
        "today": timezone.localdate(),
    })  # fmt: skip


@login_required
@require_POST
def change_record_view(request, system_id: int):
    try:
        changed_on = dt.date.fromisoformat(request.POST.get("changed_on", ""))
    except ValueError:
        messages.error(request, _("Give the day the change took effect."))
        return redirect("reporting:changes", system_id)
    try:
        change = changes.record_change(
            actor=request.user, system_id=system_id, kind=request.POST.get("kind", ""), changed_on=changed_on,
            description=request.POST.get("description", "")[:20000],
        )  # fmt: skip
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _errors(request, exc)
    else:
        count = change.tasks.count()
        messages.success(request, _("The change was recorded with %(count)s follow-up tasks.") % {"count": count})
    return redirect("reporting:changes", system_id)


@login_required
@require_POST
def task_close_view(request, task_id: int):
    try:
        task = changes.close_task(actor=request.user, task_id=task_id, reason=request.POST.get("comment", "")[:5000])
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _errors(request, exc)
        task = FollowUpTask.objects.filter(pk=task_id).only("system_id").first()
    else:
        messages.success(request, _("The task was closed."))
    return redirect("reporting:changes", task.system_id)


@login_required
@require_POST
def tasks_sync_view(request, system_id: int):
    _system_or_404(request.user, system_id)
    met = changes.sync_tasks(system_id=system_id)
    messages.success(request, _("%(count)s tasks found met.") % {"count": met})
    return redirect("reporting:changes", system_id)


@login_required
def changes_worklist_view(request):
    system = request.GET.get("system", "")
    if system.isdigit():
        return redirect("reporting:risk" if request.GET.get("page") == "risk" else "reporting:changes", int(system))
    return render(request, "reporting/change_worklist.html", {
        "changes": [(c, labels.kind_label(c.kind)) for c in changes.changes_with_open_tasks(request.user)[:200]],
        "tasks": list(changes.open_tasks(request.user)[:200]),
        "systems": systems_visible_to(request.user).exclude(status="decommissioned").order_by("code").only("id", "code", "name", "status")[:SYSTEM_CHOICES_LIMIT],
        "today": timezone.localdate(),
    })  # fmt: skip
