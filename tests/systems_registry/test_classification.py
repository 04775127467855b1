"""Security-level classification: every criterion of Decree 85/2016 and Decree 331/2026, at its boundaries.

Each table row states the exact set of criteria a system meets, so a row fails when a criterion starts or
stops matching; test_every_criterion_is_exercised fails when a policy gains a criterion no row covers.
"""

from __future__ import annotations

import copy
import datetime
import re
from typing import Any, NamedTuple

import pytest
import yaml
from pydantic import ValidationError

from systems_registry.classification import (
    REGIMES,
    ClassificationInputs,
    PolicyError,
    classify,
    combine_parts,
    facts,
    load_policy,
    load_policy_file,
    matching_criteria,
    parse_policy,
    regime_in_force,
)

D85, D331 = "decree_85_2016", "decree_331_2026"


def internal(*info: str, **fields: Any) -> dict:
    return {"system_type": "internal", "info_types": list(info), **fields}


def online(*info: str, **fields: Any) -> dict:
    return {"system_type": "public_service", "info_types": list(info), **fields}


def infra(scope: str, **fields: Any) -> dict:
    return {"system_type": "infrastructure", "infrastructure_scope": scope, **fields}


def ics(grade: str) -> dict:
    return {"system_type": "industrial_control", "ics_grade": grade}


def secret(harm: str) -> dict:
    return internal("state_secret", state_secret_harm=harm)


class Case(NamedTuple):
    name: str
    inputs: dict
    level: int
    criteria: set[str]  # exactly the criteria the system meets (or the default)


