from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Document, DocumentKind

# Issued documents whose number, date of issue and issuing body the upload form requires: Form 08 column 8
# reports the security regulation as "number, date, issuing body". The API keeps the three optional (contract).
ISSUE_DETAILS_REQUIRED = frozenset({DocumentKind.SECURITY_REGULATION})
ISSUE_FIELDS = ("number", "issued_on", "issuer")


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("File (PDF, DOCX, XLSX, ODT, PNG, JPEG)"), error_messages={"required": _("Choose a file to upload.")}
    )
    number = forms.CharField(
        label=_("Document number"), max_length=Document.NUMBER_MAX_LENGTH, required=False,
        help_text=_("The number of the decision that issued the document, e.g. 123/QĐ-UBND. Required for the internal security regulation."),
    )  # fmt: skip
    issued_on = forms.DateField(
        label=_("Date of issue"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The date the document was signed and issued; not in the future. Required for the internal security regulation."),
    )  # fmt: skip
    issuer = forms.CharField(
        label=_("Issuing body"), max_length=Document.ISSUER_MAX_LENGTH, required=False,
        help_text=_("The body that issued the document, e.g. Ủy ban nhân dân tỉnh Quảng Ninh. Required for the internal security regulation."),
    )  # fmt: skip

    REQUIRED_MESSAGES = {
        "number": _("Enter the number of the decision that issued the security regulation."),
        "issued_on": _("Enter the date the security regulation was issued."),
        "issuer": _("Enter the body that issued the security regulation."),
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_document_%s")
        super().__init__(*args, **kwargs)
        self.fields["issued_on"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_issued_on(self):
        issued_on = self.cleaned_data.get("issued_on")
        if issued_on is not None and issued_on > timezone.localdate():
            raise forms.ValidationError(_("The date of issue cannot be in the future."), code="future")
        return issued_on

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") in ISSUE_DETAILS_REQUIRED:
            for name in ISSUE_FIELDS:
                # A field that already failed its own check keeps that message only.
                if name not in self.errors and cleaned.get(name) in ("", None):
                    self.add_error(name, forms.ValidationError(self.REQUIRED_MESSAGES[name], code="required"))
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        upload = data["file"]
        return {
            "kind": data["kind"], "upload": upload, "filename": upload.name,
            "number": data["number"], "issued_on": data["issued_on"], "issuer": data["issuer"],
        }  # fmt: skip

    def apply_service_error(self, exc) -> None:
        """The service's refusal (422, 413) as field errors: the same checks the API answers with."""
        details = [d for d in exc.details if (d.get("field") or "") in self.fields]
        if not details:
            self.add_error(None, exc.message)
        for item in details:
            # One detail: the error's own sentence says more ("The file is 60 MB; the limit is 50 MB").
            self.add_error(item["field"], exc.message if len(exc.details) == 1 else item.get("message") or exc.message)
