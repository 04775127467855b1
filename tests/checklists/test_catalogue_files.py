"""The checklist catalogue files: format, parser errors, and the substance of the shipped data.

Pure Python: no database, no Django. Expected values (clause prefixes, counts, thresholds) are
written out here from domain.md §6.3 and §7 rather than derived from the data, so a data file
that drifts from the legal source fails.
"""

import json
import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from checklists.catalogue import (
    DATA_DIR,
    DEFAULT_MAX_BYTES,
    ChecklistTemplateFile,
    TemplateFileError,
    parse_template,
    parser,
    shipped_templates,
)
from core import policy_files

FIXTURES = Path(__file__).parent / "fixtures"
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V"}
UNSAFE_CALLS: list[str] = []


def record_unsafe_call():
    """Target of fixtures/python_tag.yaml: only an unsafe YAML loader would ever call it."""
    UNSAFE_CALLS.append("called")
    return "pwned"


@pytest.fixture(scope="module")
def shipped():
    return dict(shipped_templates())


def items_by_code(template):
    return {item.code: item for item in template.all_items()}


def errors_of_text(text, fmt, **kwargs):
    with pytest.raises(TemplateFileError) as caught:
        parse_template(text, fmt, **kwargs)
    return caught.value


def errors_of(name):
    path = FIXTURES / name
    return errors_of_text(path.read_bytes(), "json" if path.suffix == ".json" else "yaml")


# ---------------------------------------------------------------- shipped files


def test_every_shipped_file_parses_and_is_listed(shipped):
    assert Path(parser.__file__).resolve().parent.parent / "data" == DATA_DIR
    assert sorted(shipped) == sorted(
        [f"legacy/c12-2022-l{n}.yaml" for n in range(1, 6)]
        + [f"tcvn14423/tcvn14423-2026-l{n}.yaml" for n in range(1, 6)]
        + ["pre_operation/pre-operation-d331.yaml"]
    )


def test_codes_are_unique_across_files_and_within_each_file(shipped):
    codes = [template.code for template in shipped.values()]
    assert len(codes) == len(set(codes))
    for path, template in shipped.items():
        item_codes = [item.code for item in template.all_items()]
        section_codes = [section.code for section in template.sections]
        assert len(item_codes) == len(set(item_codes)), path
        assert len(section_codes) == len(set(section_codes)), path


def test_every_item_is_complete_in_both_languages(shipped):
    for path, template in shipped.items():
        assert template.title_en.strip(), path
        for section in template.sections:
            assert section.title_en.strip(), (path, section.code)
        for item in template.all_items():
            assert item.text_en.strip() and item.guidance.strip() and item.guidance_en.strip(), (path, item.code)
            assert item.reference.strip() and item.evidence, (path, item.code)


def test_vietnamese_text_keeps_its_diacritics_in_nfc(shipped):
    for path, template in shipped.items():
        texts = [template.title] + [item.text for item in template.all_items()]
        assert all(unicodedata.is_normalized("NFC", text) for text in texts), path
        # Mojibake or stripped accents would lose these letters everywhere at once.
        assert any(ch in "ơưđạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ" for ch in " ".join(texts)), path


def test_regime_level_and_kind_match_the_file(shipped):
    for n in range(1, 6):
        legacy, current = shipped[f"legacy/c12-2022-l{n}.yaml"], shipped[f"tcvn14423/tcvn14423-2026-l{n}.yaml"]
        assert (legacy.code, legacy.regime, legacy.level, legacy.kind) == (
            f"c12-2022-l{n}",
            "decree_85_2016",
            n,
            "periodic",
        )
        assert (current.code, current.regime, current.level, current.kind) == (
            f"tcvn14423-2026-l{n}",
            "decree_331_2026",
            n,
            "periodic",
        )
    pre = shipped["pre_operation/pre-operation-d331.yaml"]
    assert (pre.regime, pre.level, pre.kind) == ("decree_331_2026", None, "pre_operation")


# ---------------------------------------------------------------- legacy catalogue (§7.A)


@pytest.mark.parametrize("level", range(1, 6))
def test_legacy_clauses_use_the_level_section_of_tcvn_11930(shipped, level):
    template = shipped[f"legacy/c12-2022-l{level}.yaml"]
    management, design, configuration = template.sections
    assert [s.code for s in template.sections] == ["M", "T.D", "T.C"]
    for item in management.items:
        if item.code in ("M.1.6", "M.1.7"):  # no TCVN clause: risk plan and decommissioning
            assert item.reference == f"Circular 12/2022 Annex {ROMAN[level]} I.{item.code[2:]}"
        else:
            assert item.reference == f"TCVN 11930:2017 {level + 4}.{item.code[2:]}", item.code
    for item in configuration.items:
        assert item.reference.startswith(f"TCVN 11930:2017 {level + 4}.2."), item.code
    for item in design.items:
        assert item.reference.startswith("Circular 12/2022 "), item.code


