"""Every list endpoint and list page costs the same number of queries whatever the page holds: no per-row
queries. Walked on a generated dataset (tests/scale/test_national_dataset.py checks the generator itself), as a
national user and as a province user."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inspections.models import Finding
from tests.scale.conftest import VIEWERS

API_LISTS = ["systems", "dossiers", "inspections", "findings", "checklists", "organizations", "users"]
# HTML list pages: page 1 (a full page) against the last page (a partial one) of the same list.
HTML_LISTS = ["/systems/", "/dossiers/", "/inspections/", "/inspections/findings/", "/checklists/"]


STATUSES = ["rejected", "withdrawn", "cancelled", "submitted", "verified", "resolved", "returned"]


PARTIAL_PAGES = [{"page": "last"}, {"overdue": "1", "page": "last"}] + [{"status": s, "page": "last"} for s in STATUSES]


def _rows(resp) -> int:
    return len(resp.context["page"].object_list)


def _count(fn):
    with CaptureQueriesContext(connection) as ctx:
        resp = fn()
    assert resp.status_code == 200, resp.content[:300]
    return len(ctx.captured_queries), resp


# One test walks everything: generating the dataset is the expensive part.
def test_list_endpoints_and_pages_cost_the_same_queries_for_10_and_100_rows(national, api):
    mismatches, walked = [], 0
    for viewer in VIEWERS:
        user = national[viewer]
        api.get("me", user)  # the token exists before counting
        for endpoint in API_LISTS:
            small, small_resp = _count(lambda: api.get(f"{endpoint}?page_size=10", user))
            large, large_resp = _count(lambda: api.get(f"{endpoint}?page_size=100", user))
            rows_small, rows_large = len(small_resp.json()["items"]), len(large_resp.json()["items"])
            # Enough rows that the large page really holds more than the small one (the catalogue has 11).
            assert rows_small == 10 and rows_large > rows_small, (viewer, endpoint, rows_small, rows_large)
            if small != large:
                mismatches.append(
                    f"{viewer} /api/v1/{endpoint}: {small} queries for {rows_small} rows, {large} for {rows_large}"
                )
            walked += 1

        client = Client()
        client.force_login(user)
        for path in HTML_LISTS:
            if path == "/systems/":
                full, full_resp = _count(lambda: client.get(path, {"page_size": 100}))
                partial, partial_resp = _count(lambda: client.get(path, {"page_size": 10}))
            else:
                # Pages with a fixed page size: page 1 (full) against the last page (partial) of the same list.
                # When the last page happens to be full too, a filter gives a shorter one.
                full, full_resp = _count(lambda: client.get(path))
                some_system = {
                    "system": str(
                        Finding.objects.filter(system__owner__code="N-T01").values_list("system_id", flat=True).first()
                    )
                }
                for params in [*PARTIAL_PAGES, some_system]:
                    partial, partial_resp = _count(lambda: client.get(path, params))
                    if "page" not in full_resp.context or 0 < _rows(partial_resp) < _rows(full_resp):
                        break
            if "page" in full_resp.context:
                rows_full, rows_partial = _rows(full_resp), _rows(partial_resp)
                assert rows_full != rows_partial and min(rows_full, rows_partial) >= 1, (
                    viewer,
                    path,
                    rows_full,
                    rows_partial,
                )
            if full != partial:
                mismatches.append(f"{viewer} {path}: {full} queries for the full page, {partial} for the other")
            walked += 1
    assert walked == len(VIEWERS) * (len(API_LISTS) + len(HTML_LISTS))
    assert not mismatches, "\n".join(mismatches)