D85_CASES = [
    Case("l1_internal_public_only", internal("public"), 1, {"d85.l1.internal_public_only"}),
    Case("l1_default_nothing_declared", internal(), 1, {"d85.l1.default"}),
    Case(
        "l1_default_other_type_personal",
        {"system_type": "other", "info_types": ["personal"], "data_subjects": 50_000},
        1,
        {"d85.l1.default"},
    ),
    Case("l2_internal_private", internal("private"), 2, {"d85.l2.internal_private_or_personal"}),
    Case("l2_internal_public_and_personal", internal("public", "personal"), 2, {"d85.l2.internal_private_or_personal"}),
    Case("l2_internal_sensitive", internal("personal_sensitive"), 2, {"d85.l2.internal_private_or_personal"}),
    Case(
        "l2_internal_many_subjects_not_online",
        internal("personal", data_subjects=1_000_000),
        2,
        {"d85.l2.internal_private_or_personal"},
    ),
    Case(
        "l2_internal_admin_procedures_ignored",
        internal("personal", handles_administrative_procedures=True),
        2,
        {"d85.l2.internal_private_or_personal"},
    ),
    Case(
        "l2_online_psl2_9999_users",
        online("personal", public_service_level=2, data_subjects=9_999),
        2,
        {
            "d85.l2.online_public_service_level_1_2",
            "d85.l2.online_service_not_conditional",
            "d85.l2.online_service_under_10000_users",
        },
    ),
    Case(
        "l2_online_9999_basic_9999_sensitive",
        online("personal", data_subjects=9_999, sensitive_data_subjects=9_999),
        2,
        {"d85.l2.online_service_not_conditional", "d85.l2.online_service_under_10000_users"},
    ),
    Case(
        "l3_online_10000_basic_users",
        online("personal", data_subjects=10_000),
        3,
        {"d85.l3.online_service_10000_users", "d85.l2.online_service_not_conditional"},
    ),
    Case(
        "l3_online_10000_sensitive_users",
        online("personal_sensitive", sensitive_data_subjects=10_000),
        3,
        {"d85.l3.online_service_10000_users", "d85.l2.online_service_not_conditional"},
    ),
    Case("l2_online_public_info_psl0", online("public"), 2, {"d85.l2.online_service_not_conditional"}),
    Case(
        "l2_online_psl1",
        online("public", public_service_level=1),
        2,
        {"d85.l2.online_public_service_level_1_2", "d85.l2.online_service_not_conditional"},
    ),
    Case(
        "l3_online_psl3",
        online("public", public_service_level=3),
        3,
        {"d85.l3.online_public_service_level_3_plus", "d85.l2.online_service_not_conditional"},
    ),
    Case(
        "l3_online_psl4",
        online("public", public_service_level=4),
        3,
        {"d85.l3.online_public_service_level_3_plus", "d85.l2.online_service_not_conditional"},
    ),
    Case(
        "l3_online_conditional",
        online("personal", conditional_business_service=True, data_subjects=100),
        3,
        {"d85.l3.conditional_business_online_service", "d85.l2.online_service_under_10000_users"},
    ),
    Case(
        "l3_conditional_flag_on_other_type",
        {"system_type": "other", "conditional_business_service": True},
        3,
        {"d85.l3.conditional_business_online_service"},
    ),
    Case("l1_infra_none", infra("none"), 1, {"d85.l1.default"}),
    Case("l2_infra_single_org", infra("single_org"), 2, {"d85.l2.infrastructure_single_org"}),
    Case(
        "l3_infra_sector_or_province",
        infra("sector_or_province"),
        3,
        {"d85.l3.shared_infrastructure_sector_or_provinces"},
    ),
    Case("l3_infra_multi_province", infra("multi_province"), 3, {"d85.l3.shared_infrastructure_sector_or_provinces"}),
    Case(
        "l3_infra_sector_24x7_not_national",
        infra("sector_or_province", requires_24x7=True),
        3,
        {"d85.l3.shared_infrastructure_sector_or_provinces"},
    ),
    Case("l3_infra_national_without_24x7", infra("national"), 3, {"d85.l3.nationwide_infrastructure_without_24x7"}),
    Case("l4_infra_national_24x7", infra("national", requires_24x7=True), 4, {"d85.l4.nationwide_infrastructure_24x7"}),
    Case(
        "l4_national_e_gov_24x7",
        online("personal", national_e_government=True, requires_24x7=True, data_subjects=500),
        4,
        {
            "d85.l4.national_e_government_24x7",
            "d85.l2.online_service_not_conditional",
            "d85.l2.online_service_under_10000_users",
        },
    ),
    Case(
        "l2_national_e_gov_without_24x7",
        internal("personal", national_e_government=True),
        2,
        {"d85.l2.internal_private_or_personal"},
    ),
    Case(
        "l2_24x7_without_national_e_gov",
        internal("personal", requires_24x7=True),
        2,
        {"d85.l2.internal_private_or_personal"},
    ),
    Case("l1_ics_none", ics("none"), 1, {"d85.l1.default"}),
    Case("l3_ics_iv", ics("IV"), 3, {"d85.l3.ics_grade_ii_to_iv"}),
    Case("l3_ics_iii", ics("III"), 3, {"d85.l3.ics_grade_ii_to_iv"}),
    Case("l3_ics_ii", ics("II"), 3, {"d85.l3.ics_grade_ii_to_iv"}),
    Case("l4_ics_i", ics("I"), 4, {"d85.l4.ics_grade_i"}),
    Case("l5_ics_special", ics("special"), 5, {"d85.l5.ics_special_grade"}),
    Case("l3_state_secret_harm", secret("harm"), 3, {"d85.l3.state_secret_harm"}),
    Case("l4_state_secret_serious", secret("serious"), 4, {"d85.l4.state_secret_serious"}),
    Case(
        "l5_state_secret_especially_serious",
        secret("especially_serious"),
        5,
        {"d85.l5.state_secret_especially_serious"},
    ),
    Case(
        "l5_national_critical_data",
        {"system_type": "infrastructure", "stores_national_critical_data": True},
        5,
        {"d85.l5.national_critical_data"},
    ),
    Case(
        "l5_international_gateway",
        infra("national", requires_24x7=True, international_gateway=True),
        5,
        {"d85.l5.international_gateway", "d85.l4.nationwide_infrastructure_24x7"},
    ),
]