def test_legacy_level_3_management_clauses_are_section_7(shipped):
    management = shipped["legacy/c12-2022-l3.yaml"].sections[0]
    tcvn = [item.reference for item in management.items if item.reference.startswith("TCVN")]
    assert len(tcvn) == 20 and all(ref.startswith("TCVN 11930:2017 7.") for ref in tcvn)


@pytest.mark.parametrize(
    ("level", "code", "clause", "starts"),
    [
        (1, "M.1.4.2", "5.1.4.2", "Thử nghiệm và nghiệm thu"),
        (2, "M.1.4.2", "6.1.4.2", "Phát triển phần mềm thuê khoán"),
        (2, "M.1.4.3", "6.1.4.3", "Thử nghiệm và nghiệm thu"),
        (4, "M.1.4.3", "8.1.4.3", "Thử nghiệm và nghiệm thu"),
        (2, "M.1.5.4", "6.1.5.4", "Quản lý sự cố"),
        (2, "M.1.5.5", "6.1.5.5", "Quản lý an toàn người sử dụng đầu cuối"),
        (3, "M.1.5.4", "7.1.5.4", "Quản lý an toàn thiết bị đầu cuối"),
        (3, "M.1.5.8", "7.1.5.8", "Quản lý sự cố"),
        (5, "M.1.5.9", "9.1.5.9", "Quản lý an toàn người sử dụng đầu cuối"),
        (1, "T.C.1.1.2", "5.2.1.3", "Nhật ký hệ thống"),
        (2, "T.C.1.1.2", "6.2.1.3", "Kiểm soát truy cập từ bên trong"),
        (3, "T.C.1.1.5", "7.2.1.6", "Phòng chống phần mềm độc hại trên môi trường mạng"),
        (2, "T.C.1.3.4", "6.2.3.4", "An toàn ứng dụng và mã nguồn"),
        (3, "T.C.1.3.6", "7.2.3.6", "An toàn ứng dụng và mã nguồn"),
        (3, "T.C.1.4.1", "7.2.4.1", "Nguyên vẹn dữ liệu"),
        (2, "T.C.1.2.6", "6.2.2.6", "Xử lý máy chủ khi chuyển giao"),
    ],
)
def test_legacy_special_cases_of_the_clause_table(shipped, level, code, clause, starts):
    item = items_by_code(shipped[f"legacy/c12-2022-l{level}.yaml"])[code]
    assert item.reference == f"TCVN 11930:2017 {clause}"
    assert item.text.startswith(starts)


def test_legacy_items_appear_only_from_their_level(shipped):
    codes = {n: set(items_by_code(shipped[f"legacy/c12-2022-l{n}.yaml"])) for n in range(1, 6)}
    assert "M.1.4.3" not in codes[1] and "M.1.5.4" not in codes[1]  # no outsourcing, no incidents at L1
    assert "M.1.5.6" not in codes[2] and "M.1.5.6" in codes[3]  # monitoring management from L3
    assert "T.C.1.2.6" not in codes[1] and "T.C.1.1.6" in codes[3]
    assert "T.D.18" not in codes[3] and "T.D.18" in codes[4]  # PAM from L4
    assert "T.D.19" in codes[5] and "T.D.19" not in codes[4]  # 30 km backup site at L5 only
    assert "30 km" in items_by_code(shipped["legacy/c12-2022-l5.yaml"])["T.D.19"].text


def test_legacy_item_counts_rise_with_level(shipped):
    counts = [len(shipped[f"legacy/c12-2022-l{n}.yaml"].all_items()) for n in range(1, 6)]
    assert counts[0] < counts[1] < counts[2] <= counts[3] <= counts[4]
    assert counts[2] >= 60
    # Circular 12 annex lines: management 15/18/22, configuration 13/17/21 (domain.md §7.A).
    for n, (management, configuration) in {1: (15, 13), 2: (18, 17), 3: (22, 21), 4: (22, 21), 5: (22, 21)}.items():
        sections = shipped[f"legacy/c12-2022-l{n}.yaml"].sections
        assert (len(sections[0].items), len(sections[2].items)) == (management, configuration), n


