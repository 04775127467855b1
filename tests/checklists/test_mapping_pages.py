"""The published mappings through the API and the pages: contract shapes, languages, constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checklists.services import import_mapping
from tests.inspections.helpers import publish

pytestmark = pytest.mark.django_db


def mapping_between(source, target, *, pairs: int, code: str = "test-map"):
    lines = [
        "schema_version: 1", f"code: {code}", "title: Đối chiếu thử", "title_en: Test mapping",
        f"source: {{catalogue: {source.code}, version: {source.version}}}",
        f"target: {{catalogue: {target.code}, version: {target.version}}}", "basis: test basis",
        "basis_vi: căn cứ thử", "pairs:",
    ]  # fmt: skip
    relations = ["equal", "superset", "subset", "intersect"]
    for n in range(pairs):
        lines.append(
            f"- {{source_item: S1.{n + 1}, target_item: S1.{n + 1}, relation: {relations[n % 4]}, note: pair {n}, "
            f"note_vi: cặp {n}}}"
        )
    mapping, _created = import_mapping(data=("\n".join(lines) + "\n").encode(), filename=f"{code}.yaml")
    return mapping


def catalogues(items: int = 12):
    return (
        publish(regime="decree_85_2016", sections=1, items=items),
        publish(regime="decree_331_2026", sections=1, items=items),
    )


def test_the_api_lists_mappings_and_shows_their_pairs(demo, api):
    source, target = catalogues(3)
    mapping = mapping_between(source, target, pairs=3)
    listing = api.get("checklists/mappings", demo.outsider).json()
    assert listing == {"items": [{
        "id": mapping.pk, "code": "test-map", "title": "Đối chiếu thử", "title_en": "Test mapping",
        "source_checklist_id": source.pk, "target_checklist_id": target.pk, "version": 1, "pairs_count": 3,
    }], "count": 1, "page": 1, "page_size": 50}  # fmt: skip
    detail = api.get(f"checklists/mappings/{mapping.pk}", demo.outsider).json()
    first_item = source.items.get(code="S1.1")
    assert detail["pairs"][0] == {
        "source_item": "S1.1", "target_item": "S1.1", "source_item_id": first_item.pk,
        "target_item_id": target.items.get(code="S1.1").pk, "relation": "equal", "note": "pair 0", "note_vi": "cặp 0",
    }  # fmt: skip
    assert (detail["basis"], detail["basis_vi"]) == ("test basis", "căn cứ thử")
    assert [p["relation"] for p in detail["pairs"]] == ["equal", "superset", "subset"]
    assert api.get("checklists/mappings/999999", demo.outsider).status_code == 404
    assert api.get("checklists/mappings").status_code == 401


def test_mapping_api_query_counts_do_not_grow_with_rows(demo, api):
    api.get("checklists", demo.operator)  # token
    source, target = catalogues(12)
    small_map = mapping_between(source, target, pairs=2, code="small-map")
    with CaptureQueriesContext(connection) as list_small:
        assert api.get("checklists/mappings", demo.operator).status_code == 200
    with CaptureQueriesContext(connection) as detail_small:
        assert api.get(f"checklists/mappings/{small_map.pk}", demo.operator).status_code == 200
    big_map = mapping_between(source, target, pairs=12, code="big-map")
    for n in range(5):
        mapping_between(*catalogues(2), pairs=2, code=f"more-map-{n}")
    with CaptureQueriesContext(connection) as list_large:
        assert api.get("checklists/mappings", demo.operator).json()["count"] == 7
    with CaptureQueriesContext(connection) as detail_large:
        assert len(api.get(f"checklists/mappings/{big_map.pk}", demo.operator).json()["pairs"]) == 12
    assert len(list_small) == len(list_large)
    assert len(detail_small) == len(detail_large)


def test_mapping_pages_in_both_languages_with_constant_queries(demo, client):
    client.force_login(demo.operator)
    source, target = catalogues(12)
    small_map = mapping_between(source, target, pairs=2, code="small-map")
    client.get("/checklists/mappings/")  # session, language, menus warmed
    with CaptureQueriesContext(connection) as list_small:
        assert client.get("/checklists/mappings/").status_code == 200
    with CaptureQueriesContext(connection) as detail_small:
        page = client.get(f"/checklists/mappings/{small_map.pk}/", HTTP_ACCEPT_LANGUAGE="vi")
    html = page.content.decode()
    assert "Đối chiếu thử" in html and "Tương đương" in html and "S1.2" in html
    assert "cặp 1" in html and "căn cứ thử" in html and "pair 1" not in html and "test basis" not in html
    big_map = mapping_between(source, target, pairs=12, code="big-map")
    for n in range(5):
        mapping_between(*catalogues(2), pairs=2, code=f"more-map-{n}")
    with CaptureQueriesContext(connection) as list_large:
        listing = client.get("/checklists/mappings/").content.decode()
    assert "more-map-4" in listing
    with CaptureQueriesContext(connection) as detail_large:
        client.get(f"/checklists/mappings/{big_map.pk}/")
    assert len(list_small) == len(list_large)
    assert len(detail_small) == len(detail_large)
    demo.operator.language = "en"
    demo.operator.save(update_fields=["language"])
    english = client.get(f"/checklists/mappings/{small_map.pk}/").content.decode()
    assert "Test mapping" in english and "Equal" in english and "Older requirement" in english
    assert "pair 1" in english and "test basis" in english and "cặp 1" not in english
    assert client.get("/checklists/mappings/999999/").status_code == 404
