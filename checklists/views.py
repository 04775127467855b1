from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import DomainError, NotFound

from . import selectors, services


@login_required
def checklist_list_view(request):
    return render(request, "checklists/list.html", {
        "checklists": selectors.checklist_list(), "can_import": services.can_import(request.user),
    })  # fmt: skip


@login_required
def checklist_detail_view(request, checklist_id):
    try:
        checklist = selectors.checklist_detail(checklist_id)
    except NotFound:
        raise Http404 from None
    return render(request, "checklists/detail.html", {"checklist": checklist})


@login_required
def checklist_import_view(request):
    if not services.can_import(request.user):
        return HttpResponseForbidden(
            _("Only staff, designated security units and national authorities may import checklists.")
        )
    error, details = "", []
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise DomainError(_("Choose a file."))
            template, created = services.import_template(
                actor=request.user, data=upload.read(), filename=upload.name, fmt=services.format_for(upload.name)
            )
            if created:
                messages.success(
                    request,
                    _("Published %(code)s version %(version)s.") % {"code": template.code, "version": template.version},
                )
            else:
                messages.info(
                    request,
                    _("This file is already published as %(code)s version %(version)s.")
                    % {"code": template.code, "version": template.version},
                )
            return redirect("checklists:detail", checklist_id=template.pk)
        except DomainError as exc:
            error, details = exc.message, exc.details
    return render(request, "checklists/import.html", {"error": error, "details": details})


@login_required
def mapping_list_view(request):
    return render(request, "checklists/mapping_list.html", {"mappings": selectors.mapping_list()})


@login_required
def mapping_detail_view(request, mapping_id):
    try:
        mapping = selectors.mapping_detail(mapping_id)
    except NotFound:
        raise Http404 from None
    return render(request, "checklists/mapping_detail.html", {
        "mapping": mapping, "coverage": selectors.mapping_coverage(mapping),
    })  # fmt: skip
