"""The annual (and ad-hoc) report as a workflow (Decree 331 Art. 35-36; Circular 12 Art. 13 for Decree 85).

For a report year, each designated security unit and each operating unit reports to the owner (level `unit`), and
each owner consolidates and reports to the national authority (level `owner`). A report is versioned: each `submit`
freezes a new `ReportVersion` holding the Form 08 workbook as it was sent, with its SHA-256 (also in the audit
chain). A returned report is revised and submitted again as the next version.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class ReportRequest(models.Model):
    """An ad-hoc report the national authority asks of some owners, with its own deadline (Art. 35.2(b))."""

    authority = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="report_requests")
    subject = models.CharField(_("subject"), max_length=255)
    content = models.TextField(_("what is asked"), blank=True)
    due_date = models.DateField(_("due date"))
    year = models.PositiveSmallIntegerField(_("report year"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ad-hoc report request")

    def __str__(self):
        return self.subject


class Report(ConcurrentTransitionMixin, models.Model):
    class Level(models.TextChoices):
        UNIT = "unit", _("Unit to owner")
        OWNER = "owner", _("Owner to national authority")

    class Kind(models.TextChoices):
        ANNUAL = "annual", _("Annual")
        AD_HOC = "ad_hoc", _("Ad hoc")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")

    year = models.PositiveSmallIntegerField(_("report year"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ANNUAL)
    request = models.ForeignKey(ReportRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="reports")
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="reports_sent")
    owner = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="reports_concerning")
    regime = models.CharField(_("legal regime"), max_length=20)
    due_date = models.DateField(_("due date"))
    status = FSMField(_("status"), default=Status.DRAFT, choices=Status.choices, protected=True)
    version = models.PositiveIntegerField(_("version"), default=0)

    # Art. 36 items the Form 08 table does not carry.
    national_list_ids = models.JSONField(default=list, blank=True)  # systems proposed for the national-security List
    regulation_compliant_ids = models.JSONField(default=list, blank=True)  # systems complying with their regulation
    roadmap_note = models.TextField(_("remediation roadmap"), blank=True)
    other_information = models.TextField(_("other information requested"), blank=True)

    first_submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reason = models.TextField(_("reasons for return"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            models.Index(fields=["year", "level", "status"]),
            models.Index(fields=["organization", "year"]),
            models.Index(fields=["owner", "year"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "level", "organization", "owner"],
                condition=models.Q(kind="annual"),
                name="report_annual_unique",
            ),
            models.UniqueConstraint(
                fields=["request", "organization"], condition=models.Q(kind="ad_hoc"), name="report_ad_hoc_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="annual") | models.Q(request__isnull=False), name="report_ad_hoc_has_request"
            ),
        ]

    def __str__(self):
        return f"{self.year} · {self.organization_id} → {self.get_level_display()}"

    @property
    def is_late(self) -> bool:
        """Sent after its due date, or still not sent once the due date has passed."""
        if self.first_submitted_at is not None:
            return timezone.localtime(self.first_submitted_at).date() > self.due_date
        return timezone.localdate() > self.due_date

    @transition(field=status, source=[Status.DRAFT, Status.RETURNED], target=Status.SUBMITTED)
    def submit(self, *, by, at):
        self.version += 1
        self.submitted_at = at
        self.submitted_by = by
        self.first_submitted_at = self.first_submitted_at or at
        self.decided_at = None
        self.decided_by = None

    @transition(field=status, source=Status.SUBMITTED, target=Status.ACCEPTED)
    def accept(self, *, by, at):
        self.decided_at = at
        self.decided_by = by

    @transition(field=status, source=Status.SUBMITTED, target=Status.RETURNED)
    def return_for_revision(self, *, by, at, reason: str):
        self.decided_at = at
        self.decided_by = by
        self.return_reason = reason


class ReportVersion(models.Model):
    """One submission as it was sent: the frozen Form 08 workbook, its hash and the letter's number."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to="reports/%Y/")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    letter_number = models.CharField(_("letter number"), max_length=60, blank=True)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["report", "number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="report_version_unique")]

    def __str__(self):
        return f"{self.report_id} v{self.number}"