D331_CASES = [
    Case("l1_internal_public_only", internal("public"), 1, {"d331.l1.internal_public_only"}),
    Case("l1_default_nothing_declared", internal(), 1, {"d331.l1.default"}),
    Case(
        "l1_default_other_type_personal",
        {"system_type": "other", "info_types": ["personal"], "data_subjects": 500_000},
        1,
        {"d331.l1.default"},
    ),
    Case("l2_internal_private", internal("private"), 2, {"d331.l2.internal_private_or_personal"}),
    Case(
        "l2_internal_many_subjects_not_online",
        internal("personal", data_subjects=200_000),
        2,
        {"d331.l2.internal_private_or_personal"},
    ),
    Case(
        "l3_internal_admin_procedures",
        internal("personal", handles_administrative_procedures=True),
        3,
        {"d331.l3.administrative_procedures", "d331.l2.internal_private_or_personal"},
    ),
    Case(
        "l3_other_type_admin_procedures",
        {"system_type": "other", "handles_administrative_procedures": True},
        3,
        {"d331.l3.administrative_procedures"},
    ),
    Case(
        "l3_online_admin_procedures",
        online("personal", handles_administrative_procedures=True, data_subjects=50),
        3,
        {
            "d331.l3.administrative_procedures",
            "d331.l2.online_service_not_conditional",
            "d331.l2.online_service_below_thresholds",
        },
    ),
    Case(
        "l2_online_99999_basic_9999_sensitive",
        online("personal", data_subjects=99_999, sensitive_data_subjects=9_999),
        2,
        {"d331.l2.online_service_not_conditional", "d331.l2.online_service_below_thresholds"},
    ),
    Case(
        "l2_online_10000_basic_is_not_d85_threshold",
        online("personal", data_subjects=10_000),
        2,
        {"d331.l2.online_service_not_conditional", "d331.l2.online_service_below_thresholds"},
    ),
    Case(
        "l3_online_100000_basic",
        online("personal", data_subjects=100_000),
        3,
        {"d331.l3.online_service_100000_basic_subjects", "d331.l2.online_service_not_conditional"},
    ),
    Case(
        "l3_online_10000_sensitive",
        online("personal_sensitive", sensitive_data_subjects=10_000),
        3,
        {"d331.l3.online_service_10000_sensitive_subjects", "d331.l2.online_service_not_conditional"},
    ),
    Case(
        "l3_online_99999_basic_10000_sensitive",
        online("personal", data_subjects=99_999, sensitive_data_subjects=10_000),
        3,
        {"d331.l3.online_service_10000_sensitive_subjects", "d331.l2.online_service_not_conditional"},
    ),
    Case(
        "l2_online_legacy_psl4_ignored",
        online("public", public_service_level=4),
        2,
        {"d331.l2.online_service_not_conditional"},
    ),
    Case(
        "l3_online_conditional",
        online("personal", conditional_business_service=True, data_subjects=100),
        3,
        {"d331.l3.conditional_business_online_service", "d331.l2.online_service_below_thresholds"},
    ),
    Case(
        "l3_conditional_flag_on_other_type",
        {"system_type": "other", "conditional_business_service": True},
        3,
        {"d331.l3.conditional_business_online_service"},
    ),
    Case("l1_infra_none", infra("none"), 1, {"d331.l1.default"}),
    Case("l2_infra_single_org", infra("single_org"), 2, {"d331.l2.infrastructure_single_org"}),
    Case(
        "l3_infra_sector_or_province",
        infra("sector_or_province"),
        3,
        {"d331.l3.shared_infrastructure_ministry_sector_provinces"},
    ),
    Case(
        "l3_infra_multi_province_24x7",
        infra("multi_province", requires_24x7=True),
        3,
        {"d331.l3.shared_infrastructure_ministry_sector_provinces"},
    ),
    Case("l3_infra_national_without_24x7", infra("national"), 3, {"d331.l3.nationwide_infrastructure_without_24x7"}),
    Case("l4_infra_national_24x7", infra("national", requires_24x7=True), 4, {"d331.l4.national_system_24x7"}),
    Case(
        "l4_national_e_gov_24x7",
        internal("personal", national_e_government=True, requires_24x7=True),
        4,
        {"d331.l4.national_system_24x7", "d331.l2.internal_private_or_personal"},
    ),
    Case(
        "l2_national_e_gov_without_24x7",
        internal("personal", national_e_government=True),
        2,
        {"d331.l2.internal_private_or_personal"},
    ),
    Case(
        "l2_24x7_without_national_e_gov",
        internal("personal", requires_24x7=True),
        2,
        {"d331.l2.internal_private_or_personal"},
    ),
    Case("l1_ics_none", ics("none"), 1, {"d331.l1.default"}),
    Case("l3_ics_iv", ics("IV"), 3, {"d331.l3.ics_grade_ii_to_iv"}),
    Case("l3_ics_iii", ics("III"), 3, {"d331.l3.ics_grade_ii_to_iv"}),
    Case("l3_ics_ii", ics("II"), 3, {"d331.l3.ics_grade_ii_to_iv"}),
    Case("l4_ics_i", ics("I"), 4, {"d331.l4.ics_grade_i"}),
    Case("l5_ics_special", ics("special"), 5, {"d331.l5.ics_special_grade"}),
    Case("l3_state_secret_harm", secret("harm"), 3, {"d331.l3.state_secret_harm"}),
    Case("l4_state_secret_serious", secret("serious"), 4, {"d331.l4.state_secret_serious"}),
    Case(
        "l5_state_secret_especially_serious",
        secret("especially_serious"),
        5,
        {"d331.l5.state_secret_especially_serious"},
    ),
    Case(
        "l5_national_critical_data",
        {"system_type": "other", "stores_national_critical_data": True},
        5,
        {"d331.l5.national_critical_data"},
    ),
    Case(
        "l5_international_gateway",
        infra("national", international_gateway=True),
        5,
        {"d331.l5.international_gateway", "d331.l3.nationwide_infrastructure_without_24x7"},
    ),
]

