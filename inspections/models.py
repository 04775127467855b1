"""Inspections, their per-item results, evidence and findings.

Snapshot choice: a published checklist version is immutable (checklists.models refuses updates and deletes, the
admin is read-only), so an inspection's `InspectionResult` rows point at the template's items with PROTECT
foreign keys. The result rows are created with the inspection, one per item of the chosen version: they are the
snapshot (an item "in the snapshot" is an item with a result row), and a later catalogue version never changes
an inspection in progress.

Overdue is computed, not stored: an inspection is overdue when `due_date` < today while it is scheduled or in
progress (`InspectionQuerySet.overdue()` / `is_overdue`); a finding when `due_date` < today and it is not
verified. Nothing can go stale, and the scanner only has to create and reschedule.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.legal import LEVEL_VALIDATORS, Regime

OPEN_STATUSES = ("scheduled", "in_progress")


class InspectionCyclePolicy(models.Model):
    """The effective cycle for a regime and level. Seeded from the policy YAML; an administrator may change it."""

    class Assessor(models.TextChoices):
        ANY = "any", _("Any inspector")
        INDEPENDENT = "independent", _("Independent of the operating unit")
        LICENSED = "licensed", _("Licensed professional organisation")

    regime = models.CharField(_("legal regime"), max_length=20, choices=Regime.choices)
    level = models.PositiveSmallIntegerField(_("level"), validators=LEVEL_VALIDATORS)
    months = models.PositiveSmallIntegerField(_("cycle (months)"))
    assessor_requirement = models.CharField(_("assessor requirement"), max_length=20, choices=Assessor.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["regime", "level"]
        verbose_name = _("inspection cycle")
        verbose_name_plural = _("inspection cycles")
        constraints = [
            models.UniqueConstraint(fields=["regime", "level"], name="cycle_policy_regime_level_unique"),
            models.CheckConstraint(condition=models.Q(months__gte=1), name="cycle_policy_months_positive"),
        ]

    def __str__(self):
        return f"{self.get_regime_display()} · L{self.level}: {self.months} months"


class InspectionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, on=None):
        return self.open().filter(due_date__lt=on or timezone.localdate())


class Inspection(ConcurrentTransitionMixin, models.Model):
    class Kind(models.TextChoices):
        PERIODIC = "periodic", _("Periodic")
        PRE_OPERATION = "pre_operation", _("Pre-operation")
        AD_HOC = "ad_hoc", _("Ad hoc")

    class Trigger(models.TextChoices):
        SERIOUS_INCIDENT = "serious_incident", _("Serious incident")
        MAJOR_CHANGE = "major_change", _("Major change")
        AUTHORITY_REQUEST = "authority_request", _("Authority request")
        # Decree 331 Art. 31.2(c): a self-assessment whose results are in doubt is re-assessed by a licensed body.
        DOUBTFUL_SELF_ASSESSMENT = "doubtful_self_assessment", _("Doubtful self-assessment")
        # A gap assessment against the Decree 331 catalogue (Art. 39.1), created only by inspections/gap.py.
        REGIME_TRANSITION = "regime_transition", _("Move to Decree 331 (gap assessment)")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Outcome(models.TextChoices):
        ELIGIBLE = "eligible", _("Eligible")
        CONDITIONALLY_ELIGIBLE = "conditionally_eligible", _("Conditionally eligible")
        NOT_ELIGIBLE = "not_eligible", _("Not eligible")

    system = models.ForeignKey(
        "systems_registry.InformationSystem", on_delete=models.PROTECT, related_name="inspections"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    trigger = models.CharField(_("trigger"), max_length=30, choices=Trigger.choices, blank=True)
    checklist = models.ForeignKey("checklists.ChecklistTemplate", on_delete=models.PROTECT, related_name="inspections")
    level = models.PositiveSmallIntegerField(_("level at creation"), null=True, blank=True)
    assessor_requirement = models.CharField(
        max_length=20, choices=InspectionCyclePolicy.Assessor.choices, default="any"
    )
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="inspections_assigned")
    ordered_by_org = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="inspections_ordered"
    )
    scheduled_for = models.DateField(_("scheduled for"))
    due_date = models.DateField(_("due date"))
    status = FSMField(_("status"), default=Status.SCHEDULED, choices=Status.choices, protected=True)
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A gap assessment (inspections/gap.py): the closed Circular 12 inspection it was pre-filled from, and how.
    prefilled_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("pre-filled from")
    )
    mapping = models.ForeignKey(
        "checklists.RequirementMapping", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("requirement mapping"),
    )  # fmt: skip

    objects = InspectionQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        indexes = [
            models.Index(fields=["system", "kind", "status"]),
            models.Index(fields=["status", "due_date"]),
        ]
        constraints = [
            # The scanner's idempotency, enforced by the database: one open periodic inspection per system.
            models.UniqueConstraint(
                fields=["system"], condition=models.Q(kind="periodic", status__in=OPEN_STATUSES),
                name="inspection_one_open_periodic_per_system",
            ),
            models.UniqueConstraint(
                fields=["system", "due_date"], condition=models.Q(kind="periodic") & ~models.Q(status="cancelled"),
                name="inspection_periodic_due_date_unique",
            ),
            models.CheckConstraint(condition=models.Q(due_date__gte=models.F("scheduled_for")), name="inspection_due_after_scheduled"),
            models.CheckConstraint(
                condition=models.Q(kind="ad_hoc", trigger__gt="") | (~models.Q(kind="ad_hoc") & models.Q(trigger="")),
                name="inspection_trigger_only_ad_hoc",
            ),
        ]  # fmt: skip

    def __str__(self):
        return f"#{self.pk} {self.get_kind_display()} · {self.system_id}"

    @property
    def is_overdue(self) -> bool:
        return self.status in OPEN_STATUSES and self.due_date < timezone.localdate()

    def has_inspectors(self) -> bool:
        if "_inspector_ids" in self.__dict__:  # read with the row (selectors.inspection_for_user)
            return bool(self.__dict__["_inspector_ids"])
        return self.inspectors.exists()

    @transition(field=status, source=Status.SCHEDULED, target=Status.IN_PROGRESS, conditions=[has_inspectors])
    def start(self):
        self.started_at = timezone.now()

    @transition(field=status, source=Status.IN_PROGRESS, target=Status.SUBMITTED)
    def submit(self, outcome: str = ""):
        self.submitted_at = timezone.now()
        if outcome:
            self.outcome = outcome

    @transition(field=status, source=Status.SUBMITTED, target=Status.CLOSED)
    def close(self, by=None, outcome: str = ""):
        self.closed_at = timezone.now()
        self.closed_by = by
        if outcome:
            self.outcome = outcome

    @transition(field=status, source=[Status.SUBMITTED, Status.CLOSED], target=Status.IN_PROGRESS)
    def reopen(self):
        self.submitted_at = None
        self.closed_at = None
        self.closed_by = None
        self.outcome = ""

    @transition(field=status, source=[Status.SCHEDULED, Status.IN_PROGRESS], target=Status.CANCELLED)
    def cancel(self):
        pass


class InspectionResult(models.Model):
    class Result(models.TextChoices):
        MET = "met", _("Met")
        PARTIAL = "partial", _("Partially met")
        NOT_MET = "not_met", _("Not met")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey("checklists.ChecklistItem", on_delete=models.PROTECT, related_name="+")
    order = models.PositiveIntegerField()
    result = models.CharField(_("result"), max_length=20, choices=Result.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(null=True, blank=True)
    # Provenance of an answer carried by a gap assessment through an equal/superset mapping pair (inspections/gap.py):
    # kept and confirmed when the inspector saves the same answer, cleared when they change it (inspections/carried.py).
    carried_from_inspection = models.ForeignKey(
        "Inspection", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # db_default: scheduling.snapshot_results creates result rows by INSERT … SELECT naming only its own columns.
    carried_item_code = models.CharField(max_length=40, blank=True, default="", db_default="")
    carried_decided_at = models.DateTimeField(null=True, blank=True)
    carried_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["inspection", "order"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="inspection_result_item_unique"),
            models.CheckConstraint(
                condition=~models.Q(result="not_applicable", note=""), name="inspection_result_na_needs_note"
            ),
        ]


class Evidence(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="evidence")
    item = models.ForeignKey("checklists.ChecklistItem", on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="inspections/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["inspection", "id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")


class FindingQuerySet(models.QuerySet):
    def overdue(self, on=None):
        return self.exclude(status="verified").filter(due_date__lt=on or timezone.localdate())


class Finding(ConcurrentTransitionMixin, models.Model):
    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        VERIFIED = "verified", _("Verified")

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings")
    system = models.ForeignKey("systems_registry.InformationSystem", on_delete=models.PROTECT, related_name="findings")
    item = models.ForeignKey("checklists.ChecklistItem", on_delete=models.PROTECT, related_name="+")
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    description = models.TextField(_("description"))
    due_date = models.DateField(_("remediation due"))
    responsible_org = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="findings")
    status = FSMField(_("status"), default=Status.OPEN, choices=Status.choices, protected=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["system", "status", "due_date"]),
            models.Index(fields=["responsible_org", "status"]),
        ]

    @property
    def is_overdue(self) -> bool:
        return self.status != self.Status.VERIFIED and self.due_date < timezone.localdate()

    @transition(field=status, source=Status.OPEN, target=Status.RESOLVED)
    def resolve(self, by=None, comment: str = ""):
        self.resolved_by = by
        self.resolved_at = timezone.now()
        self.resolution = comment

    @transition(field=status, source=Status.RESOLVED, target=Status.VERIFIED)
    def verify(self, by=None):
        self.verified_by = by
        self.verified_at = timezone.now()

    @transition(field=status, source=[Status.RESOLVED, Status.VERIFIED], target=Status.OPEN)
    def reopen(self):
        self.verified_by = None
        self.verified_at = None
