"""A policy file is refused at load, naming the file, the line and the key, for each way it can be wrong; and
every policy file of the project goes through the same loader."""

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field

from core import policy_files


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    limit_days: int = Field(gt=0)


class Routing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: int
    steps: list[Step]


GOOD = """\
schema_version: 1
steps:
  - kind: appraise
    limit_days: 10
  - kind: approve
    limit_days: 5
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "routing.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads_into_its_model(tmp_path):
    policy = policy_files.load(_write(tmp_path, GOOD), Routing)
    assert [s.limit_days for s in policy.steps] == [10, 5]


def test_a_duplicate_key_is_refused_with_file_line_and_key(tmp_path):
    path = _write(tmp_path, GOOD.replace("    limit_days: 5\n", "    limit_days: 5\n    limit_days: 50\n"))
    with pytest.raises(policy_files.PolicyFileError) as caught:
        policy_files.load(path, Routing)
    assert str(caught.value) == "routing.yaml: line 7: duplicate key 'limit_days'"


def test_a_duplicate_top_level_key_is_refused(tmp_path):
    with pytest.raises(policy_files.PolicyFileError, match=r"^routing\.yaml: line 7: duplicate key 'schema_version'$"):
        policy_files.load(_write(tmp_path, GOOD + "schema_version: 2\n"), Routing)


def test_an_unknown_key_is_refused_with_file_line_and_key(tmp_path):
    path = _write(tmp_path, GOOD.replace("    limit_days: 10\n", "    limit_days: 10\n    limit_hours: 3\n"))
    with pytest.raises(policy_files.PolicyFileError) as caught:
        policy_files.load(path, Routing)
    assert str(caught.value) == "routing.yaml: line 5: steps.0.limit_hours: Extra inputs are not permitted"
    assert caught.value.keys == ["steps.0.limit_hours"]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("!!python/object/apply:os.system ['true']", "!!python/object/apply:os.system"),
        ("!!str 10", "!!str"),
        ("!!int 10", "!!int"),
        ("!days 10", "!days"),
    ],
)
def test_any_yaml_tag_is_refused_with_file_and_line(tmp_path, value, written):
    path = _write(tmp_path, GOOD.replace("limit_days: 10", f"limit_days: {value}"))
    with pytest.raises(policy_files.PolicyFileError) as caught:
        policy_files.load(path, Routing)
    assert str(caught.value) == f"routing.yaml: line 4: YAML tag '{written}' is not allowed"


def test_a_tag_on_a_mapping_is_refused_too(tmp_path):
    with pytest.raises(policy_files.PolicyFileError, match=r"^routing\.yaml: line 2: YAML tag '!!map'"):
        policy_files.load(_write(tmp_path, GOOD.replace("steps:\n", "steps: !!map\n")), Routing)


def test_an_out_of_range_value_is_refused_with_file_line_and_key(tmp_path):
    path = _write(tmp_path, GOOD.replace("limit_days: 5", "limit_days: 0"))
    with pytest.raises(policy_files.PolicyFileError) as caught:
        policy_files.load(path, Routing)
    assert str(caught.value) == "routing.yaml: line 6: steps.1.limit_days: Input should be greater than 0"


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path):
    with pytest.raises(policy_files.PolicyFileError, match=r"^routing\.yaml: line 1: a policy file must be a mapping"):
        policy_files.load(_write(tmp_path, "- just\n- a list\n"), Routing)


def test_every_project_policy_file_reads_through_the_one_loader():
    """No module reads YAML by itself: `yaml.` appears only in the loader."""
    root = Path(policy_files.__file__).resolve().parents[1]
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root)
        if rel.parts[0] in {".venv", "tests", "bench"} or rel == Path("core/policy_files.py"):
            continue
        text = path.read_text(encoding="utf-8")
        if "import yaml" in text:
            offenders.append(str(rel))
    assert offenders == []
