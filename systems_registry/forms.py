from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, OrganizationClosure
from accounts.selectors import has_national_oversight, member_org_ids

from .models import InformationSystem, InfoType
from .schemas import CLASSIFICATION_FIELDS
from .selectors import systems_visible_to

FORM_FIELDS = (
    "code", "name", "description", "owner", "operator", "security_unit", "parent", "regime", "sector",
    *CLASSIFICATION_FIELDS, "security_plan_status", "expected_approval_date", "expected_full_implementation_date",
)  # fmt: skip


def organizations_for_forms(user):
    """Organisations a user may pick: the whole tree their organisations belong to (the province or ministry)."""
    if has_national_oversight(user):
        return Organization.objects.order_by("code")
    above_mine = OrganizationClosure.objects.filter(descendant_id__in=member_org_ids(user)).values("ancestor_id")
    ids = OrganizationClosure.objects.filter(ancestor_id__in=above_mine).values("descendant_id")
    return Organization.objects.filter(id__in=ids).order_by("kind", "code")


class SystemForm(forms.ModelForm):
    info_types = forms.MultipleChoiceField(
        label=_("Information types"), choices=InfoType.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = InformationSystem
        fields = FORM_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "expected_approval_date": forms.DateInput(attrs={"type": "date"}),
            "expected_full_implementation_date": forms.DateInput(attrs={"type": "date"}),
        }
        labels = {
            "state_secret_harm": _("Harm to national security if a state-secret system is sabotaged"),
            "data_subjects": _("People whose basic personal data it processes"),
            "sensitive_data_subjects": _("People whose sensitive personal data it processes"),
            "handles_administrative_procedures": _("Handles administrative procedures"),
            "public_service_level": _("Online public service level (legacy, 0–4)"),
            "conditional_business_service": _("Online service in a conditional business line"),
            "infrastructure_scope": _("Shared infrastructure scope"),
            "requires_24x7": _("Must run 24/7 with no unplanned downtime"),
            "national_e_government": _("National e-government system"),
            "ics_grade": _("Industrial control: grade of the construction works"),
            "stores_national_critical_data": _("Centrally stores especially important national data"),
            "international_gateway": _("National infrastructure linking Vietnam internationally"),
            "pm_designated_level": _("Level designated by the Prime Minister"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = organizations_for_forms(user)
        for name in ("owner", "operator", "security_unit"):
            self.fields[name].queryset = orgs
        self.fields["parent"].queryset = systems_visible_to(user).only("id", "code", "name", "status").order_by("code")
        self.fields["parent"].required = False
        if self.instance.pk:
            self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(pk=self.instance.pk)
        self.fields["regime"].required = False
        self.fields["sector"].required = False
        self.fields["security_plan_status"].required = False

    def validate_unique(self):
        # Uniqueness and every cross-row rule belong to the service, so HTML and API give the same answers.
        pass

    def payload(self) -> dict:
        data = {}
        for name in FORM_FIELDS:
            value = self.cleaned_data.get(name)
            if name in ("owner", "operator", "security_unit", "parent"):
                data[f"{name}_id"] = value.pk if value is not None else None
            elif value in ("", None) and name in ("regime", "sector", "security_plan_status"):
                continue
            else:
                data[name] = value
        return data


def apply_service_errors(form: forms.Form, details: list[dict]) -> None:
    for item in details:
        field = (item.get("field") or "").removesuffix("_id")
        if field in form.fields:
            form.add_error(field, item.get("message"))
        else:
            form.add_error(None, item.get("message"))
