"""Requirement mappings as versioned data: the strict loader's refusals (file, line, item), the shipped level-3
mapping, and its publication in the database."""

from pathlib import Path

import pytest
from django.core.management import call_command

from checklists.catalogue import shipped_templates
from checklists.mapping import DATA_DIR, MappingFileError, parse_mapping, shipped_mapping_paths
from checklists.models import MappingPair, RequirementMapping
from core.errors import Invalid

HEADER = """schema_version: 1
code: c12-l3-to-tcvn14423-l3
title: Đối chiếu
title_en: Mapping
source: {catalogue: c12-2022-l3, version: 1}
target: {catalogue: tcvn14423-2026-l3, version: 1}
basis: Decree 331 Art. 39.1
pairs:
"""


@pytest.fixture(scope="module")
def items_of():
    shipped = {t.code: {i.code for i in t.all_items()} for _path, t in shipped_templates()}
    return lambda code, version: shipped.get(code) if version == 1 else None


def refused(text: str, items_of) -> list[dict]:
    with pytest.raises(MappingFileError) as caught:
        parse_mapping(text, filename="bad.yaml", items_of=items_of)
    return caught.value.details, caught.value.message


def test_it_refuses_an_item_not_in_the_named_catalogue_version_with_file_line_and_item(items_of):
    text = HEADER + (
        "- {source_item: M.1.1.1, target_item: G01.01, relation: intersect, note: ok}\n"
        "- {source_item: M.1.1.1, target_item: G99.99, relation: equal, note: no such item}\n"
    )
    details, message = refused(text, items_of)
    assert details == [{
        "field": "pairs[1].target_item", "line": 10, "item": "M.1.1.1 → G99.99",
        "message": "item G99.99 is not in tcvn14423-2026-l3 version 1",
    }]  # fmt: skip
    assert "bad.yaml:10: M.1.1.1 → G99.99:" in message


def test_it_refuses_an_item_of_another_version(items_of):
    text = HEADER.replace("version: 1}\ntarget", "version: 2}\ntarget") + (
        "- {source_item: M.1.1.1, target_item: G01.01, relation: intersect}\n"
    )
    details, message = refused(text, items_of)
    assert details[0]["field"] == "source" and details[0]["line"] == 5
    assert "no published catalogue c12-2022-l3 version 2" in message


def test_it_refuses_a_relation_outside_the_list(items_of):
    text = HEADER + "- {source_item: M.1.1.1, target_item: G01.01, relation: roughly, note: x}\n"
    details, message = refused(text, items_of)
    assert [(d["field"], d["line"], d["item"]) for d in details] == [("pairs[0].relation", 9, "M.1.1.1 → G01.01")]
    assert "bad.yaml:9:" in message and "equal" in details[0]["message"]


def test_it_refuses_a_pair_listed_twice(items_of):
    text = HEADER + (
        "- {source_item: T.D.1, target_item: G12.04, relation: equal}\n"
        "- {source_item: T.D.2, target_item: G12.24, relation: subset}\n"
        "- {source_item: T.D.1, target_item: G12.04, relation: superset}\n"
    )
    details, _message = refused(text, items_of)
    assert details == [{
        "field": "pairs[2]", "line": 11, "item": "T.D.1 → G12.04", "message": "pair listed twice (first at line 9)",
    }]  # fmt: skip


def test_it_refuses_no_counterpart_for_a_mapped_item_and_a_one_sided_relation(items_of):
    text = HEADER + (
        "- {source_item: T.D.1, target_item: G12.04, relation: equal}\n"
        "- {source_item: T.D.1, target_item: null, relation: no_counterpart}\n"
        "- {source_item: T.D.2, target_item: null, relation: equal}\n"
    )
    details, _message = refused(text, items_of)
    assert {(d["field"], d["line"]) for d in details} == {("pairs[2]", 11)}
    text = HEADER + (
        "- {source_item: T.D.1, target_item: G12.04, relation: equal}\n"
        "- {source_item: T.D.1, target_item: null, relation: no_counterpart}\n"
    )
    details, _message = refused(text, items_of)
    assert [(d["field"], d["line"]) for d in details] == [("pairs[1].relation", 10)]


def test_it_refuses_unknown_and_repeated_keys(items_of):
    details, _message = refused(
        HEADER + "- {source_item: T.D.1, target_item: G12.04, relation: equal, nota: x}\n", items_of
    )
    assert [(d["field"], d["line"], d["message"]) for d in details] == [("pairs[0].nota", 9, "unknown field")]
    _details, message = refused(
        HEADER.replace("title_en: Mapping\n", "title_en: Mapping\ntitle: again\n")
        + "- {source_item: T.D.1, target_item: G12.04, relation: equal}\n",
        items_of,
    )
    assert "duplicate key 'title' at line 5" in message


