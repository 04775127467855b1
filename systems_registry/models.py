from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from core.legal import LEVEL_VALIDATORS, Regime


class SystemType(models.TextChoices):
    INTERNAL = "internal", _("Internal operations")
    PUBLIC_SERVICE = "public_service", _("Serving citizens and businesses")
    INFRASTRUCTURE = "infrastructure", _("Information infrastructure")
    INDUSTRIAL_CONTROL = "industrial_control", _("Industrial control")
    OTHER = "other", _("Other")


class InfoType(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")
    PERSONAL = "personal", _("Personal")
    PERSONAL_SENSITIVE = "personal_sensitive", _("Sensitive personal")
    STATE_SECRET = "state_secret", _("State secret")


class StateSecretHarm(models.TextChoices):
    NONE = "none", _("None")
    HARM = "harm", _("Harm to national security")
    SERIOUS = "serious", _("Serious harm")
    ESPECIALLY_SERIOUS = "especially_serious", _("Especially serious harm")


class InfrastructureScope(models.TextChoices):
    NONE = "none", _("None")
    SINGLE_ORG = "single_org", _("One organisation")
    SECTOR_OR_PROVINCE = "sector_or_province", _("One ministry, sector or province")
    MULTI_PROVINCE = "multi_province", _("Several provinces")
    NATIONAL = "national", _("Nationwide")


class IcsGrade(models.TextChoices):
    NONE = "none", _("None")
    IV = "IV", _("Grade IV")
    III = "III", _("Grade III")
    II = "II", _("Grade II")
    I = "I", _("Grade I")
    SPECIAL = "special", _("Special grade")


class Sector(models.TextChoices):
    """Who appraises levels 4–5: the civil authority, or MND / the Cipher Committee (domain §3.2)."""

    CIVIL = "civil", _("Civil")
    MILITARY = "military", _("Military")
    CIPHER = "cipher", _("Cipher")


class SecurityPlanStatus(models.TextChoices):
    """How far the approved security plan is implemented (Form 08, column 10)."""

    NOT_STARTED = "not_started", _("Not started")
    PARTIAL = "partial", _("Partly implemented")
    FULL = "full", _("Fully implemented")


class ReadinessOutcome(models.TextChoices):
    """The conclusion of a pre-operation readiness check (Decree 331 Art. 28.3)."""

    ELIGIBLE = "eligible", _("Eligible to operate")
    CONDITIONALLY_ELIGIBLE = "conditionally_eligible", _("Conditionally eligible")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible to operate")


class NationalSecurityList(models.TextChoices):
    """Where a system stands with the List of information systems important to national security (Law 116/2025
    Art. 9; Decree 331 Arts. 16–17). The moves between these states are data (policies/national_list.yaml)."""

    NONE = "none", _("Not on the List")
    PROPOSED = "proposed", _("Proposed for the List")
    LISTED = "listed", _("On the List")
    REMOVED = "removed", _("Removed from the List")


class InformationSystem(ConcurrentTransitionMixin, models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPERATING = "operating", _("Operating")
        SUSPENDED = "suspended", _("Suspended")
        DECOMMISSIONED = "decommissioned", _("Decommissioned")

    code = models.CharField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        "accounts.Organization", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_systems"
    )
    operator = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("operating unit"),
        on_delete=models.PROTECT,
        related_name="operated_systems",
    )
    security_unit = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("designated security unit"),
        on_delete=models.PROTECT,
        related_name="secured_systems",
    )
    national_authority = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="routed_systems",
        help_text=_("Set by the approvals service when a dossier is routed to a national authority."),
    )  # fmt: skip
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT, related_name="parts"
    )
    regime = models.CharField(_("legal regime"), max_length=20, choices=Regime.choices)
    sector = models.CharField(_("sector"), max_length=10, choices=Sector.choices, default=Sector.CIVIL)
    system_type = models.CharField(_("system type"), max_length=20, choices=SystemType.choices)
    info_types = models.JSONField(_("information types"), default=list, blank=True)

    # Classification inputs (names are the API contract's).
    state_secret_harm = models.CharField(max_length=20, choices=StateSecretHarm.choices, default=StateSecretHarm.NONE)
    data_subjects = models.PositiveIntegerField(default=0)
    sensitive_data_subjects = models.PositiveIntegerField(default=0)
    handles_administrative_procedures = models.BooleanField(default=False)
    public_service_level = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(4)])
    conditional_business_service = models.BooleanField(default=False)
    infrastructure_scope = models.CharField(
        max_length=20, choices=InfrastructureScope.choices, default=InfrastructureScope.NONE
    )
    requires_24x7 = models.BooleanField(default=False)
    national_e_government = models.BooleanField(default=False)
    ics_grade = models.CharField(max_length=10, choices=IcsGrade.choices, default=IcsGrade.NONE)
    stores_national_critical_data = models.BooleanField(default=False)
    international_gateway = models.BooleanField(default=False)
    pm_designated_level = models.PositiveSmallIntegerField(null=True, blank=True, validators=LEVEL_VALIDATORS)

    proposed_level = models.PositiveSmallIntegerField(
        _("proposed level"), null=True, blank=True, validators=LEVEL_VALIDATORS
    )
    classification_reasons = models.JSONField(default=list, blank=True)
    classification_policy_version = models.CharField(max_length=40, blank=True)
    classified_at = models.DateTimeField(null=True, blank=True)
    # Written only by the approvals service.
    approved_level = models.PositiveSmallIntegerField(
        _("approved level"), null=True, blank=True, validators=LEVEL_VALIDATORS
    )
    # The approved dossier is held by its id (approvals sits above the registry, so no foreign key points up; the
    # column, its data and its index are those of the former foreign key, systems_registry/0007), with the moment
    # it was approved, which the go-live gate reads. Dossiers are never deleted (approvals keeps every revision).
    approved_dossier_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    next_inspection_due = models.DateField(_("next inspection due"), null=True, blank=True)
    # Set by the registry services when an operating system's level moves away from its approved level: it keeps
    # operating (software does not switch off a public service) until a new dossier is approved or the deadline.
    operating_without_approval = models.BooleanField(
        _("operating without approval at its current level"), default=False
    )
    reapproval_deadline = models.DateField(_("deadline to submit the new dossier"), null=True, blank=True)
    # Reported by the owner in the annual report (Form 08, columns 9–11).
    security_plan_status = models.CharField(
        _("security plan implementation"),
        max_length=12,
        choices=SecurityPlanStatus.choices,
        default=SecurityPlanStatus.NOT_STARTED,
    )
    expected_approval_date = models.DateField(_("expected approval date"), null=True, blank=True)
    expected_full_implementation_date = models.DateField(_("expected full implementation date"), null=True, blank=True)
    # The latest pre-operation readiness check (Decree 331 Art. 28.3), pushed by inspections when one closes
    # (systems_registry.golive.record_readiness); a plain id, since the registry does not depend on inspections.
    readiness_outcome = models.CharField(
        _("readiness outcome"), max_length=30, choices=ReadinessOutcome.choices, blank=True
    )
    readiness_concluded_at = models.DateTimeField(_("readiness concluded at"), null=True, blank=True)
    readiness_inspection_id = models.PositiveIntegerField(null=True, blank=True)
    # A major change recorded at this moment (Decree 331 Art. 28.3): a readiness check concluded after it is needed
    # before the changed system goes (back) into operation (golive.require_readiness_after_change).
    readiness_required_after = models.DateTimeField(_("readiness check required after"), null=True, blank=True)

    # The national-security List (systems_registry.national_list): a plain field, not a second FSM field, because
    # django-fsm reads every state field when a row is built and lists that load `.only("id", ..., "status")`
    # would then cost a query per row. The allowed moves are the policy file's.
    national_security_list = models.CharField(
        _("national-security List"), max_length=10, choices=NationalSecurityList.choices,
        default=NationalSecurityList.NONE,
    )  # fmt: skip
    list_criteria = models.JSONField(_("List criteria (Decree 331 Art. 16)"), default=list, blank=True)
    list_decision_number = models.CharField(_("List decision number"), max_length=60, blank=True)
    list_decision_date = models.DateField(_("List decision date"), null=True, blank=True)
    list_changed_at = models.DateTimeField(null=True, blank=True)
    # Set by the regime change (Decree 331 Art. 39): the regime the system was classified under before.
    former_regime = models.CharField(_("former legal regime"), max_length=20, choices=Regime.choices, blank=True)
    regime_changed_at = models.DateTimeField(null=True, blank=True)

    status = FSMField(_("status"), default=Status.PLANNED, choices=Status.choices, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("information system")
        verbose_name_plural = _("information systems")
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["operator"]),
            models.Index(fields=["security_unit"]),
            models.Index(fields=["national_authority"]),
            models.Index(fields=["status", "proposed_level"]),
            models.Index(
                fields=["national_security_list"],
                condition=~models.Q(national_security_list="none"),
                name="system_on_national_list",
            ),
            models.Index(
                fields=["reapproval_deadline"],
                condition=models.Q(operating_without_approval=True),
                name="system_unapproved_deadline",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(proposed_level__isnull=True)
                | models.Q(proposed_level__gte=1, proposed_level__lte=5),
                name="system_proposed_level_range",
            ),
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")), name="system_not_own_parent"),
        ]

    def __str__(self):
        return f"{self.code} · {self.name}"

    # A system can never go into operation without an approved dossier at its current level.
    def has_current_approval(self) -> bool:
        return (
            self.approved_dossier_id is not None
            and self.proposed_level is not None
            and self.approved_level == self.proposed_level
        )

    @property
    def reapproval_required(self) -> bool:
        return self.approved_level is not None and self.approved_level != self.proposed_level

    @transition(field=status, source=Status.PLANNED, target=Status.OPERATING, conditions=[has_current_approval])
    def commission(self):
        pass

    @transition(field=status, source=Status.OPERATING, target=Status.SUSPENDED)
    def suspend(self):
        pass

    @transition(field=status, source=Status.SUSPENDED, target=Status.OPERATING, conditions=[has_current_approval])
    def resume(self):
        pass

    @transition(field=status, source=[Status.PLANNED, Status.OPERATING, Status.SUSPENDED], target=Status.DECOMMISSIONED)
    def decommission(self):
        pass


class InformationSystemUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(InformationSystem, on_delete=models.CASCADE)


class InformationSystemGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(InformationSystem, on_delete=models.CASCADE)
