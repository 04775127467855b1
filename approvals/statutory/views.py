"""HTML: the dossier page's forms panel actions, and the public verification page (no sign-in)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError, Invalid, NotFound, TooLarge
from core.web import service_call

from ..selectors import dossier_for_user
from . import selectors, services
from .api import DOCX_TYPE


@login_required
@require_POST
def draft_view(request, dossier_id, form):
    with service_call(request) as call:
        document = services.draft_form(
            actor=request.user,
            dossier_id=dossier_id,
            form=form,
            signer_title=request.POST.get("signer_title", "")[:200],
        )
        messages.success(
            request,
            _(
                "Form %(form)s drafted as number %(number)s. Download the PDF, sign it with your digital signature and upload the signed copy."
            )
            % {"form": form, "number": document.number},
        )
    return call.forbidden or redirect("approvals:detail", dossier_id=dossier_id)


@login_required
def download_view(request, dossier_id, form, fmt):
    try:
        dossier = dossier_for_user(request.user, dossier_id)
        row = next((r for r in selectors.forms_panel(request.user, dossier) if r.form == form), None)
    except NotFound:
        raise Http404 from None
    if row is None or row.document is None or fmt not in ("pdf", "docx"):
        raise Http404
    document = row.document
    body, content_type = (
        (services.pdf_bytes(document), "application/pdf")
        if fmt == "pdf"
        else (services.docx_bytes(document), DOCX_TYPE)
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="mau-{form}-{services.display_id(document.short_id)}.{fmt}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def signed_upload_view(request, dossier_id, form):
    upload = request.FILES.get("file")
    with service_call(request) as call:
        if upload is None:
            raise Invalid.field("file", _("Choose the signed PDF to upload."))
        try:
            services.record_signed_copy(actor=request.user, dossier_id=dossier_id, form=form, upload=upload)
        except (Invalid, TooLarge) as exc:
            messages.error(request, _("The signed copy was not accepted: %(reason)s") % {"reason": exc.message})
        else:
            messages.success(request, _("The signature is valid. The signed document is recorded and in force."))
    return call.forbidden or redirect("approvals:detail", dossier_id=dossier_id)


@login_required
@require_POST
def paper_view(request, dossier_id, form):
    upload = request.FILES.get("file")
    with service_call(request) as call:
        if upload is None:
            raise Invalid.field("file", _("Choose the scan of the copy signed on paper."))
        try:
            services.record_paper_copy(actor=request.user, dossier_id=dossier_id, form=form, upload=upload)
        except (Invalid, TooLarge) as exc:
            messages.error(request, _("The scan was not accepted: %(reason)s") % {"reason": exc.message})
        else:
            messages.success(request, _("The document is recorded as signed on paper, with its scan."))
    return call.forbidden or redirect("approvals:detail", dossier_id=dossier_id)


# Lazy: rendered in the visitor's language, not the one active when the module was imported.
STATUS_TEXT = {
    "unchanged": gettext_lazy("Issued through Attesta and unchanged."),
    "changed": gettext_lazy("Issued through Attesta, but this file has been changed since it was issued."),
    "unknown": gettext_lazy("Unknown: Attesta did not issue a document with this id or content."),
}


@require_http_methods(["GET", "POST"])
def verify_page(request, short_id: str = ""):
    """Anyone holding a document checks it: by the id printed on it (or its QR code), or by uploading the file.
    The answer is unchanged / changed / unknown and the issuing body, nothing else."""
    result, error = None, ""
    short_id = short_id or request.GET.get("id", "")
    try:
        if request.method == "POST" and request.FILES.get("file"):
            result = services.verify_by_file(request.FILES["file"])
        elif short_id:
            result = services.verify_by_id(short_id)
    except (Invalid, TooLarge) as exc:
        error = exc.message
    except DomainError:
        raise Http404 from None
    context = {
        "result": result,
        "status_text": STATUS_TEXT[result["status"]] if result else "",
        "error": error,
        "short_id": short_id[:40],
    }
    return render(request, "statutory/verify.html", context)