CASES = {D85: D85_CASES, D331: D331_CASES}


@pytest.mark.parametrize(
    ("regime", "case"),
    [(regime, case) for regime, cases in CASES.items() for case in cases],
    ids=lambda value: value.name if isinstance(value, Case) else value,
)
def test_criteria_table(regime: str, case: Case) -> None:
    result = classify(case.inputs, regime)
    assert (result.level, {r.criterion for r in result.reasons}) == (case.level, case.criteria)
    assert result.regime == regime
    assert result.policy_version == load_policy(regime).version


@pytest.mark.parametrize("regime", REGIMES)
def test_every_criterion_is_exercised(regime: str) -> None:
    policy = load_policy(regime)
    defined = {c.id for c in policy.criteria} | {policy.default.criterion}
    covered = set().union(*(case.criteria for case in CASES[regime]))
    assert defined - covered == set(), "add a row to the table for each new criterion"
    assert covered - defined == set(), "the table names criteria the policy does not define"


@pytest.mark.parametrize("system_type", ["internal", "public_service", "infrastructure", "industrial_control", "other"])
def test_administrative_procedures_lift_any_system_type_under_331_only(system_type: str) -> None:
    inputs = {"system_type": system_type, "handles_administrative_procedures": True}
    new = classify(inputs, D331)
    assert new.level == 3 and "d331.l3.administrative_procedures" in {r.criterion for r in new.reasons}
    assert classify(inputs, D85).level < 3


def test_reasons_are_sorted_by_level_then_id_with_articles_and_texts() -> None:
    inputs = {
        "system_type": "industrial_control",
        "ics_grade": "II",
        "info_types": ["state_secret"],
        "state_secret_harm": "harm",
        "stores_national_critical_data": True,
    }
    result = classify(inputs, D85)
    assert result.level == 5
    assert [(r.criterion, r.level, r.article) for r in result.reasons] == [
        ("d85.l5.national_critical_data", 5, "Decree 85/2016 Art. 11.2"),
        ("d85.l3.ics_grade_ii_to_iv", 3, "Decree 85/2016 Art. 9.4"),
        ("d85.l3.state_secret_harm", 3, "Decree 85/2016 Art. 9.1"),
    ]
    assert "dữ liệu đặc biệt quan trọng của quốc gia" in result.reasons[0].text_vi
    assert "centralised storage" in result.reasons[0].text


