"""HTML pages: parse, call one service, redirect. Who may do what is decided here and passed as flags."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError, Invalid, NotFound, TooLarge
from core.web import service_call
from systems_registry.selectors import system_for_user

from . import presenters, selectors, services
from .api import document_response
from .forms import DocumentUploadForm
from .models import AppraiserDesignation, Dossier
from .statutory import selectors as statutory


def _or_404(fn, *args):
    try:
        return fn(*args)
    except NotFound:
        raise Http404 from None


def worklist_rows(user) -> list[dict]:
    today = timezone.localdate()
    return [
        {"step": s, "dossier": s.dossier, "overdue": presenters.is_overdue(s, today)} for s in selectors.worklist(user)
    ]


@login_required
def worklist_view(request):
    return render(request, "approvals/worklist.html", {"rows": worklist_rows(request.user)})


@login_required
def dossier_list_view(request):
    status = request.GET.get("status", "")
    status = status if status in Dossier.Status.values else ""
    qs = selectors.dossier_list(request.user, status=status)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "approvals/list.html", {"page": page, "status": status, "statuses": Dossier.Status.choices})


@login_required
def dossier_detail_view(request, dossier_id):
    return _detail_page(request, _or_404(selectors.dossier_for_user, request.user, dossier_id))


def _detail_page(request, dossier: Dossier, *, upload_form: DocumentUploadForm | None = None):
    user = request.user
    transitions = services.available_transitions(user, dossier)
    steps = selectors.steps_of_revision(dossier)
    current = selectors.current_step(steps) if dossier.status == Dossier.Status.IN_REVIEW else None
    today = timezone.localdate()
    earlier = list(
        dossier.steps.exclude(revision=dossier.revision)
        .select_related("organization", "decided_by")
        .order_by("-revision", "order")
    )
    holidays = presenters.late_holidays([*steps, *earlier], today)
    can_upload = services.may_add_documents(user, dossier)
    return render(
        request,
        "approvals/detail.html",
        {
            "dossier": dossier,
            "system": dossier.system,
            "timeline": presenters.timeline_rows(steps, today, current, holidays),
            "earlier": presenters.timeline_rows(earlier, today, holidays=holidays),
            "documents": selectors.revision_documents(dossier, dossier.revision + 1).select_related("uploaded_by"),
            "history": presenters.labelled_history(dossier),
            "current": current,
            "can_decide": any(t in transitions for t in services.DECISIONS),
            "can_accept": "accept" in transitions,
            "required_documents": services.required_documents(dossier),
            "is_final_step": current is not None and current.order == len(steps),
            "preparer_transitions": [t for t in transitions if t not in services.DECISIONS],
            "can_upload": can_upload,
            "upload_form": upload_form or (DocumentUploadForm() if can_upload else None),
            "today": today.isoformat(),
            **_appraiser_context(user, dossier),
            "forms": statutory.forms_panel(user, dossier),
            "decision_in_force": statutory.decision_in_force(dossier),
        },
    )


def _appraiser_context(user, dossier: Dossier) -> dict:
    """The independent appraiser card: shown only where the security unit also operates the system."""
    system = dossier.system
    if not services.needs_independent_appraiser(system):
        return {"needs_appraiser": False}
    may = services.may_designate_appraiser(user, system)
    return {
        "needs_appraiser": True,
        "appraiser": services.appraiser_designation(system),
        "may_designate": may,
        "appraiser_orgs": services.appraiser_candidates(system) if may else [],
        "appraiser_kinds": AppraiserDesignation.Kind.choices,
    }


@login_required
@require_POST
def designate_appraiser_view(request, dossier_id):
    dossier = _or_404(selectors.dossier_for_user, request.user, dossier_id)
    org = request.POST.get("organization_id", "")
    try:
        services.designate_appraiser(
            actor=request.user, system_id=dossier.system_id, kind=request.POST.get("kind", ""),
            organization_id=int(org) if org.isdigit() else 0, decision_number=request.POST.get("decision_number", "")[:200],
            decision_date=_parse_date(request.POST.get("decision_date", "")), council_name=request.POST.get("council_name", "")[:255],
        )  # fmt: skip
        messages.success(request, _("The independent appraiser is recorded; submitted dossiers are routed to it."))
    except NotFound:
        raise Http404 from None
    except Invalid as exc:
        for detail in exc.details or [{"message": exc.message}]:
            messages.error(request, detail["message"])
    except DomainError as exc:
        if exc.status == 403:
            return HttpResponseForbidden(exc.message)
        messages.error(request, exc.message)
    return redirect("approvals:detail", dossier_id=dossier_id)


@login_required
def dossier_create_view(request, system_id):
    system = _or_404(system_for_user, request.user, system_id)
    if not services.may_prepare(request.user, system):
        return HttpResponseForbidden(_("Only the system's operating unit or owner may start a dossier."))
    if request.method == "POST":
        try:
            dossier = services.create_dossier(
                actor=request.user, system_id=system.pk, proposed_level=system.proposed_level or 0,
                title=request.POST.get("title", "")[:255], summary=request.POST.get("summary", "")[:20000],
            )  # fmt: skip
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Dossier started. Add its documents, then submit it."))
            return redirect("approvals:detail", dossier_id=dossier.pk)
    return render(request, "approvals/create.html", {"system": system})


@login_required
@require_POST
def document_upload_view(request, dossier_id):
    """Who may upload is checked before the fields, so a refusal never depends on what was typed; field errors
    show the page again with the form, and nothing is stored."""
    with service_call(request) as call:
        dossier = selectors.dossier_for_user(request.user, dossier_id)
        services.check_may_add_documents(request.user, dossier)
        form = DocumentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.add_document(actor=request.user, dossier_id=dossier.pk, **form.service_kwargs())
            except (Invalid, TooLarge) as exc:
                form.apply_service_error(exc)
            else:
                messages.success(request, _("Document added."))
        if form.errors:
            return _detail_page(request, dossier, upload_form=form)
    return call.forbidden or redirect("approvals:detail", dossier_id=dossier_id)


def _parse_date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@login_required
@require_POST
def dossier_transition_view(request, dossier_id, name):
    extra = {}
    if name in services.DECISIONS:
        step = request.POST.get("step", "")
        extra = {
            "decision_number": request.POST.get("decision_number", "")[:100],
            "decision_date": _parse_date(request.POST.get("decision_date", "")),
            "expected_step": int(step) if step.isdigit() else None,
        }
    with service_call(request) as call:
        dossier = services.transition_dossier(
            actor=request.user,
            dossier_id=dossier_id,
            name=name,
            comment=request.POST.get("comment", "")[:10000],
            **extra,
        )
        messages.success(request, presenters.transition_message(dossier, name))
    return call.forbidden or redirect("approvals:detail", dossier_id=dossier_id)


@login_required
def document_download_view(request, document_id):
    return document_response(_or_404(selectors.document_for_user, request.user, document_id))
