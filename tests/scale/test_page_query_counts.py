"""Every HTML detail page costs the same number of queries whatever its related sets hold: the page of an object
with a few related rows against the page of one with many, on a generated dataset, as the national auditor and as a
province owner (the list pages are walked by test_query_counts.py)."""

from datetime import timedelta

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from approvals.models import Dossier
from checklists.models import ChecklistTemplate
from inspections.models import Finding, Inspection, InspectionResult
from systems_registry.models import InformationSystem
from tests.scale.conftest import VIEWERS


def _count(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(path)
    assert resp.status_code == 200, (path, resp.status_code)
    return len(ctx.captured_queries)


def _grow_findings(inspection: Inspection, many: int) -> None:
    """Give `inspection` `many` findings on its results, spread over several responsible organisations."""
    results = list(InspectionResult.objects.filter(inspection=inspection).order_by("order")[:many])
    orgs = [inspection.system.operator_id, inspection.system.owner_id, inspection.system.security_unit_id]
    Finding.objects.filter(inspection=inspection).delete()
    Finding.objects.bulk_create(
        Finding(
            inspection=inspection, system_id=inspection.system_id, item_id=r.item_id, severity="high", description=f"F{i}",
            due_date=inspection.due_date + timedelta(days=90), responsible_org_id=orgs[i % 3],
            status=["open", "resolved", "verified"][i % 3], resolved_by_id=None,
        )
        for i, r in enumerate(results)
    )  # fmt: skip


def _pairs(owner_code: str) -> dict[str, tuple[str, str, int, int]]:
    """page -> (path with few related rows, path with many, few, many), within what the province owner sees."""
    systems = InformationSystem.objects.filter(owner__code=owner_code)
    # Two inspections in the same state (the buttons, hence the permission checks, depend on it).
    inspections = Inspection.objects.filter(system__in=systems, status=Inspection.Status.SUBMITTED).order_by("id")
    small_i, large_i = inspections[0], inspections[1]
    _grow_findings(small_i, 1)
    _grow_findings(large_i, 20)
    # The results page: a short worksheet against a full one (the snapshot rows of the first are cut down).
    keep = InspectionResult.objects.filter(inspection=small_i).order_by("order").values_list("id", flat=True)[:3]
    InspectionResult.objects.filter(inspection=small_i).exclude(id__in=list(keep)).exclude(
        item_id__in=Finding.objects.filter(inspection=small_i).values("item_id")
    ).delete()  # fmt: skip
    n_small = InspectionResult.objects.filter(inspection=small_i).count()
    n_large = InspectionResult.objects.filter(inspection=large_i).count()

    by_parts = systems.annotate(n=Count("parts")).order_by("n", "id")
    small_s, large_s = by_parts.first(), by_parts.exclude(pk=by_parts.first().pk).order_by("-n", "id").first()
    parts = list(
        systems.exclude(pk__in=[small_s.pk, large_s.pk]).filter(parent__isnull=True).values_list("id", flat=True)[:12]
    )
    InformationSystem.objects.filter(pk__in=parts).update(parent=large_s)
    # The generator stores its reasons as plain strings; the page shows the engine's {level, text, article} rows.
    InformationSystem.objects.filter(pk__in=[small_s.pk, large_s.pk]).update(classification_reasons=[])

    # Two dossiers in the same state (its buttons, clock and forms panel depend on it), the widest apart in steps.
    dossiers = Dossier.objects.filter(system__in=systems).annotate(n=Count("steps"))
    pairs = []
    for status in sorted(set(dossiers.values_list("status", flat=True))):
        same = dossiers.filter(status=status)
        pairs.append((same.order_by("n", "id").first(), same.order_by("-n", "id").first()))
    small_d, large_d = max(pairs, key=lambda pair: pair[1].n - pair[0].n)

    checklists = ChecklistTemplate.objects.annotate(n=Count("sections__items")).order_by("n", "id")
    small_c, large_c = checklists.first(), checklists.order_by("-n", "id").first()
    return {
        "inspection detail (findings)": (f"/inspections/{small_i.pk}/", f"/inspections/{large_i.pk}/", 1, 20),
        "inspection results (items)": (
            f"/inspections/{small_i.pk}/results/",
            f"/inspections/{large_i.pk}/results/",
            n_small,
            n_large,
        ),
        "system detail (parts)": (
            f"/systems/{small_s.pk}/",
            f"/systems/{large_s.pk}/",
            small_s.n,
            large_s.parts.count(),
        ),
        "dossier detail (steps)": (f"/dossiers/{small_d.pk}/", f"/dossiers/{large_d.pk}/", small_d.n, large_d.n),
        "checklist detail (items)": (f"/checklists/{small_c.pk}/", f"/checklists/{large_c.pk}/", small_c.n, large_c.n),
    }


def test_detail_pages_cost_the_same_queries_for_few_and_many_related_rows(national):
    pages = _pairs("N-T01")
    mismatches, walked = [], 0
    for viewer in VIEWERS:
        client = Client()
        client.force_login(national[viewer])
        for name, (small, large, few, many) in pages.items():
            assert few < many, (name, few, many)
            _count(client, small)  # session, translations and caches warm
            a, b = _count(client, small), _count(client, large)
            if a != b:
                mismatches.append(f"{viewer} {name}: {a} queries for {few} rows, {b} for {many}")
            walked += 1
    assert walked == len(VIEWERS) * len(pages)
    assert not mismatches, "\n".join(mismatches)
