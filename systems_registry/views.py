from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from accounts.models import Organization
from core.errors import Forbidden, Invalid, NotFound
from core.web import service_call

from . import access, national_list, panels, services, transition
from .forms import SystemForm, apply_service_errors, organizations_for_forms
from .models import InformationSystem, NationalSecurityList
from .schemas import SystemCreate, SystemPatch
from .selectors import system_for_user, system_list
from .spreadsheets import may_import_systems

PAGE_SIZES = (10, 25, 50, 100)
# What each lifecycle button did and what follows (the message after the redirect).
LIFECYCLE_MESSAGES = {
    "commission": gettext_lazy(
        "System put into operation at its approved level. Its periodic inspections follow the cycle of that level."
    ),
    "suspend": gettext_lazy("System suspended. The operating unit resumes it when it is ready to operate again."),
    "resume": gettext_lazy("System back in operation."),
    "decommission": gettext_lazy("System decommissioned. Nobody acts on it further."),
    "propose_listing": gettext_lazy(
        "System proposed for the national-security List. The national authority decides whether to list it."
    ),
    "list": gettext_lazy(
        "System put on the national-security List. Its next dossier follows the level-5 procedure and a licensed "
        "organisation assesses it."
    ),
    "unlist": gettext_lazy("System not on the national-security List."),
    "change_regime": gettext_lazy(
        "System moved to Decree 331/2026. Its level was recomputed (kept at the Decree 85 level unless the new "
        "criteria give a higher one); its next dossier follows the Decree 331 procedure."
    ),
}
LIST_TRANSITIONS = national_list.TRANSITIONS


def _visible_or_404(user, system_id):
    try:
        return system_for_user(user, system_id)
    except NotFound:
        raise Http404 from None


@login_required
def system_list_view(request):
    q = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    status = status if status in InformationSystem.Status.values else ""
    level = request.GET.get("level", "")
    level = int(level) if level in {"1", "2", "3", "4", "5"} else None
    owner = request.GET.get("owner", "")
    owner_id = int(owner) if owner.isdigit() else None
    try:
        page_size = int(request.GET.get("page_size", 25))
    except ValueError:
        page_size = 25
    page_size = page_size if page_size in PAGE_SIZES else 25
    qs = system_list(request.user, q=q, level=level, status=status, owner_id=owner_id)
    viewer = national_list.FlagViewer(request.user)
    sees_list = viewer.everything or bool(viewer.owner_ids)
    list_state = request.GET.get("list", "")
    list_state = list_state if sees_list and list_state in NationalSecurityList.values else ""
    if list_state:
        qs = national_list.filter_by_state(qs, request.user, list_state, viewer)
    page = Paginator(qs, page_size).get_page(request.GET.get("page"))
    owners = (
        organizations_for_forms(request.user)
        .filter(kind__in=[Organization.Kind.CENTRAL_AGENCY, Organization.Kind.PROVINCE])
        .only("id", "name")
    )
    return render(
        request,
        "systems_registry/list.html",
        {
            "page": page, "q": q, "status": status, "level": level, "owner_id": owner_id, "page_size": page_size,
            "statuses": InformationSystem.Status.choices, "levels": range(1, 6), "owners": owners, "page_sizes": PAGE_SIZES,
            "may_register": services.may_register_systems(request.user), "may_import": may_import_systems(request.user),
            "list_states": NationalSecurityList.choices if sees_list else None, "list_state": list_state,
        },
    )  # fmt: skip


@login_required
def system_detail_view(request, system_id):
    system = _visible_or_404(request.user, system_id)
    transitions = services.available_transitions(request.user, system)
    sees_list = national_list.FlagViewer(request.user).sees(system)
    return render(
        request,
        "systems_registry/detail.html",
        {
            "system": system,
            # What the apps above add to the page (dossiers, inspection buttons); the List card's only when shown.
            "panels": {
                slot: panels.panels(slot, request, system)
                for slot in panels.SLOTS
                if slot != "national_list" or sees_list
            },
            "can_edit": access.can_edit(request.user, system),
            "transitions": [t for t in transitions if t not in LIST_TRANSITIONS],
            # Only the owner's representatives and national authorities see the List card.
            "national_list": {
                "criteria": national_list.criteria_labels(system),
                "all_criteria": national_list.load_policy().criteria,
                "transitions": [t for t in transitions if t in LIST_TRANSITIONS],
            }
            if sees_list
            else None,
            # parent_id too: the related manager sets each part's parent, which read a deferred parent_id per part.
            "parts": system.parts.only("id", "code", "name", "status", "proposed_level", "parent_id").order_by("code"),
        },
    )


