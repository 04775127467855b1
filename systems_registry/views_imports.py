"""The registry import page: upload, the problems by row and column, the template and the marked copy."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import DomainError, Forbidden, NotFound

from . import spreadsheets


@login_required
def import_view(request):
    if not spreadsheets.may_import_systems(request.user):
        raise PermissionDenied  # read-only roles are not offered an upload the service would refuse
    context = {"result": None, "error": None, "details": [], "report": None}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("Choose an .xlsx file to import.")
        else:
            try:
                result = spreadsheets.import_systems(actor=request.user, fileobj=upload, filename=upload.name or "")
            except Forbidden as exc:
                return HttpResponseForbidden(exc.message)
            except spreadsheets.ImportFailed as exc:
                context.update(error=exc.message, details=exc.details)
                context["report"] = spreadsheets.build_error_report(actor=request.user, fileobj=upload, failure=exc)
            except DomainError as exc:
                context.update(error=exc.message, details=exc.details)
            else:
                messages.success(
                    request,
                    _("%(created)s systems created, %(updated)s updated.")
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect("systems:import")
    context["details"] = [
        {"row": d.get("row", ""), "column": d.get("column") or d.get("field", ""), "message": d.get("message", "")}
        for d in context["details"]
    ]
    status = 422 if context["error"] else 200
    return render(request, "systems_registry/import.html", context, status=status)


@login_required
def import_template_view(request):
    response = HttpResponse(spreadsheets.build_template(request.user), content_type=spreadsheets.XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="systems-import-template.xlsx"'
    return response


@login_required
def import_report_view(request, token):
    try:
        handle = spreadsheets.open_report(request.user, token)
    except NotFound as exc:
        # Swept after its retention (or never the user's): say so on the import page, where they can import again.
        context = {"result": None, "error": exc.message, "details": [], "report": None}
        return render(request, "systems_registry/import.html", context, status=404)
    return FileResponse(
        handle, as_attachment=True, filename="systems-import-errors.xlsx", content_type=spreadsheets.XLSX_TYPE
    )