@pytest.mark.parametrize(("level", "zones"), [(1, 3), (2, 5), (3, 7), (4, 8), (5, 8)])
def test_legacy_minimum_network_zones(shipped, level, zones):
    text = items_by_code(shipped[f"legacy/c12-2022-l{level}.yaml"])["T.D.1"].text
    assert len(text.split(":", 1)[1].split(";")) == zones


# ---------------------------------------------------------------- current catalogue (§7.B, §6.3)

GROUP_CLAUSES = {  # domain.md §7.B: clause per level, None where the group does not exist
    1: ("3.1", "4.1", "5.1", "6.1", "7.1"),
    12: ("3.12", "4.12", "5.12", "6.12", "7.12"),
    13: (None, None, "5.13", "6.13", "7.13"),
    14: ("3.13", "4.13", "5.14", "6.14", "7.14"),
    15: ("3.14", "4.14", "5.15", "6.15", "7.15"),
    16: ("3.15", "4.15", "5.16", "6.17", "7.17"),
    17: (None, None, "5.17", "6.16", "7.16"),
    18: (None, None, "5.18", "6.18", "7.18"),
}
GROUP_CLAUSES.update({g: tuple(f"{n}.{g}" for n in range(3, 8)) for g in range(2, 12)})


@pytest.mark.parametrize(("level", "groups"), [(1, 15), (2, 15), (3, 18), (4, 18), (5, 18)])
def test_tcvn_group_count_per_level(shipped, level, groups):
    template = shipped[f"tcvn14423/tcvn14423-2026-l{level}.yaml"]
    assert len(template.sections) == groups
    assert level != 3 or len(template.all_items()) >= 70


@pytest.mark.parametrize("level", range(1, 6))
def test_tcvn_every_reference_is_inside_its_groups_clause(shipped, level):
    template = shipped[f"tcvn14423/tcvn14423-2026-l{level}.yaml"]
    present = {int(section.code[1:]) for section in template.sections}
    assert present == {g for g, clauses in GROUP_CLAUSES.items() if clauses[level - 1]}
    for section in template.sections:
        clause = GROUP_CLAUSES[int(section.code[1:])][level - 1]
        for item in section.items:
            assert item.code.startswith(f"{section.code}.")
            refs = re.split(r",\s*(?=\d)", item.reference.removeprefix("TCVN 14423:2026 "))
            assert item.reference.startswith("TCVN 14423:2026 "), item.code
            for ref in refs:
                assert ref == clause or ref.startswith((f"{clause}.", f"{clause} ")), (item.code, ref)


THRESHOLDS = [  # (item, {level: text that must appear, None = item absent at that level})
    ("G06.03", {1: "1 lần/năm", 2: "1 lần/năm", 3: "1 lần/6 tháng", 4: "1 lần/quý", 5: "1 lần/tháng"}),
    ("G02.04", {1: "1 lần/năm", 2: "1 lần/năm", 3: "1 lần/6 tháng", 4: "1 lần/quý", 5: "1 lần/tháng"}),
    ("G04.04", {1: "1 lần/năm", 2: "1 lần/năm", 3: "1 lần/6 tháng", 4: "1 lần/quý", 5: "1 lần/tháng"}),
    (
        "G07.03",
        {
            1: "1 lần/năm",
            2: "1 lần/năm",
            3: "1 lần/6 tháng",
            4: "quan trọng ít nhất 1 lần/quý",
            5: "quan trọng ít nhất 1 lần/tháng",
        },
    ),
    ("G07.04", dict.fromkeys(range(1, 6), "1 lần/tháng")),
    ("G08.05", {1: "1 lần/năm", 2: "1 lần/năm", 3: "1 lần/6 tháng", 4: "1 lần/tháng", 5: "1 lần/tháng"}),
    (
        "G08.04",
        {1: None, 2: "tối thiểu 1 tháng", 3: "tối thiểu 3 tháng", 4: "tối thiểu 6 tháng", 5: "tối thiểu 12 tháng"},
    ),
    ("G11.07", {1: "định kỳ", 2: "định kỳ", 3: "định kỳ", 4: "1 lần/6 tháng", 5: "1 lần/quý"}),
    ("G06.07", dict.fromkeys(range(1, 6), "45 ngày")),
    ("G06.09", dict.fromkeys(range(1, 6), "xác thực đa yếu tố")),
    ("G01.02", {1: "1 lần/năm", 2: "1 lần/năm", 3: "1 lần/năm", 4: "1 lần/năm", 5: "1 lần/6 tháng"}),
    ("G01.04", {1: None, 2: None, 3: "1 lần/năm", 4: "1 lần/6 tháng", 5: "1 lần/6 tháng"}),
    ("G13.02", {3: None, 4: "24/7", 5: "24/7"}),
    ("G16.07", {1: None, 2: None, 3: "định kỳ", 4: "1 lần/năm", 5: "1 lần/năm"}),
    ("G17.07", {3: None, 4: "1 lần/quý", 5: "1 lần/tháng"}),
    ("G18.03", {3: None, 4: "1 lần/năm", 5: "1 lần/6 tháng"}),
    ("G18.04", {3: None, 4: "1 lần/năm", 5: "1 lần/6 tháng"}),
    ("G12.17", {4: None, 5: "30 km"}),
    ("G12.04", {1: None, 2: "DMZ", 3: "vùng quản trị", 4: "vùng quản trị thiết bị hệ thống"}),
]