def test_the_shipped_mappings_list_every_item_of_both_catalogues(items_of):
    paths = shipped_mapping_paths()
    assert [p.name for p in paths] == [f"c12-2022-l{n}--tcvn14423-2026-l{n}.yaml" for n in (1, 2, 3, 4, 5)]
    for level, path in zip((1, 2, 3, 4, 5), paths, strict=True):
        other = parse_mapping(path.read_bytes(), filename=path.name, items_of=items_of)
        assert (other.source.catalogue, other.target.catalogue) == (f"c12-2022-l{level}", f"tcvn14423-2026-l{level}")
        assert {p.source_item for p in other.pairs if p.source_item} == items_of(f"c12-2022-l{level}", 1)
        assert {p.target_item for p in other.pairs if p.target_item} == items_of(f"tcvn14423-2026-l{level}", 1)
        assert any(p.note.startswith("Uncertain: ") for p in other.pairs), path.name
        assert all(p.note for p in other.pairs), path.name
        # Vietnamese pages show every note and the basis in Vietnamese; an uncertain judgement says so there too.
        assert other.basis_vi.startswith("Khoản 1 Điều 39 Nghị định 331/2026/NĐ-CP"), path.name
        assert all(p.note_vi for p in other.pairs), path.name
        assert all(p.note_vi.startswith("Chưa chắc chắn:") == p.note.startswith("Uncertain:") for p in other.pairs), (
            path.name
        )
        assert not any("Uncertain" in p.note_vi or "Circular 12" in p.note_vi for p in other.pairs), path.name
    mapping = parse_mapping(paths[2].read_bytes(), filename=paths[2].name, items_of=items_of)
    assert {p.source_item for p in mapping.pairs if p.source_item} == items_of("c12-2022-l3", 1)
    assert {p.target_item for p in mapping.pairs if p.target_item} == items_of("tcvn14423-2026-l3", 1)
    # Same-numbered zone list, SIEM and WAF are the same requirement; an overall policy has no TCVN 14423 item.
    relation = {(p.source_item, p.target_item): p.relation for p in mapping.pairs}
    assert relation["T.D.1", "G12.04"] == "equal"
    assert relation["M.1.1.1", None] == "no_counterpart"
    uncertain = [p for p in mapping.pairs if p.note.startswith("Uncertain")]
    assert uncertain, "uncertain judgements say so in their notes"


def test_the_level_1_and_2_mappings_follow_the_renumbered_circular_12_items(items_of):
    def relations(level):
        path = DATA_DIR / f"c12-2022-l{level}--tcvn14423-2026-l{level}.yaml"
        parsed = parse_mapping(path.read_bytes(), filename=path.name, items_of=items_of)
        return {(p.source_item, p.target_item): p.relation for p in parsed.pairs}

    level_2, level_1 = relations(2), relations(1)
    # Level 2's M.1.5.4 is incident management (level 3's M.1.5.8), not endpoint devices.
    assert level_2["M.1.5.4", "G16.06"] == "subset" and ("M.1.5.4", "G07.04") not in level_2
    # The same five minimum zones at level 2; outsourced software is a TCVN 14423 level-2 item.
    assert level_2["T.D.1", "G12.04"] == "equal" and level_2["M.1.4.2", "G03.04"] == "superset"
    # Level 1's M.1.4.2 is testing and acceptance (level 3's M.1.4.3); TCVN 14423 level 1 names no zones.
    assert level_1["M.1.4.2", "G12.27"] == "intersect" and level_1["T.D.1", "G12.02"] == "intersect"
    # A level-3 pair whose target item does not exist at level 1 is not carried over.
    assert ("M.1.7", "G02.05") not in level_1 and level_1["M.1.7", None] == "no_counterpart"


@pytest.mark.django_db
def test_load_checklists_publishes_the_mapping_once_and_prints_its_coverage(capsys):
    call_command("load_checklists")
    call_command("load_checklists")
    assert RequirementMapping.objects.count() == 5
    mapping = RequirementMapping.objects.get(code="c12-l3-to-tcvn14423-l3")
    assert (mapping.version, mapping.source_checklist.code, mapping.target_checklist.code) == (
        1, "c12-2022-l3", "tcvn14423-2026-l3",
    )  # fmt: skip
    assert mapping.pairs_count == MappingPair.objects.filter(mapping=mapping).count() == 142
    capsys.readouterr()
    call_command("mapping_coverage")
    out = capsys.readouterr().out
    assert "source c12-2022-l3: 58 of 61 items mapped (95%)" in out
    assert "target tcvn14423-2026-l3: 71 of 120 items mapped (59%)" in out
    assert "source c12-2022-l4: 59 of 62 items mapped (95%)" in out
    assert "source c12-2022-l1: 28 of 32 items mapped (88%)" in out
    assert "target tcvn14423-2026-l2: 44 of 77 items mapped (57%)" in out
    # The published figure is the one in docs/mappings.md.
    docs = (Path(__file__).resolve().parents[2] / "docs" / "mappings.md").read_text(encoding="utf-8")
    for line in out.splitlines()[1:]:
        assert line.strip() in docs, line


@pytest.mark.django_db
def test_a_mapping_naming_an_unpublished_catalogue_is_refused_with_its_file_and_line():
    from checklists.services import import_mapping

    data = (DATA_DIR / "c12-2022-l3--tcvn14423-2026-l3.yaml").read_bytes()
    with pytest.raises(Invalid) as caught:
        import_mapping(data=data, filename="c12-l3.yaml")
    assert caught.value.code == "invalid_mapping"
    assert (
        "c12-l3.yaml:12:" in caught.value.message
        and "no published catalogue c12-2022-l3 version 1" in caught.value.message
    )


def test_a_vietnamese_note_without_the_note_it_translates_is_refused(items_of):
    details, _message = refused(
        HEADER + "- {source_item: T.D.1, target_item: G12.04, relation: equal, note_vi: Cùng yêu cầu}\n", items_of
    )
    assert details[0]["line"] == 9 and "note_vi translates note" in details[0]["message"]
