from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import StepKind
from approvals.presenters import is_overdue
from core.errors import NotFound
from inspections.models import Finding
from systems_registry.services import may_register_systems

from . import dashboard
from .home import home_worklist


@login_required
def home(request):
    """The "waiting for me" page of every role: dossier steps, dossiers to complete, inspections, findings, and
    for oversight roles the systems operating without approval (`reporting.home.home_worklist`)."""
    work = home_worklist(request.user)  # nothing waiting shows an empty worklist that says so, never a redirect
    steps = [{"step": s, "dossier": s.dossier, "overdue": is_overdue(s, work.today)} for s in work.steps]
    return render(request, "reporting/home.html", {"work": work, "rows": steps})


SEVERITY_CSS = {"low": "low", "medium": "medium", "high": "high", "critical": "critical"}


@login_required
def dashboard_view(request):
    try:
        board = dashboard.compliance(request.user, request.GET.get("organization_id") or None, with_list=True)
    except NotFound:
        raise Http404 from None
    severity_labels = dict(Finding.Severity.choices)
    step_labels = dict(StepKind.choices)
    f = board.figures
    return render(
        request,
        "reporting/compliance.html",
        {
            "board": board,
            "due_limit": timezone.localdate() + timedelta(days=dashboard.DUE_WINDOW_DAYS + 1),
            "f": f,
            "findings_bars": [
                (severity_labels[k], v, SEVERITY_CSS[k]) for k, v in board.findings_open_by_severity.items()
            ],
            "findings_total": sum(board.findings_open_by_severity.values()),
            # the empty dashboard offers registration only to those the registry lets register (one query, then)
            "may_register": not f.systems_total and may_register_systems(request.user),
            "findings_figures": [(k, severity_labels[k], v) for k, v in board.findings_open_by_severity.items()],
            "steps_figures": [(k, step_labels[k], v) for k, v in board.dossiers_overdue_by_step.items()],
            "steps_bars": [(step_labels[k], v, "bad") for k, v in board.dossiers_overdue_by_step.items()],
            "steps_total": sum(board.dossiers_overdue_by_step.values()),
            "inspection_bars": [
                (_("Due within 30 days"), f.inspections_due_30d, "medium"),
                (_("Overdue"), f.inspections_overdue, "bad"),
            ],
        },
    )
