"""The HTML form to order an inspection. It checks the shape of the input only; every rule (who may order, trigger,
checklist, due date, inspector eligibility) is the service's, so the page and POST /api/v1/systems/{id}/inspections
give the same answers (inspections.services.create_inspection)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from checklists.models import ChecklistTemplate

from .models import Finding, Inspection

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
# Where the service names a field differently from the form.
SERVICE_FIELDS = {"inspector_ids": "inspectors", "checklist_id": "checklist"}


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class InspectorField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        label = f"{user.full_name} ({user.username})" if user.full_name else user.username
        where = getattr(user, "organization_name", "")
        return f"{label} · {where}" if where else label


class ChecklistField(forms.ModelChoiceField):
    def label_from_instance(self, checklist):
        return f"{checklist.code} v{checklist.version} · {checklist.title}"


class OrderInspectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Inspection.Kind.choices, widget=forms.HiddenInput)
    trigger = forms.ChoiceField(label=_("Trigger"), required=False, choices=[("", "")], widget=forms.HiddenInput)
    scheduled_for = forms.DateField(label=_("Scheduled for"), input_formats=DATE_INPUT_FORMATS, widget=_DateInput())
    due_date = forms.DateField(
        label=_("Due date"), required=False, input_formats=DATE_INPUT_FORMATS, widget=_DateInput()
    )
    inspectors = InspectorField(
        label=_("Inspectors"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one inspector: an inspection cannot start without one."),
            "invalid_choice": _("This person may not carry out this inspection."),
            "invalid_pk_value": _("This person may not carry out this inspection."),
        },
    )  # fmt: skip
    checklist = ChecklistField(label=_("Checklist"), queryset=ChecklistTemplate.objects.none(), required=False)
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, triggers, inspectors, checklists, default_checklist_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trigger"].choices = [("", ""), *triggers]
        self.fields["inspectors"].queryset = inspectors
        self.fields["checklist"].queryset = checklists
        self.fields["checklist"].empty_label = default_checklist_label

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"], "trigger": data.get("trigger") or "", "scheduled_for": data["scheduled_for"],
            "due_date": data.get("due_date"), "inspector_ids": [u.pk for u in data["inspectors"]],
            "checklist_id": data["checklist"].pk if data.get("checklist") else None, "comment": data.get("comment", ""),
        }  # fmt: skip

    def add_service_errors(self, details: list[dict], message: str) -> None:
        """The service's 422 details on the fields they name; the rest above the form."""
        for item in details or [{"message": message}]:
            name = SERVICE_FIELDS.get(item.get("field", ""), item.get("field", ""))
            self.add_error(name if name in self.fields else None, item.get("message") or message)


class FindingForm(forms.Form):
    """A finding recorded by hand on a requirement assessed as not met or partially met: the same service as
    POST /api/v1/inspections/{id}/findings (inspections.services.create_finding), which checks every rule."""

    item_id = forms.TypedChoiceField(label=_("Requirement"), coerce=int)
    severity = forms.ChoiceField(label=_("Severity"), choices=Finding.Severity.choices)
    description = forms.CharField(label=_("Description"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    due_date = forms.DateField(label=_("Remediate by"), input_formats=DATE_INPUT_FORMATS, widget=_DateInput())

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_id"].choices = [("", "—"), *items]

    def add_service_errors(self, details: list[dict], message: str) -> None:
        for item in details or [{"message": message}]:
            name = item.get("field", "")
            self.add_error(name if name in self.fields else None, item.get("message") or message)
