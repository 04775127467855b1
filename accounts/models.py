import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="vi")

    def __str__(self):
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        # A new password or a deactivation ends every API token of the account at once (whoever changed it:
        # the password page, the admin, `changepassword`): a token must not outlive the credentials behind it.
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed or (not self.is_active and self.pk):
            ApiToken.revoke_all(self, reason="password_changed" if password_changed else "deactivated")


class Organization(models.Model):
    class Kind(models.TextChoices):
        CENTRAL_AGENCY = "central_agency", _("Central agency")
        PROVINCE = "province", _("Province")
        COMMUNE = "commune", _("Commune")
        UNIT = "unit", _("Unit")
        NATIONAL_AUTHORITY = "national_authority", _("National authority")
        ASSESSOR = "assessor", _("Assessor organisation")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Form 08 part 2 asks for these for the owner and the designated unit.
    mandate_document = models.CharField(_("mandate document"), max_length=255, blank=True)
    head_name = models.CharField(_("head"), max_length=200, blank=True)
    # Form 08 part 2 names the representative and their title ("Người đại diện, chức vụ").
    head_title = models.CharField(_("head's title"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # The body's abbreviation in the symbol of its outgoing documents ("UBND" in "15/QĐ-UBND"; Decree 30/2020
    # Appendix I Part I.3). Blank: the register falls back to the organisation's code.
    document_symbol = models.CharField(_("document symbol"), max_length=30, blank=True)
    licensed_assessor = models.BooleanField(
        _("licensed assessor"),
        default=False,
        help_text=_("Licensed to assess level 5 systems (Decree 331 Art. 31.2(c))."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name


class OrganizationClosure(models.Model):
    """Every (ancestor, descendant) pair, itself included: jurisdiction becomes one indexed sub-select."""

    ancestor = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="descendant_links")
    descendant = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="ancestor_links")
    depth = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ancestor", "descendant"], name="org_closure_unique")]
        indexes = [models.Index(fields=["descendant", "ancestor"])]


class Role(models.TextChoices):
    OPERATOR = "operator", _("Operating unit")
    SECURITY_UNIT = "security_unit", _("Designated security unit")
    OWNER = "owner", _("System owner")
    AUTHORITY = "authority", _("National authority")
    INSPECTOR = "inspector", _("Inspector")
    AUDITOR = "auditor", _("Auditor (read-only)")


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization", "role"], name="membership_unique")]
        indexes = [models.Index(fields=["user", "role"])]
        verbose_name = _("membership")

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.organization}"


class DelegationQuerySet(models.QuerySet):
    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(revoked_at__isnull=True, starts_on__lte=on, ends_on__gte=on)


class Delegation(models.Model):
    """A system owner's written delegation to a subordinate organisation for a term (Decree 331 Art. 4)."""

    owner = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="delegations_given")
    delegate = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="delegations_received")
    document_number = models.CharField(_("delegation document number"), max_length=100)
    document_date = models.DateField(_("delegation document date"))
    scope = models.TextField(_("scope and duties"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = DelegationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="delegation_term_order"
            ),
        ]
        verbose_name = _("delegation")

    def __str__(self):
        return f"{self.owner} → {self.delegate} ({self.document_number})"


class ApiToken(models.Model):
    """Bearer tokens; only a hash is stored, so a database leak does not leak sessions."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user"], condition=models.Q(revoked_at__isnull=True), name="api_token_live_by_user")
        ]

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user) -> tuple["ApiToken", str]:
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            key_hash=cls.hash_key(key),
            expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
        )
        return token, key

    @classmethod
    def live(cls):
        return cls.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())

    def revoke(self) -> bool:
        """True when this call ended the token (False: it had already ended)."""
        return bool(ApiToken.objects.filter(pk=self.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()))

    @classmethod
    def revoke_all(cls, user, *, reason: str) -> int:
        from django.db import transaction

        from core import audit

        with transaction.atomic():
            ended = cls.objects.filter(user_id=user.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
            if ended:
                audit.record(
                    actor=None,
                    actor_username=user.username,
                    action="auth.tokens_revoked",
                    object_type="user",
                    object_id=str(user.pk),
                    data={"reason": reason, "tokens": ended},
                )
        return ended


class LoginThrottle(models.Model):
    """Failed sign-ins per (username, IP): five in a row lock that pair out for a cool-off, so a guesser on one
    address cannot lock the real user out from theirs."""

    username = models.CharField(max_length=150)
    ip = models.CharField(max_length=45, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    last_failure_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["username", "ip"], name="login_throttle_unique")]

    def __str__(self):
        return f"{self.username}@{self.ip or '?'}: {self.failures}"


class RegisterCounter(models.Model):
    """The last number an organisation's register of outgoing documents gave in a year: the one row locked while
    a number is taken, so concurrent issuers queue and the sequence has no gaps (Decree 30/2020 Art. 15.1)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_sequence = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="register_counter_unique")]


class RegisterEntry(models.Model):
    """One outgoing document number of an organisation's register ("sổ đăng ký văn bản đi", Decree 30/2020
    Art. 16). `sequence` is the register's own running number; a number recorded from outside (given by the
    caller, e.g. from a paper register) keeps `sequence` empty and is only checked unique."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("issuing body"), on_delete=models.PROTECT, related_name="register_entries"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    kind = models.CharField(_("document kind"), max_length=10)
    kind_symbol = models.CharField(_("kind symbol"), max_length=10, blank=True)
    number = models.CharField(_("number and symbol"), max_length=100)
    issued_on = models.DateField(_("issued on"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization", "year", "sequence", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "number"], name="register_number_unique"),
            models.UniqueConstraint(
                fields=["organization", "year", "sequence"],
                condition=models.Q(sequence__isnull=False),
                name="register_sequence_unique",
            ),
        ]
        verbose_name = _("register entry")
        verbose_name_plural = _("register entries")

    def __str__(self):
        return self.number
