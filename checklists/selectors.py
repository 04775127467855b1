"""Reads of the catalogue. Published catalogues are public to every signed-in user."""

from django.db.models import F, Prefetch, Q, QuerySet

from core.errors import NotFound

from .mapping import Pair, coverage
from .models import ChecklistItem, ChecklistSection, ChecklistTemplate, MappingPair, RequirementMapping


def checklist_list(*, code: str = "", regime: str = "", kind: str = "", level: int | None = None) -> QuerySet:
    qs = ChecklistTemplate.objects.all()
    if code:
        qs = qs.filter(code=code)
    if regime:
        qs = qs.filter(regime=regime)
    if kind:
        qs = qs.filter(kind=kind)
    if level is not None:
        qs = qs.filter(level=level)
    return qs.order_by("code", "-version", "id")


def checklist_detail(checklist_id) -> ChecklistTemplate:
    try:
        checklist_id = int(checklist_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    items = ChecklistItem.objects.order_by("order")
    sections = ChecklistSection.objects.order_by("order").prefetch_related(Prefetch("items", queryset=items))
    template = (
        ChecklistTemplate.objects.prefetch_related(Prefetch("sections", queryset=sections))
        .filter(pk=checklist_id)
        .first()
    )
    if template is None:
        raise NotFound()
    return template


def default_checklist(
    *, regime: str, level: int | None, kind: str, annotate: dict | None = None
) -> ChecklistTemplate | None:
    """The newest version for the regime and level (a level-specific catalogue before an any-level one), in one
    statement; `annotate` adds the caller's expressions to it (inspections reads its schedule in the same trip)."""
    which = Q(level__isnull=True) if level is None else Q(level=level) | Q(level__isnull=True)
    return (
        ChecklistTemplate.objects.filter(which, regime=regime, kind=kind)
        .annotate(**(annotate or {}))
        .order_by(F("level").asc(nulls_last=True), "-published_at", "-version", "-id")
        .first()
    )


def mapping_list() -> QuerySet:
    return RequirementMapping.objects.select_related("source_checklist", "target_checklist").order_by(
        "code", "-version", "id"
    )


def mapping_detail(mapping_id) -> RequirementMapping:
    """One mapping with its pairs and their items, in three queries whatever its size."""
    try:
        mapping_id = int(mapping_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    pairs = MappingPair.objects.select_related("source_item", "target_item").order_by("order")
    mapping = (
        RequirementMapping.objects.select_related("source_checklist", "target_checklist")
        .prefetch_related(Prefetch("pairs", queryset=pairs))
        .filter(pk=mapping_id)
        .first()
    )
    if mapping is None:
        raise NotFound()
    return mapping


def mapping_coverage(mapping: RequirementMapping) -> dict:
    """checklists.mapping.coverage for a published mapping (its pairs prefetched by mapping_detail)."""
    source = list(ChecklistItem.objects.filter(template_id=mapping.source_checklist_id).values_list("code", flat=True))
    target = list(ChecklistItem.objects.filter(template_id=mapping.target_checklist_id).values_list("code", flat=True))
    pairs = [
        Pair(
            source_item=p.source_item.code if p.source_item else None,
            target_item=p.target_item.code if p.target_item else None,
            relation=p.relation,
            note=p.note,
        )
        for p in mapping.pairs.all()
    ]
    return coverage(pairs, source, target)


def mapping_between(*, source_checklist_id: int, target_checklist_id: int) -> RequirementMapping | None:
    """The newest mapping version from one catalogue version to another."""
    return (
        RequirementMapping.objects.filter(
            source_checklist_id=source_checklist_id, target_checklist_id=target_checklist_id
        )
        .order_by("-version", "-id")
        .first()
    )