@pytest.mark.parametrize(("code", "expected"), THRESHOLDS)
def test_tcvn_quantitative_thresholds_by_level(shipped, code, expected):
    for level, fragment in expected.items():
        items = items_by_code(shipped[f"tcvn14423/tcvn14423-2026-l{level}.yaml"])
        if fragment is None:
            assert code not in items, (code, level)
        else:
            assert fragment in items[code].text, (code, level, items[code].text)


@pytest.mark.parametrize(
    ("level", "first_required"),
    [
        (1, ["VPN", "IPS", "DNS filtering"]),
        (2, ["WAF"]),
        (3, ["SIEM", "EDR", "3-2-1", "NAC", "DBF"]),
        (4, ["PAM", "DMARC", "ZTNA", "data diode", "SBOM"]),
        (5, ["Zero Trust", "AAA", "QoS", "HSM", "MDM"]),
    ],
)
def test_tcvn_technologies_appear_from_their_first_level(shipped, level, first_required):
    def text_at(n):
        return " ".join(i.text for i in shipped[f"tcvn14423/tcvn14423-2026-l{n}.yaml"].all_items())

    for technology in first_required:
        assert technology in text_at(level), (technology, level)
        assert all(technology in text_at(n) for n in range(level, 6)), technology
        if level > 1:
            assert technology not in text_at(level - 1), (technology, level - 1)


def test_tcvn_dlp_is_a_plan_at_level_3_and_a_deployed_solution_from_level_4(shipped):
    by_level = {n: items_by_code(shipped[f"tcvn14423/tcvn14423-2026-l{n}.yaml"]) for n in range(1, 6)}
    assert "G12.15" in by_level[3] and "phương án" in by_level[3]["G12.15"].text
    assert "G04.13" not in by_level[3] and all("DLP" in by_level[n]["G04.13"].text for n in (4, 5))
    assert not any("DLP" in item.text for n in (1, 2) for item in by_level[n].values())


def test_tcvn_files_say_they_are_paraphrases(shipped):
    for n in range(1, 6):
        source = shipped[f"tcvn14423/tcvn14423-2026-l{n}.yaml"].source
        assert "PARAPHRASE" in source and "verify" in source and f"§{n + 2}" in source


# ---------------------------------------------------------------- pre-operation (§7.C)


def test_pre_operation_checklist_groups_and_level_conditions(shipped):
    template = shipped["pre_operation/pre-operation-d331.yaml"]
    assert [s.code for s in template.sections] == ["PO.LEGAL", "PO.ORG", "PO.TECH", "PO.TEST", "PO.RESP"]
    for section in template.sections:
        assert all(item.code.startswith(f"{section.code}.") for item in section.items)
    items = items_by_code(template)
    assert "cấp độ 3 trở lên" in items["PO.LEGAL.01"].text
    assert "không được kết luận “đủ điều kiện có điều kiện”" in items["PO.LEGAL.01"].guidance
    assert "cấp độ 4 trở lên" in items["PO.TEST.03"].text  # pentest before go-live
    assert "cấp độ 3 trở lên" in items["PO.TEST.02"].text  # code review
    assert "dữ liệu cá nhân" in items["PO.LEGAL.04"].text  # DPIA


# ---------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("fixture", "field", "message"),
    [
        ("duplicate_item_code.yaml", "sections[0].items[1].code", "duplicate item code 'M.1.1.1'"),
        ("missing_text.yaml", "sections[0].items[1].text", "Field required"),
        ("unknown_key.yaml", "sections[0].items[1].guidence", "unknown field"),
        ("level_6.yaml", "level", "less than or equal to 5"),
    ],
)
def test_invalid_files_are_rejected_at_the_exact_path(fixture, field, message):
    error = errors_of(fixture)
    assert error.code == "invalid_template"
    assert [d["field"] for d in error.details] == [field]
    assert message in error.details[0]["message"]


