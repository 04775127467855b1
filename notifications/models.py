"""The notification outbox. A row is written in the same transaction as the event it reports, then a task
delivers its email after commit. The in-app inbox reads the same rows."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    STEP_ASSIGNED = "step_assigned", _("A dossier step awaits your organisation")
    DOSSIER_DECIDED = "dossier_decided", _("A decision on a dossier")
    DOSSIER_RETURNED = "dossier_returned", _("A dossier returned for revision")
    DECISION_AWAITS_SIGNATURE = "decision_awaits_signature", _("An approval decision waits for your signature")
    STEP_DUE_SOON = "step_due_soon", _("A dossier step is due soon")
    STEP_OVERDUE = "step_overdue", _("A dossier step is overdue")
    INSPECTION_SCHEDULED = "inspection_scheduled", _("An inspection is scheduled")
    INSPECTION_DUE = "inspection_due", _("An inspection is due soon")
    INSPECTION_OVERDUE = "inspection_overdue", _("An inspection is overdue")
    FINDING_DUE = "finding_due", _("A finding's remediation is due soon")
    FINDING_OVERDUE = "finding_overdue", _("A finding's remediation is overdue")
    REAPPROVAL_REQUIRED = "reapproval_required", _("Re-approval required after a level change")
    REPORT_DUE = "report_due", _("A report is due soon")
    REPORT_OVERDUE = "report_overdue", _("A report is overdue")
    REPORT_MOVED = "report_moved", _("A report was submitted, accepted or returned")
    REPORT_REQUESTED = "report_requested", _("An ad-hoc report is requested")
    INCIDENT_RECORDED = "incident_recorded", _("A serious incident was recorded")
    INCIDENT_REPORTED = "incident_reported", _("An incident report was sent")
    INCIDENT_REPORT_OVERDUE = "incident_report_overdue", _("An incident report is overdue")
    CHANGE_RECORDED = "change_recorded", _("A change of a system calls for follow-up tasks")
    FOLLOW_UP_OVERDUE = "follow_up_overdue", _("A follow-up task of a change or incident is overdue")
    NATIONAL_LIST = "national_list", _("A system proposed for, put on or taken off the national-security List")
    TRANSITION_DEADLINE = "transition_deadline", _("A transitional deadline (Decree 331 Art. 39) approaches or passed")


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    # One row per (event, threshold, recipient): scanners re-run freely and create nothing new. The key leads the
    # unique index, so a scanner batch finds which of its keys exist with one index scan.
    dedup_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    email_status = models.CharField(_("email"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Users who chose a daily digest for this kind get it there instead of at once.
    in_digest = models.BooleanField(default=False)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["dedup_key", "recipient"], name="notification_dedup_key_recipient_unique")
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["email_status", "claimed_at"]),
            models.Index(fields=["in_digest", "digested_at"]),
        ]

    def __str__(self):
        return f"#{self.pk} {self.kind} → {self.recipient_id}"


class NotificationPreference(models.Model):
    """Per user and kind; no row means: email at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    email = models.BooleanField(_("email"), default=True)
    digest = models.BooleanField(_("daily digest instead of one email each"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")]
        verbose_name = _("notification preference")
