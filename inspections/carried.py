"""Answers a gap assessment carried from an earlier inspection (inspections/gap.py), and what the inspector's own
answer does to them. Chosen rule (docs/mappings.md): saving the same answer confirms it and keeps its provenance;
saving another answer (or none) makes it the inspector's own and clears the provenance."""

from django.utils import timezone

from .models import InspectionResult

CARRIED_FIELDS = ["carried_from_inspection", "carried_item_code", "carried_decided_at", "carried_confirmed_at"]


def settle_carried(row: InspectionResult, new_result: str, now=None) -> None:
    """Call before the new answer is written to `row`."""
    if row.carried_from_inspection_id is None:
        return
    if new_result and new_result == row.result:
        if row.carried_confirmed_at is None:
            row.carried_confirmed_at = now or timezone.now()
        return
    row.carried_from_inspection = None
    row.carried_item_code = ""
    row.carried_decided_at = None
    row.carried_confirmed_at = None


def provenance(row: InspectionResult) -> dict | None:
    """The API's `carried_from` of a result (docs/mappings.md), or None for an answer of the inspector's own."""
    if row.carried_from_inspection_id is None:
        return None
    return {
        "inspection_id": row.carried_from_inspection_id,
        "item_code": row.carried_item_code,
        "decided_at": row.carried_decided_at,
        "confirmed_at": row.carried_confirmed_at,
    }


def unconfirmed_codes(inspection) -> list[str]:
    """Item codes whose carried answer the inspector has not confirmed or changed yet (submit waits for them)."""
    return list(
        InspectionResult.objects.filter(
            inspection_id=inspection.pk, carried_from_inspection__isnull=False, carried_confirmed_at__isnull=True
        )
        .order_by("order")
        .values_list("item__code", flat=True)
    )