def test_yaml_syntax_error_reports_line_and_column():
    error = errors_of("yaml_syntax_error.yaml")
    assert error.details[0]["field"] == ""
    assert "YAML syntax error at line 5, column 3" in error.details[0]["message"]


def test_json_array_at_the_top_level_is_rejected():
    error = errors_of("top_level_array.json")
    assert error.details == [{"field": "", "message": "the top level must be a mapping (object), got a list"}]


def test_python_tags_are_refused_never_executed():
    error = errors_of("python_tag.yaml")
    assert UNSAFE_CALLS == []
    assert "python/object/apply" in error.details[0]["message"]


def test_yaml_is_read_with_the_strict_safe_loader(monkeypatch):
    """Through the one policy-file loader (a SafeLoader: python/* tags are never constructed), aliases refused."""
    calls = []
    real_compose = policy_files.compose
    monkeypatch.setattr(policy_files, "compose", lambda text, **kw: calls.append(kw) or real_compose(text, **kw))
    parse_template((FIXTURES / "valid_minimal.yaml").read_bytes(), "yaml")
    assert calls == [{"aliases": False}]
    assert issubclass(policy_files.NoAliasLoader, yaml.SafeLoader)
    for module in (parser, policy_files):
        source = Path(module.__file__).read_text(encoding="utf-8")
        for unsafe in ("yaml.load(", "unsafe_load", "full_load", "UnsafeLoader", "FullLoader", "yaml.Loader"):
            assert unsafe not in source


@pytest.mark.parametrize(
    ("fixture", "fragment"),
    [("yaml_alias.yaml", "aliases are not allowed"), ("duplicate_key.yaml", "duplicate key 'title' at line 5")],
)
def test_aliases_and_repeated_keys_are_rejected(fixture, fragment):
    assert fragment in errors_of(fixture).details[0]["message"]


def test_json_repeated_keys_and_syntax_errors_are_rejected():
    assert "duplicate key 'code'" in errors_of_text('{"code": "a", "code": "b"}', "json").details[0]["message"]
    assert "line 2, column" in errors_of_text('{\n  "code": }', "json").details[0]["message"]


def test_size_cap_is_checked_before_parsing():
    assert DEFAULT_MAX_BYTES == 5 * 1024 * 1024
    error = errors_of_text("x" * 11, "yaml", max_bytes=10)
    assert error.code == "file_too_large"
    big = (FIXTURES / "valid_minimal.yaml").read_bytes()
    assert parse_template(big, "yaml", max_bytes=len(big)).code == "fixture-l3"


def test_types_are_strict_and_every_problem_is_reported():
    data = yaml.safe_load((FIXTURES / "valid_minimal.yaml").read_text(encoding="utf-8"))
    data["level"] = "3"
    data["regime"] = "decree_86_2015"
    data["sections"][0]["items"] = []
    error = errors_of_text(json.dumps(data), "json")
    assert sorted(d["field"] for d in error.details) == ["level", "regime", "sections[0].items"]
    assert all(set(d) == {"field", "message"} for d in error.details)


def test_empty_and_non_utf8_files_are_rejected():
    assert "empty document" in errors_of_text("", "yaml").details[0]["message"]
    assert "not valid UTF-8" in errors_of_text(b"code: \xff\xfe", "yaml").details[0]["message"]


def test_json_round_trip_of_a_shipped_file(shipped):
    template = shipped["tcvn14423/tcvn14423-2026-l3.yaml"]
    again = parse_template(json.dumps(template.model_dump(), ensure_ascii=False), "json")
    assert again == template


def test_a_bad_shipped_file_names_itself(tmp_path):
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "broken.yaml").write_bytes((FIXTURES / "level_6.yaml").read_bytes())
    with pytest.raises(TemplateFileError) as caught:
        shipped_templates(tmp_path)
    assert caught.value.message.startswith("nested/broken.yaml: ")
    assert caught.value.details[0]["field"] == "level"


# ---------------------------------------------------------------- published JSON schema


def test_the_published_schema_describes_the_format():
    kind = next(k for k in policy_files.kinds() if k.name == "checklist-template")
    schema = json.loads(policy_files.schema_text(kind))
    assert schema["title"] == ChecklistTemplateFile.__name__ and schema["additionalProperties"] is False
    assert set(schema["required"]) >= {"schema_version", "code", "title", "regime", "level", "kind", "sections"}
