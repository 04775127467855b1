from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class Holiday(models.Model):
    """Public holidays (Tết, 30/4, 2/9, …) and substitute days off, kept by an administrator: time limits count
    working days, and the government announces some days off only a few weeks ahead."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"


class Dossier(ConcurrentTransitionMixin, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        RETURNED = "returned", _("Returned for revision")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        SUPERSEDED = "superseded", _("Superseded")

    OPEN_STATUSES = (Status.DRAFT, Status.IN_REVIEW, Status.RETURNED)

    system = models.ForeignKey("systems_registry.InformationSystem", on_delete=models.PROTECT, related_name="dossiers")
    proposed_level = models.PositiveSmallIntegerField(_("proposed level"))
    # The level whose procedure the routed revision follows: the proposed level, or level 5 for a level-3/4 system
    # on the national-security List (Decree 331 Art. 20.4). Fixed when a revision is routed, with its steps.
    procedure_level = models.PositiveSmallIntegerField(_("procedure level"), null=True, blank=True)
    regime = models.CharField(_("legal regime"), max_length=20)
    routing_version = models.CharField(max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=255)
    summary = models.TextField(_("summary"), blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    status = FSMField(_("status"), default=Status.DRAFT, choices=Status.choices, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=100, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("security-level dossier")
        verbose_name_plural = _("security-level dossiers")
        indexes = [models.Index(fields=["system", "status"]), models.Index(fields=["status"])]
        constraints = [
            # Backs up the service's check when two people start a dossier for the same system at once.
            models.UniqueConstraint(
                fields=["system"],
                condition=models.Q(status__in=["draft", "in_review", "returned"]),
                name="dossier_one_open_per_system",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.title} (r{self.revision})"

    @property
    def form_level(self) -> int:
        """The level that picks the statutory forms and the final decision (Form 06, or Form 07 for level 5 and the
        List's levels 3–4): the routed procedure's, else the proposed level."""
        return self.procedure_level or self.proposed_level

    # Transitions change this row's own fields only; the services write steps, the system and the audit trail.
    @transition(field=status, source=Status.DRAFT, target=Status.IN_REVIEW)
    def submit(self, *, by, at):
        self.submitted_by, self.submitted_at = by, at

    @transition(field=status, source=Status.IN_REVIEW, target=Status.APPROVED)
    def approve(self, *, number, on, at):
        self.decision_number, self.decision_date, self.closed_at = number, on, at

    @transition(field=status, source=Status.IN_REVIEW, target=Status.REJECTED)
    def reject(self, *, at):
        self.closed_at = at

    @transition(field=status, source=Status.IN_REVIEW, target=Status.RETURNED)
    def return_for_revision(self):
        pass

    @transition(field=status, source=Status.RETURNED, target=Status.IN_REVIEW)
    def resubmit(self, *, by, at):
        self.revision += 1
        self.submitted_by, self.submitted_at = by, at

    @transition(field=status, source=[Status.DRAFT, Status.IN_REVIEW, Status.RETURNED], target=Status.WITHDRAWN)
    def withdraw(self, *, at):
        self.closed_at = at

    @transition(field=status, source=Status.APPROVED, target=Status.SUPERSEDED)
    def supersede(self):
        pass


class DocumentKind(models.TextChoices):
    GENERAL_DESCRIPTION = "general_description", _("General description")
    DESIGN = "design", _("Design document")
    LEVEL_PROPOSAL = "level_proposal", _("Level proposal statement")
    SECURITY_PLAN = "security_plan", _("Security plan statement")
    PROFESSIONAL_OPINION = "professional_opinion", _("Professional opinion")
    SECURITY_REGULATION = "security_regulation", _("Internal security regulation")
    RISK_ASSESSMENT = "risk_assessment", _("Risk assessment report")
    OTHER = "other", _("Other")


class Document(models.Model):
    """An uploaded file. Belongs to the revision it was added in and to every later one; never edited.

    A document that was issued (the internal security regulation above all: Form 08 column 8 reports it as
    "number, date, issuing body") also carries its number, issue date and issuing body, given at upload."""

    NUMBER_MAX_LENGTH = 100
    ISSUER_MAX_LENGTH = 255

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="documents")
    revision = models.PositiveIntegerField()
    kind = models.CharField(_("kind"), max_length=24, choices=DocumentKind.choices)
    filename = models.CharField(_("file name"), max_length=255)
    # Random storage name; never derived from the user's file name and never under a public URL.
    file = models.FileField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    number = models.CharField(_("document number"), max_length=NUMBER_MAX_LENGTH, blank=True)
    issued_on = models.DateField(_("date of issue"), null=True, blank=True)
    issuer = models.CharField(_("issuing body"), max_length=ISSUER_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("document")

    def __str__(self):
        return self.filename


class StepKind(models.TextChoices):
    PROFESSIONAL_OPINION = "professional_opinion", _("Professional opinion")
    APPRAISAL = "appraisal", _("Appraisal")
    APPROVAL = "approval", _("Approval")
    LIST_APPROVAL = "list_approval", _("National list approval")


class Decision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned for revision")


class LimitUnit(models.TextChoices):
    """The unit a step's time limit is counted in, as the routing policy states it."""

    WORKING_DAYS = "working_days", _("working days")
    CALENDAR_DAYS = "calendar_days", _("calendar days")


class DossierStep(models.Model):
    """One decision of one revision, routed by the regime's policy. A step is *active* from `activated_on`
    until decided; `document_hashes` is what the decider had in front of them."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    revision = models.PositiveIntegerField()
    order = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=24, choices=StepKind.choices)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20)
    # The time limit the routing policy gave this step: `limit_days` counted in `limit_unit` (null: no limit).
    limit_days = models.PositiveSmallIntegerField(null=True, blank=True)
    limit_unit = models.CharField(max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS)
    activated_on = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    # Where the regime gives the first reviewer a window to accept the dossier as complete or return it (Decree 331
    # Art. 23.2), the first step is due at `acceptance_due` until accepted; its own limit runs from `accepted_on`.
    acceptance_due = models.DateField(null=True, blank=True)
    accepted_on = models.DateField(null=True, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, null=True, blank=True)  # noqa: DJ001  (null: not decided yet)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    document_hashes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["dossier_id", "revision", "order"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "revision", "order"], name="step_unique_per_revision")
        ]
        indexes = [models.Index(fields=["organization", "role", "decision"])]

    def __str__(self):
        return f"{self.dossier_id} r{self.revision} #{self.order} {self.kind}"


class AppraiserDesignation(models.Model):
    """When a system's designated security unit also operates it, the owner designates an independent subordinate
    unit or sets up an appraisal council, by a decision (Circular 12/2022 Art. 6; Decree 331 Art. 18.4); the
    steps the security unit would decide are routed there. The latest designation of a system is the one in force.
    A council is recorded with the organisation whose members sit on it (they decide as its security unit)."""

    class Kind(models.TextChoices):
        UNIT = "unit", _("Independent subordinate unit")
        COUNCIL = "council", _("Independent appraisal council")

    system = models.ForeignKey("systems_registry.InformationSystem", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    council_name = models.CharField(_("council name"), max_length=255, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=100)
    decision_date = models.DateField(_("decision date"))
    designated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    designated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("independent appraiser designation")

    def __str__(self):
        return f"{self.system_id} → {self.organization_id} ({self.decision_number})"


from .statutory.models import StatutoryDocument, Verdict  # noqa: E402,F401  (an approvals model kept in its package)