def _save_form(request, form, save):
    try:
        return save(form.payload())
    except ValidationError as exc:
        apply_service_errors(form, [{"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()])
    except Invalid as exc:
        apply_service_errors(form, exc.details or [{"field": "", "message": exc.message}])
    return None


@login_required
def system_create_view(request):
    if not services.may_register_systems(request.user):
        raise PermissionDenied  # read-only roles get no form they cannot send
    form = SystemForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():

        def save(payload):
            system = services.create_system(actor=request.user, data=SystemCreate(**payload))
            services.classify_system(actor=request.user, system_id=system.pk)
            return system

        system = _save_form(request, form, save)
        if system is not None:
            messages.success(request, _("System registered and classified."))
            return redirect("systems:detail", system_id=system.pk)
    return render(request, "systems_registry/form.html", {"form": form, "system": None})


@login_required
def system_edit_view(request, system_id):
    system = _visible_or_404(request.user, system_id)
    if not access.can_edit(request.user, system):
        return HttpResponseForbidden(_("Only the system's operating unit or owner may change it."))
    initial = {"info_types": system.info_types}
    form = SystemForm(request.POST or None, instance=system, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():

        def save(payload):
            services.update_system(actor=request.user, system_id=system.pk, data=SystemPatch(**payload))
            services.classify_system(actor=request.user, system_id=system.pk)
            return system

        if _save_form(request, form, save) is not None:
            messages.success(request, _("Changes saved and the system re-classified."))
            return redirect("systems:detail", system_id=system.pk)
    return render(request, "systems_registry/form.html", {"form": form, "system": system})


@login_required
@require_POST
def system_classify_view(request, system_id):
    try:
        result = services.classify_system(actor=request.user, system_id=system_id)
        messages.success(request, _("Classified at level %(level)s.") % {"level": result.level})
    except NotFound:
        raise Http404 from None
    except Forbidden as exc:
        return HttpResponseForbidden(exc.message)
    return redirect("systems:detail", system_id=system_id)


@login_required
@require_POST
def system_transition_view(request, system_id, name):
    with service_call(request) as call:
        services.transition_system(
            actor=request.user, system_id=system_id, name=name, comment=request.POST.get("comment", "")[:5000],
            criteria=request.POST.getlist("criteria")[:20], decision_number=request.POST.get("decision_number", ""),
            decision_date=_date_or_none(request.POST.get("decision_date", "")),
        )  # fmt: skip
        messages.success(request, LIFECYCLE_MESSAGES.get(name, _("Done.")))
    return call.forbidden or redirect("systems:detail", system_id=system_id)


TRANSITION_SORTS = ("code", "name", "state")


@login_required
def transition_view(request):
    """The transitional deadlines (Decree 331 Art. 39.1) of the systems the user may see: grouped by deadline, each
    group sorted by the column chosen, filtered by state."""
    state = request.GET.get("state", "")
    state = state if state in transition.STATES else ""
    sort = request.GET.get("sort", "code")
    sort = sort if sort in TRANSITION_SORTS else "code"
    qs = transition.rows_for(request.user, state=state).order_by("deadline", *transition.SORTS[sort])
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    rules = {r.rule: r for r in transition.load_rules()}
    today = timezone.localdate()
    rows = [
        {**row, "rule_label": rules[row["rule"]].label(), "basis": rules[row["rule"]].basis_label(),
         "state_label": transition.STATE_LABELS[row["state"]], "deadline": _as_date(row["deadline"]),
         "days_left": (_as_date(row["deadline"]) - today).days}
        for row in page
    ]  # fmt: skip
    return render(
        request, "systems_registry/transition.html",
        {"page": page, "rows": rows, "state": state, "sort": sort, "states": transition.STATE_LABELS.items(),
         "rules": rules.values(), "may_export": True},
    )  # fmt: skip


def _as_date(value):
    # A UNION of annotated dates comes back as text from SQLite.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _date_or_none(value: str):
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


@login_required
@require_POST
def classification_preview(request):
    """HTML fragment for the live preview while a form is being filled; stores nothing."""
    form = SystemForm(request.POST, user=request.user)
    form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if k in services.CLASSIFICATION_FIELDS and v not in (None, "")}
    data.setdefault("system_type", "other")
    regime = form.cleaned_data.get("regime") or services.regime_in_force(timezone.localdate())
    try:
        result = services.preview_classification(data, regime)
    except ValidationError as exc:
        return render(request, "systems_registry/_preview.html", {"errors": [e["msg"] for e in exc.errors()]})
    return render(request, "systems_registry/_preview.html", {"result": result})
