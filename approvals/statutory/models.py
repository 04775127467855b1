"""A drafted statutory document of a dossier revision (imported by approvals.models, so it is an approvals model).
Written only by approvals.statutory.services."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class Verdict(models.TextChoices):
    VALID = "valid", _("Signature valid")
    SIGNATURE_INVALID = "signature_invalid", _("Signature invalid")
    UNTRUSTED_SIGNER = "untrusted_signer", _("Signer not trusted")
    NOT_OUR_DOCUMENT = "not_our_document", _("Not the drafted document")
    MALFORMED_PDF = "malformed_pdf", _("Unreadable or encrypted PDF")


class StatutoryDocument(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        DRAFTED = "drafted", _("Drafted")
        SIGNED_VALID = "signed_valid", _("Signed, signature valid")
        SIGNATURE_INVALID = "signature_invalid", _("Signature problem")
        SIGNED_ON_PAPER = "signed_on_paper", _("Signed on paper")

    dossier = models.ForeignKey("approvals.Dossier", on_delete=models.PROTECT, related_name="statutory_documents")
    revision = models.PositiveIntegerField()
    form = models.CharField(_("form"), max_length=2)
    regime = models.CharField(max_length=20)
    policy_version = models.CharField(max_length=40)
    issuer = models.ForeignKey(
        "accounts.Organization", verbose_name=_("issuing body"), on_delete=models.PROTECT, related_name="+"
    )
    register_entry = models.OneToOneField("accounts.RegisterEntry", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number and symbol"), max_length=100)
    issued_on = models.DateField(_("date"))
    # Printed on the document and in its QR code; the public verification page takes it.
    short_id = models.CharField(max_length=16, unique=True)
    content = models.JSONField(default=list)
    content_sha256 = models.CharField(max_length=64)
    pdf = models.FileField(max_length=255)
    pdf_sha256 = models.CharField(max_length=64)
    signer_name = models.CharField(_("signer"), max_length=200)
    signer_title = models.CharField(_("signer's title"), max_length=200)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField()
    state = FSMField(_("state"), default=State.DRAFTED, choices=State.choices, protected=True)
    # The last signed copy uploaded and what its verification found.
    verdict = models.CharField(_("verification result"), max_length=20, choices=Verdict.choices, blank=True)
    verdict_reason = models.TextField(blank=True)
    signed_file = models.FileField(max_length=255, blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True)
    signature_signer = models.CharField(max_length=255, blank=True)
    signature_serial = models.CharField(max_length=80, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    # Signed with ink instead: the signer records the scan (signed_file, signed_sha256 hold it).
    paper_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    paper_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "approvals"
        ordering = ["dossier_id", "revision", "form"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "revision", "form"], name="statutory_document_once_per_revision"
            ),
        ]
        verbose_name = _("statutory document")
        verbose_name_plural = _("statutory documents")

    def __str__(self):
        return f"{self.form} {self.number}"

    # Transitions change this row's own fields only; approvals.statutory.services writes files and the audit trail.
    @transition(field=state, source=[State.DRAFTED, State.SIGNATURE_INVALID], target=State.DRAFTED)
    def redraft(self, *, content, content_sha256, pdf_sha256, signer_name, signer_title, by, at):
        self.content, self.content_sha256, self.pdf_sha256 = content, content_sha256, pdf_sha256
        self.signer_name, self.signer_title, self.drafted_by, self.drafted_at = signer_name, signer_title, by, at

    @transition(field=state, source=[State.DRAFTED, State.SIGNATURE_INVALID], target=State.SIGNED_VALID)
    def accept_signature(self, *, sha256, signer, serial, signed_at, at):
        self.verdict, self.verdict_reason = Verdict.VALID, ""
        self.signed_sha256, self.signature_signer, self.signature_serial = sha256, signer, serial
        self.signed_at, self.verified_at = signed_at, at

    @transition(field=state, source=[State.DRAFTED, State.SIGNATURE_INVALID], target=State.SIGNATURE_INVALID)
    def refuse_signature(self, *, verdict, reason, sha256, signer, serial, signed_at, at):
        self.verdict, self.verdict_reason, self.signed_sha256 = verdict, reason, sha256
        self.signature_signer, self.signature_serial, self.signed_at, self.verified_at = signer, serial, signed_at, at

    @transition(field=state, source=[State.DRAFTED, State.SIGNATURE_INVALID], target=State.SIGNED_ON_PAPER)
    def record_paper(self, *, sha256, by, at):
        # A failed digital attempt no longer describes the document: the ink-signed scan does.
        self.verdict, self.verdict_reason, self.signature_signer, self.signature_serial = "", "", "", ""
        self.signed_sha256, self.signed_at, self.verified_at = sha256, None, None
        self.paper_recorded_by, self.paper_recorded_at = by, at

    @property
    def in_force(self) -> bool:
        """Signed with a valid digital signature, or recorded as signed on paper with its scan."""
        return self.state in (self.State.SIGNED_VALID, self.State.SIGNED_ON_PAPER)
