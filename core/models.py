"""The audit trail's tables (core/audit.py writes and verifies them). The actor is a user, named through
AUTH_USER_MODEL so core imports nothing of accounts."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """Append-only, hash-chained record of every state change. Never updated or deleted (a trigger enforces it
    on PostgreSQL); `verify_audit` recomputes the chain."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    from_status = models.CharField(max_length=40, blank=True)
    to_status = models.CharField(max_length=40, blank=True)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    revision = models.PositiveIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # False only for events written before the chain was keyed (plain SHA-256); every later one is an HMAC with
    # settings.AUDIT_HMAC_KEY, and verify_audit refuses an unkeyed event after the first keyed one.
    keyed = models.BooleanField(default=True)

    class Meta:
        # The table keeps the name it had in accounts: the PostgreSQL triggers that make it append-only are bound
        # to it (approvals/0003, accounts/0003 and 0005), and moving the model must not rewrite a single row.
        db_table = "accounts_auditevent"
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id", "id"], name="accounts_au_object__42d62c_idx")]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """A single row locked while appending, so concurrent writers chain one after another; a trigger on the events
    table moves it onto the last event each INSERT adds (core/migrations/0002)."""

    last_hash = models.CharField(max_length=64)
    last_event_id = models.BigIntegerField(null=True)

    class Meta:
        db_table = "accounts_auditchainhead"
