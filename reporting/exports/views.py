"""HTML pages for exports: my exports (polled by static/js/exports.js, or refreshed by a link without JS), the
Export buttons' target, the Form 08 request form and the download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import Conflict, DomainError, NotFound

from . import form08, selectors, services

# Form field names the Export buttons post, per kind; everything else is ignored.
_PARAM_FIELDS = {
    "systems": ("q", "level", "status", "owner_id"),
    "inspection": ("inspection_id",),
    "findings": ("status", "severity", "system_id"),
    "annual_report": ("owner_id", "year"),
    "risk_assessments": ("system_id",),
    "transition": ("state", "deadline"),
}
_INT_FIELDS = {"level", "owner_id", "inspection_id", "system_id", "year"}


def _params_from(post, kind: str) -> dict:
    params = {}
    for name in _PARAM_FIELDS.get(kind, ()):
        value = post.get(name, "").strip()
        if value:
            params[name] = int(value) if name in _INT_FIELDS and value.isdigit() else value
    return params


@login_required
def export_list_view(request):
    page = Paginator(selectors.jobs_of(request.user), 25).get_page(request.GET.get("page"))
    active = any(not job.is_finished for job in page.object_list)
    return render(request, "exports/list.html", {"page": page, "active": active})


@login_required
@require_POST
def export_request_view(request):
    kind = request.POST.get("kind", "")
    try:
        job = services.request_export(actor=request.user, kind=kind, params=_params_from(request.POST, kind))
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        details = "; ".join(d.get("message", "") for d in exc.details)
        messages.error(request, f"{exc.message} {details}".strip())
        return redirect("exports:annual_report" if kind == "annual_report" else "exports:list")
    messages.success(request, _("Your export was queued: %(kind)s.") % {"kind": job.get_kind_display()})
    return redirect("exports:list")


def _reportable_owners(user):
    # The same organisations Form 08's check accepts, so the picker never offers one the export refuses.
    return form08.reportable_owners(user).order_by("code").only("id", "code", "name")


@login_required
def annual_report_view(request):
    year = timezone.localdate().year
    return render(request, "exports/annual_report.html", {
        "owners": _reportable_owners(request.user), "years": range(year - 3, year + 2), "year": year,
    })  # fmt: skip


@login_required
def export_download_view(request, job_id):
    try:
        job = services.download(actor=request.user, job_id=job_id)
    except NotFound:
        raise Http404 from None
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("exports:list")
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename or f"{job.pk}.xlsx",
                        content_type=services.XLSX_CONTENT_TYPE)  # fmt: skip