@pytest.mark.parametrize(("regime", "article"), [(D85, "Decree 85/2016 Art. 7"), (D331, "Decree 331/2026 Art. 11")])
def test_default_reason_is_level_1_with_the_level_1_article(regime: str, article: str) -> None:
    result = classify(internal(), regime)
    assert result.level == 1
    [reason] = result.reasons
    assert (reason.criterion, reason.level, reason.article) == (load_policy(regime).default.criterion, 1, article)
    assert "only public information" in reason.text and "chỉ xử lý thông tin công cộng" in reason.text_vi


def test_pm_designation_raises_the_level_and_keeps_the_computed_reasons() -> None:
    result = classify(internal("personal", pm_designated_level=5), D85)
    assert result.level == 5
    pm, *computed = result.reasons
    assert (pm.criterion, pm.level, pm.article) == ("pm_designated", 5, "Decree 85/2016 Art. 11.5")
    assert "Level 5" in pm.text and "level 2" in pm.text and "Thủ tướng" in pm.text_vi
    assert [r.criterion for r in computed] == ["d85.l2.internal_private_or_personal"]


def test_pm_designation_below_the_criteria_is_recorded_but_does_not_lower_the_level() -> None:
    result = classify(infra("national", requires_24x7=True, pm_designated_level=2), D331)
    assert result.level == 4
    assert [(r.criterion, r.level) for r in result.reasons] == [
        ("d331.l4.national_system_24x7", 4),
        ("pm_designated", 2),
    ]
    pm = result.reasons[-1]
    assert pm.article == "Decree 331/2026 Art. 12.4"
    assert "can only raise" in pm.text and "stays 4" in pm.text
    assert "Cấp độ 2" in pm.text_vi and "vẫn ở cấp độ 4" in pm.text_vi


def test_decree_85_allows_only_a_level_5_designation_in_its_policy() -> None:
    assert load_policy(D85).pm_designated.allowed_levels == [5]
    assert load_policy(D331).pm_designated.allowed_levels == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("level", "article"), [(1, "Art. 11.2"), (2, "Art. 12.4"), (3, "Art. 13.5"), (4, "Art. 14.4"), (5, "Art. 15.5")]
)
def test_pm_designation_cites_the_decree_331_article_of_its_level(level: int, article: str) -> None:
    result = classify(internal(pm_designated_level=level), D331)
    assert result.level == level
    assert [r.criterion for r in result.reasons] == ["pm_designated", "d331.l1.default"]
    assert result.reasons[0].article == f"Decree 331/2026 {article}"


def test_pm_designation_equal_to_computed_level_is_still_recorded() -> None:
    result = classify(ics("I") | {"pm_designated_level": 4}, D85)
    assert result.level == 4 and [r.criterion for r in result.reasons] == ["pm_designated", "d85.l4.ics_grade_i"]


@pytest.mark.parametrize(("regime", "article"), [(D85, "Decree 85/2016 Art. 5.2"), (D331, "Decree 331/2026 Art. 8.2")])
def test_composite_takes_the_highest_level_of_its_parts(regime: str, article: str) -> None:
    own = classify(internal("personal"), regime)
    db, portal, printer = classify(ics("II"), regime), classify(ics("I"), regime), classify(internal("public"), regime)
    combined = combine_parts(own, [("Shared DB", db), ("Citizen portal", portal), ("Printer", printer)])
    assert combined.level == 4 and combined.regime == regime
    first, second, *rest = combined.reasons
    assert (first.criterion, first.level, first.article) == ("composite.highest_part", 4, article)
    assert "Citizen portal" in first.text and "Citizen portal" in first.text_vi
    assert (second.level, "Shared DB" in second.text) == (3, True)
    assert rest == own.reasons


def test_composite_keeps_its_own_result_when_no_part_is_higher() -> None:
    own = classify(ics("I"), D331)
    assert combine_parts(own, [("sensor", classify(ics("II"), D331)), ("twin", classify(ics("I"), D331))]) == own
    assert combine_parts(own, []) == own


def test_composite_part_above_a_lowering_pm_designation_still_wins() -> None:
    own = classify(internal("personal", pm_designated_level=1), D331)
    combined = combine_parts(own, [("gateway", classify(infra("national", international_gateway=True), D331))])
    assert combined.level == 5 and combined.reasons[0].criterion == "composite.highest_part"