class Incident(ConcurrentTransitionMixin, models.Model):
    """A serious incident recorded by the system's people (Decree 331 Art. 31.2(d)): the initial report is due within
    24 hours and the report on cause, scope and fix within 72 hours, both immediately when national security is
    affected (the hours are policy data, `policies/incidents.yaml`), to the national authority of the system's sector."""

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Recorded, initial report due")
        INITIAL_REPORTED = "initial_reported", _("Initial report sent, full report due")
        FULLY_REPORTED = "fully_reported", _("Fully reported")

    system = models.ForeignKey("systems_registry.InformationSystem", on_delete=models.PROTECT, related_name="incidents")
    occurred_at = models.DateTimeField(_("occurred at"))
    summary = models.TextField(_("summary"))
    affects_national_security = models.BooleanField(_("affects national security or public order"), default=False)
    recipient = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    initial_report_due = models.DateTimeField(_("initial report due"))
    full_report_due = models.DateTimeField(_("full report due"))
    status = FSMField(_("status"), default=Status.RECORDED, choices=Status.choices, protected=True)
    initial_report = models.TextField(_("initial report"), blank=True)
    initial_reported_at = models.DateTimeField(null=True, blank=True)
    cause = models.TextField(_("cause"), blank=True)
    scope = models.TextField(_("scope"), blank=True)
    remediation = models.TextField(_("remediation"), blank=True)
    full_reported_at = models.DateTimeField(null=True, blank=True)
    inspection = models.ForeignKey(
        "inspections.Inspection", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["full_report_due", "id"]
        verbose_name = _("serious incident")
        verbose_name_plural = _("serious incidents")
        indexes = [models.Index(fields=["status", "full_report_due"]), models.Index(fields=["system", "occurred_at"])]

    def __str__(self):
        return f"{self.system_id} · {self.occurred_at:%Y-%m-%d %H:%M}"

    def late(self, stage: str) -> bool:
        due, done = (
            (self.initial_report_due, self.initial_reported_at)
            if stage == "initial"
            else (self.full_report_due, self.full_reported_at)
        )
        return (done or timezone.now()) > due

    @transition(field=status, source=Status.RECORDED, target=Status.INITIAL_REPORTED)
    def report_initial(self, *, at, text: str):
        self.initial_reported_at = at
        self.initial_report = text

    @transition(field=status, source=[Status.RECORDED, Status.INITIAL_REPORTED], target=Status.FULLY_REPORTED)
    def report_full(self, *, at, cause: str, scope: str, remediation: str):
        # The full report also informs: sent first, it stands for the initial one.
        self.initial_reported_at = self.initial_reported_at or at
        self.full_reported_at = at
        self.cause, self.scope, self.remediation = cause, scope, remediation


# --- risk assessments, the change register and the follow-up tasks (Decree 331 Art. 10, 28.3, 31.2(c)) -----------


class SystemChange(models.Model):
    """A change of a system recorded in its register, with its kind (policy data, `policies/changes.yaml`) and the
    day it took effect. A major change calls for follow-up tasks (`FollowUpTask`)."""

    system = models.ForeignKey("systems_registry.InformationSystem", on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(_("kind of change"), max_length=30)
    changed_on = models.DateField(_("changed on"))
    description = models.TextField(_("description"), blank=True)
    major = models.BooleanField(_("major change"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_on", "-id"]
        verbose_name = _("system change")
        verbose_name_plural = _("system changes")
        indexes = [models.Index(fields=["system", "changed_on"])]

    def __str__(self):
        return f"{self.system_id} · {self.kind} · {self.changed_on}"


class RiskAssessment(models.Model):
    """A cybersecurity risk assessment of a system (Decree 331 Art. 10.2), one per trigger, with its report document,
    its conclusion and, where the risk is higher than the level, the higher level it proposes (Art. 10.5-10.6)."""

    system = models.ForeignKey(
        "systems_registry.InformationSystem", on_delete=models.PROTECT, related_name="risk_assessments"
    )
    trigger = models.CharField(_("trigger"), max_length=40)
    conclusion = models.TextField(_("conclusion"))
    level_at_assessment = models.PositiveSmallIntegerField(_("level when assessed"), null=True, blank=True)
    proposes_level = models.PositiveSmallIntegerField(_("proposed higher level"), null=True, blank=True)
    change = models.ForeignKey(SystemChange, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    document = models.FileField(upload_to="risk-assessments/%Y/", blank=True)
    document_name = models.CharField(_("report document"), max_length=255, blank=True)
    document_content_type = models.CharField(max_length=100, blank=True)
    document_size = models.PositiveBigIntegerField(null=True, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        indexes = [models.Index(fields=["system", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(proposes_level__isnull=True)
                | models.Q(proposes_level__gte=1, proposes_level__lte=5),
                name="risk_assessment_level_range",
            ),
        ]

    def __str__(self):
        return f"{self.system_id} · {self.trigger} · {self.created_at:%Y-%m-%d}"


class FollowUpTask(ConcurrentTransitionMixin, models.Model):
    """What a major change (or a serious incident) requires, tracked with a deadline: a risk assessment, a new
    readiness check before the changed system goes back into use, an assessment by a licensed organisation. It is met
    when the requirement is fulfilled (`met`), or closed by the owner or security unit with a reason (`closed`)."""

    class Requirement(models.TextChoices):
        RISK_ASSESSMENT = "risk_assessment", _("Risk assessment")
        READINESS_CHECK = "readiness_check", _("Readiness check before going back into use")
        LICENSED_ASSESSMENT = "licensed_assessment", _("Assessment by a licensed organisation")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("follow-up task", "Open")
        MET = "met", _("Requirement met")
        CLOSED = "closed", _("Closed by decision")

    system = models.ForeignKey(
        "systems_registry.InformationSystem", on_delete=models.PROTECT, related_name="follow_up_tasks"
    )
    change = models.ForeignKey(SystemChange, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    requirement = models.CharField(_("requirement"), max_length=30, choices=Requirement.choices)
    due_date = models.DateField(_("due date"))
    status = FSMField(_("status"), default=Status.OPEN, choices=Status.choices, protected=True)
    risk_assessment = models.ForeignKey(
        RiskAssessment, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks_met"
    )
    inspection = models.ForeignKey(
        "inspections.Inspection", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        indexes = [models.Index(fields=["status", "due_date"]), models.Index(fields=["system", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(change__isnull=False) | models.Q(incident__isnull=False), name="follow_up_has_source"
            ),
        ]

    def __str__(self):
        return f"{self.system_id} · {self.requirement} · {self.due_date}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_date < timezone.localdate()

    @transition(field=status, source=Status.OPEN, target=Status.MET)
    def meet(self, *, at, risk_assessment=None, inspection=None, note: str = ""):
        self.closed_at = at
        self.risk_assessment = risk_assessment or self.risk_assessment
        self.inspection = inspection or self.inspection
        self.comment = note

    @transition(field=status, source=Status.OPEN, target=Status.CLOSED)
    def close(self, *, by, at, reason: str):
        self.closed_at = at
        self.closed_by = by
        self.comment = reason


from .exports.models import ExportJob  # noqa: E402,F401  (registered with the app; lives beside its exporters)
