"""Reads of the catalogue. Published catalogues are public to every signed-in user."""

from django.db.models import Prefetch, QuerySet

from accounts.errors import NotFound

from .models import ChecklistItem, ChecklistSection, ChecklistTemplate


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


def default_checklist(*, regime: str, level: int | None, kind: str) -> ChecklistTemplate | None:
    """The newest version for the regime and level (a level-specific catalogue before an any-level one)."""
    qs = ChecklistTemplate.objects.filter(regime=regime, kind=kind).order_by("-published_at", "-version", "-id")
    if level is not None:
        exact = qs.filter(level=level).first()
        if exact is not None:
            return exact
    return qs.filter(level__isnull=True).first()