def test_composite_counts_a_part_classified_under_the_old_regime() -> None:
    combined = combine_parts(classify(internal(), D331), [("legacy SCADA", classify(ics("I"), D85))])
    assert (combined.level, combined.regime, combined.policy_version) == (4, D331, "2026.1")
    assert combined.reasons[0].article == "Decree 331/2026 Art. 8.2"


def test_personal_data_subjects_is_derived_as_the_larger_count() -> None:
    values = facts(ClassificationInputs.model_validate(online("personal", data_subjects=7, sensitive_data_subjects=12)))
    assert values["personal_data_subjects"] == 12


def test_classify_accepts_a_model_or_a_dict_alike() -> None:
    data = online("personal", data_subjects=20_000)
    assert classify(ClassificationInputs.model_validate(data), D85) == classify(data, D85)


@pytest.mark.parametrize(
    ("data", "loc", "fragment"),
    [
        (internal("state_secret"), ("state_secret_harm",), "info_types contains 'state_secret'"),
        (internal("private", state_secret_harm="harm"), ("state_secret_harm",), "does not contain 'state_secret'"),
        ({"system_type": "mainframe"}, ("system_type",), "internal"),
        (internal("top_secret"), ("info_types", 0), "state_secret"),
        (internal("personal", "personal"), ("info_types",), "more than once"),
        (ics("V"), ("ics_grade",), "special"),
        (infra("district"), ("infrastructure_scope",), "national"),
        (internal(state_secret_harm="catastrophic"), ("state_secret_harm",), "especially_serious"),
        (internal(level=3), ("level",), "Extra inputs"),
        (internal(data_subjects=-1), ("data_subjects",), "greater than or equal to 0"),
        (online(public_service_level=5), ("public_service_level",), "less than or equal to 4"),
        (internal(pm_designated_level=0), ("pm_designated_level",), "greater than or equal to 1"),
        (internal(pm_designated_level=6), ("pm_designated_level",), "less than or equal to 5"),
        (internal(requires_24x7="yes"), ("requires_24x7",), "boolean"),
        ({"info_types": []}, ("system_type",), "required"),
    ],
)
def test_invalid_inputs_are_rejected_naming_the_field(data: dict, loc: tuple, fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        classify(data, D331)
    errors = caught.value.errors()
    assert [e["loc"] for e in errors] == [loc]
    assert fragment in errors[0]["msg"]


def test_regimes_and_the_regime_in_force() -> None:
    assert REGIMES == [D85, D331]
    assert regime_in_force(datetime.date(2026, 8, 18)) == D85
    assert regime_in_force(datetime.date(2026, 8, 19)) == D331
    assert regime_in_force(datetime.datetime(2016, 7, 1, 9, 0, tzinfo=datetime.UTC)) == D85
    with pytest.raises(ValueError, match="unknown regime"):
        classify(internal(), "decree_1_2000")


@pytest.mark.parametrize("regime", REGIMES)
def test_shipped_policies_load_once_and_cite_their_own_decree(regime: str) -> None:
    policy = load_policy(regime)
    assert load_policy(regime) is policy and policy.regime == regime and policy.schema_version == 1
    decree = {D85: "Decree 85/2016 Art. ", D331: "Decree 331/2026 Art. "}[regime]
    articles = [c.article for c in policy.criteria] + [policy.default.article, policy.composite.article]
    assert all(a.startswith(decree) for a in articles + list(policy.pm_designated.articles.values()))


# ---- malformed policies ----

LEAF = {"field": "system_type", "op": "eq", "value": "internal"}


def criterion(level: int, when: dict) -> dict:
    return {
        "id": f"t.l{level}.c{level}",
        "level": level,
        "article": "Art. X",
        "text": "T",
        "text_vi": "V",
        "when": when,
    }


CRITERION_1 = criterion(1, LEAF)


def minimal_policy() -> dict:

    return {
        "schema_version": 1,
        "regime": D85,
        "version": "2016.9",
        "title": "test",
        "default": {"criterion": "t.l1.default", "level": 1, "article": "Art. 7", "text": "T", "text_vi": "V"},
        "pm_designated": {
            "text": "{level} {computed}",
            "text_vi": "{level}",
            "not_lowered_text": "{level} {computed}",
            "not_lowered_text_vi": "{computed}",
            "allowed_levels": [5],
            "articles": {n: f"Art. {n}" for n in range(1, 6)},
        },
        "composite": {"article": "Art. 5", "text": "{part} {level}", "text_vi": "{part}"},
        "criteria": [
            criterion(1, LEAF),
            criterion(2, LEAF),
            criterion(3, LEAF),
            criterion(4, {"all": [LEAF, {"field": "requires_24x7", "op": "is_true"}]}),
        ],
    }


def dump(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_minimal_policy_parses() -> None:
    assert [c.id for c in parse_policy(dump(minimal_policy())).criteria] == ["t.l1.c1", "t.l2.c2", "t.l3.c3", "t.l4.c4"]


def _set(path: str, value: Any):
    """A mutation of minimal_policy(): set (or, with value KeyError, delete) the item at a/b/0/c."""

    def key(node: Any, part: str) -> Any:
        return int(part) if isinstance(node, list) or (part.isdigit() and part not in node) else part

    def mutate(data: dict) -> None:
        *parents, last = path.split("/")
        node = data
        for part in parents:
            node = node[key(node, part)]
        if value is KeyError:
            del node[key(node, last)]
        else:
            node[key(node, last)] = value

    return mutate


@pytest.mark.parametrize(
    ("mutate", "path", "fragment"),
    [
        (_set("criteria/3/when/all/1/field", "no_such_field"), "criteria[3].when.all[1].field", "unknown input field"),
        (_set("criteria/3/when/all/1/op", "gte"), "criteria[3].when.all[1].op", "does not fit requires_24x7 (bool)"),
        (_set("criteria/0/level", 6), "criteria[0].level", "less than or equal to 5"),
        (_set("criteria/3/when/all/1/fieldz", "x"), "criteria[3].when.all[1].fieldz", "Extra inputs"),
        (
            _set("criteria/3/when/all/0/value", "mainframe"),
            "criteria[3].when.all[0].value",
            "not a valid value for system_type",
        ),
        (_set("criteria/3/when/all/1/value", True), "criteria[3].when.all[1].value", "takes no value"),
        (
            _set("criteria/2/when", {"field": "pm_designated_level", "op": "eq", "value": 5}),
            "criteria[2].when.field",
            "override",
        ),
        (_set("criteria/2/when", {"all": [LEAF], **LEAF}), "criteria[2].when", "exactly one of"),
        (
            _set("criteria/2/when", {"not": {"field": "info_types", "op": "gte", "value": 3}}),
            "criteria[2].when.not.op",
            "does not fit",
        ),
        (
            _set("criteria/2/when", {"field": "info_types", "op": "subset_of", "value": []}),
            "criteria[2].when.value",
            "non-empty list",
        ),
        (
            _set("criteria/2/when", {"field": "data_subjects", "op": "lt", "value": "10000"}),
            "criteria[2].when.value",
            "an integer",
        ),
        (_set("criteria/2/when", {"field": "data_subjects", "op": "lt"}), "criteria[2].when.value", "needs a value"),
        (_set("criteria/2/when", {"field": "data_subjects"}), "criteria[2].when.op", "needs an op"),
        (_set("criteria/0/when", {"all": []}), "criteria[0].when.all", "at least 1 item"),
        (
            _set("criteria/1", {**CRITERION_1, "text": "copy"}),
            "criteria",
            "criteria[1].id 't.l1.c1' repeats criteria[0].id",
        ),
        (_set("criteria/1/level", 3), "criteria[1].level", "does not match the level in id"),
        (_set("pm_designated/articles/5", KeyError), "pm_designated.articles", "missing [5]"),
        (_set("pm_designated/text", "{lvl}"), "pm_designated.text", "unknown placeholder"),
        (_set("composite/text_vi", "{computed}"), "composite.text_vi", "unknown placeholder"),
        (_set("schema_version", 2), "schema_version", "1"),
        (_set("regime", "decree_1_2000"), "regime", "decree_331_2026"),
        (_set("criteria", []), "criteria", "at least 1 item"),
    ],
)
def test_malformed_policy_names_the_path(mutate, path: str, fragment: str) -> None:
    data = copy.deepcopy(minimal_policy())
    mutate(data)
    key = re.sub(r"\[(\d+)\]", r".\1", path)  # core's key path: criteria.3.when.all.1.field
    with pytest.raises(PolicyError) as caught:
        parse_policy(dump(data), source="broken.yaml")
    assert key in caught.value.paths
    [problem] = [p for p in caught.value.problems if p.key == key]
    assert fragment in problem.message
    assert problem.line is not None  # the file's line, as for every policy file
    assert f"broken.yaml: line {problem.line}: {key}: " in str(caught.value)


@pytest.mark.parametrize(
    ("text", "path", "fragment"),
    [
        ("schema_version: 1\nschema_version: 1\n", "<root>", "duplicate key 'schema_version'"),
        ("criteria: [\n", "line 2, column 1", "expected"),
        ("- just a list\n", "<root>", "must be a mapping"),
    ],
)
def test_unreadable_policy_yaml(text: str, path: str, fragment: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text)
    [problem] = caught.value.problems
    assert fragment in problem.message
    assert f"line {problem.line}" == path.split(",")[0] if path.startswith("line") else problem.line is not None


def test_policy_file_errors_name_the_file(tmp_path) -> None:
    wrong_regime = tmp_path / "decree_331_2026.yaml"
    wrong_regime.write_text(dump(minimal_policy()), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"^decree_331_2026\.yaml: line \d+: regime: is 'decree_85_2016'"):
        load_policy_file(wrong_regime, D331)
    broken = tmp_path / "broken.yaml"
    data = minimal_policy()
    data["criteria"][3]["when"]["all"][1]["field"] = "nope"
    broken.write_text(dump(data), encoding="utf-8")
    with pytest.raises(
        PolicyError, match=r"^broken\.yaml: line \d+: criteria\.3\.when\.all\.1\.field: unknown input field"
    ):
        load_policy_file(broken)


@pytest.mark.parametrize(
    ("when", "inputs", "expected"),
    [
        ({"field": "data_subjects", "op": "ne", "value": 5}, {"data_subjects": 5}, False),
        ({"field": "data_subjects", "op": "ne", "value": 5}, {"data_subjects": 6}, True),
        ({"field": "data_subjects", "op": "gt", "value": 5}, {"data_subjects": 5}, False),
        ({"field": "data_subjects", "op": "gt", "value": 5}, {"data_subjects": 6}, True),
        ({"field": "data_subjects", "op": "lte", "value": 5}, {"data_subjects": 5}, True),
        ({"field": "data_subjects", "op": "lte", "value": 5}, {"data_subjects": 6}, False),
        ({"field": "ics_grade", "op": "not_in", "value": ["I", "special"]}, {"ics_grade": "II"}, True),
        ({"field": "ics_grade", "op": "not_in", "value": ["I", "special"]}, {"ics_grade": "I"}, False),
        ({"field": "requires_24x7", "op": "eq", "value": True}, {"requires_24x7": False}, False),
        ({"field": "info_types", "op": "intersects", "value": ["private"]}, {"info_types": ["public"]}, False),
        ({"field": "info_types", "op": "subset_of", "value": ["public"]}, {"info_types": ["public", "private"]}, False),
        ({"any": [{"field": "requires_24x7", "op": "is_true"}, LEAF]}, {"system_type": "internal"}, True),
        ({"any": [{"field": "requires_24x7", "op": "is_true"}, LEAF]}, {}, False),
        ({"not": LEAF}, {"system_type": "internal"}, False),
    ],
)
def test_condition_operators(when: dict, inputs: dict, expected: bool) -> None:
    data = minimal_policy()
    data["criteria"] = [{"id": "t.l2.x", "level": 2, "article": "A", "text": "T", "text_vi": "V", "when": when}]
    policy = parse_policy(dump(data))
    matched = matching_criteria(policy, ClassificationInputs.model_validate({"system_type": "other", **inputs}))
    assert bool(matched) is expected
