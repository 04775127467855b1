"""The checklist catalogue. A published version is immutable: inspections reference its items directly, so the
template items *are* the snapshot an inspection was made against (see inspections/models.py)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.legal import LEVEL_VALIDATORS, Regime


class ImmutableError(Exception):
    """A published catalogue version was about to be changed or deleted."""


class _Immutable(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableError(
                f"{self._meta.verbose_name} {self.pk} is published and cannot be changed; import a new version."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(f"{self._meta.verbose_name} {self.pk} is published and cannot be deleted.")


class ChecklistTemplate(_Immutable):
    class Kind(models.TextChoices):
        PERIODIC = "periodic", _("Periodic inspection")
        PRE_OPERATION = "pre_operation", _("Pre-operation readiness")

    code = models.CharField(_("code"), max_length=64)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=500)
    title_en = models.CharField(_("title (English)"), max_length=500, blank=True)
    regime = models.CharField(_("legal regime"), max_length=20, choices=Regime.choices)
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True, validators=LEVEL_VALIDATORS)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    source = models.TextField(_("source"))
    source_filename = models.CharField(_("source file"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256 of the source file"), max_length=64)
    item_count = models.PositiveIntegerField(_("items"), default=0)
    published_at = models.DateTimeField(_("published at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="checklist_code_version_unique"),
            models.UniqueConstraint(fields=["code", "sha256"], name="checklist_code_sha256_unique"),
            models.CheckConstraint(
                condition=models.Q(level__isnull=True) | models.Q(level__gte=1, level__lte=5),
                name="checklist_level_range",
            ),
        ]
        indexes = [models.Index(fields=["regime", "kind", "level", "code", "version"])]

    def __str__(self):
        return f"{self.code} v{self.version}"


class ChecklistSection(_Immutable):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="sections")
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=500)
    title_en = models.CharField(_("title (English)"), max_length=500, blank=True)
    order = models.PositiveIntegerField()

    class Meta:
        ordering = ["template", "order"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="checklist_section_code_unique")]

    def __str__(self):
        return f"{self.code} {self.title}"


class ChecklistItem(_Immutable):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="items")
    section = models.ForeignKey(ChecklistSection, on_delete=models.PROTECT, related_name="items")
    code = models.CharField(_("code"), max_length=40)
    text = models.TextField(_("requirement"))
    text_en = models.TextField(_("requirement (English)"), blank=True)
    guidance = models.TextField(_("guidance"), blank=True)
    guidance_en = models.TextField(_("guidance (English)"), blank=True)
    reference = models.CharField(_("reference"), max_length=300, blank=True)
    evidence = models.JSONField(_("expected evidence"), default=list, blank=True)
    order = models.PositiveIntegerField()

    class Meta:
        ordering = ["template", "order"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="checklist_item_code_unique")]

    def __str__(self):
        return f"{self.code}"


class RequirementMapping(_Immutable):
    """A published version of a mapping between two catalogue versions (checklists/mapping_data, docs/mappings.md).
    Immutable like the catalogues it joins: a gap assessment records which pairs carried its answers."""

    code = models.CharField(_("code"), max_length=64)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=500)
    title_en = models.CharField(_("title (English)"), max_length=500, blank=True)
    source_checklist = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="mappings_from")
    target_checklist = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="mappings_to")
    basis = models.TextField(_("basis"))
    basis_vi = models.TextField(_("basis (Vietnamese)"), blank=True, default="")
    source_filename = models.CharField(_("source file"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256 of the source file"), max_length=64)
    pairs_count = models.PositiveIntegerField(_("pairs"), default=0)
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("requirement mapping")
        verbose_name_plural = _("requirement mappings")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="mapping_code_version_unique"),
            models.UniqueConstraint(fields=["code", "sha256"], name="mapping_code_sha256_unique"),
        ]
        indexes = [models.Index(fields=["source_checklist", "target_checklist"])]

    def __str__(self):
        return f"{self.code} v{self.version}"


class MappingPair(_Immutable):
    class Relation(models.TextChoices):
        EQUAL = "equal", _("Equal")
        SUBSET = "subset", _("Subset (the new requirement asks more)")
        SUPERSET = "superset", _("Superset (the old requirement asks more)")
        INTERSECT = "intersect", _("Intersecting")
        NO_COUNTERPART = "no_counterpart", _("No counterpart")

    mapping = models.ForeignKey(RequirementMapping, on_delete=models.PROTECT, related_name="pairs")
    source_item = models.ForeignKey(
        ChecklistItem, null=True, blank=True, on_delete=models.PROTECT, related_name="mapped_as_source"
    )
    target_item = models.ForeignKey(
        ChecklistItem, null=True, blank=True, on_delete=models.PROTECT, related_name="mapped_as_target"
    )
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    note = models.TextField(_("note"), blank=True)
    note_vi = models.TextField(_("note (Vietnamese)"), blank=True, default="")
    order = models.PositiveIntegerField()

    class Meta:
        ordering = ["mapping", "order"]
        constraints = [
            # The loader refuses a pair listed twice (with its line); with a null side only it can tell.
            models.UniqueConstraint(fields=["mapping", "source_item", "target_item"], name="mapping_pair_unique"),
            models.CheckConstraint(
                condition=models.Q(source_item__isnull=False) | models.Q(target_item__isnull=False),
                name="mapping_pair_names_an_item",
            ),
        ]  # fmt: skip
