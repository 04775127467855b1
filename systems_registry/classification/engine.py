"""Security-level classification: evaluates a regime's policy file against a system's inputs.

Pure functions, no Django: every legal rule lives in systems_registry/policies/classification/*.yaml,
and this module only knows how to read conditions, rank levels and explain the result.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from core import policy_files

from .schemas import (
    DERIVED_FIELDS,
    REGIMES,
    ClassificationInputs,
    ClassificationPolicy,
    ClassificationResult,
    Condition,
    Criterion,
    DefaultReason,
    Reason,
)

POLICY_DIR = Path(__file__).resolve().parent.parent / "policies" / "classification"
PM_CRITERION = "pm_designated"
COMPOSITE_CRITERION = "composite.highest_part"
# Decree 331/2026/NĐ-CP is dated and effective 19/8/2026 (domain.md §1).
DECREE_331_IN_FORCE = datetime.date(2026, 8, 19)


class PolicyError(policy_files.PolicyFileError):
    """A classification policy file that cannot be used: core's error, each problem with the file, line and key
    (`broken.yaml: line 12: criteria.3.when.all.1.field: unknown input field`), as every other policy file."""

    @property
    def paths(self) -> list[str]:
        return self.keys


def parse_policy(text: str, source: str = "<string>") -> ClassificationPolicy:
    """Parse and validate policy YAML with core's strict loader; raise PolicyError naming every problem."""
    return _validated(_read(text, source))


def _read(text: str, source: str) -> policy_files.Document:
    try:
        return policy_files.read(text, source)
    except policy_files.PolicyFileError as exc:
        raise PolicyError(exc.source, exc.problems) from None


def _validated(document: policy_files.Document) -> ClassificationPolicy:
    try:
        return policy_files.validate(document, ClassificationPolicy)
    except policy_files.PolicyFileError as exc:
        raise PolicyError(exc.source, exc.problems) from None


def load_policy_file(path: Path | str, regime: str | None = None) -> ClassificationPolicy:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problem = policy_files.Problem(None, "", f"cannot read the policy file: {exc.strerror}")
        raise PolicyError(path.name, [problem]) from None
    document = _read(text, path.name)
    policy = _validated(document)
    if regime is not None and policy.regime != regime:
        wrong = document.error(("regime",), f"is {policy.regime!r}, but the file is for {regime!r}")
        raise PolicyError(wrong.source, wrong.problems)
    return policy


def _check_regime(regime: str) -> None:
    if regime not in REGIMES:
        raise ValueError(f"unknown regime {regime!r}; expected one of {REGIMES}")


@functools.cache
def load_policy(regime: str) -> ClassificationPolicy:
    """The policy for a regime code, read once from systems_registry/policies/classification/<regime>.yaml."""
    _check_regime(regime)
    return load_policy_file(POLICY_DIR / f"{regime}.yaml", regime)


def regime_in_force(on: datetime.date) -> str:
    """The regime whose criteria apply to a classification made on the given date."""
    if isinstance(on, datetime.datetime):
        on = on.date()
    return "decree_331_2026" if on >= DECREE_331_IN_FORCE else "decree_85_2016"


def facts(inputs: ClassificationInputs) -> dict[str, Any]:
    """What conditions can read: the inputs plus the derived fields (DERIVED_FIELDS)."""
    values = inputs.model_dump()
    for name, derived in DERIVED_FIELDS.items():
        values[name] = derived.compute(inputs)
    return values


def _holds(condition: Condition, values: Mapping[str, Any]) -> bool:
    if condition.all is not None:
        return all(_holds(part, values) for part in condition.all)
    if condition.any is not None:
        return any(_holds(part, values) for part in condition.any)
    if condition.not_ is not None:
        return not _holds(condition.not_, values)
    actual, op, expected = values[condition.field], condition.op, condition.value
    if op == "eq":
        return actual == expected
    if op == "ne":
        return actual != expected
    if op == "in":
        return actual in expected
    if op == "not_in":
        return actual not in expected
    if op == "gt":
        return actual > expected
    if op == "gte":
        return actual >= expected
    if op == "lt":
        return actual < expected
    if op == "lte":
        return actual <= expected
    if op == "is_true":
        return actual is True
    if op == "is_false":
        return actual is False
    if op == "contains":
        return expected in actual
    if op == "subset_of":
        return set(actual) <= set(expected)
    if op == "intersects":
        return bool(set(actual) & set(expected))
    raise AssertionError(f"unhandled op {op!r}")  # the schema's Op literal and this list must agree


def _reason(criterion: Criterion | DefaultReason) -> Reason:
    cid = criterion.id if isinstance(criterion, Criterion) else criterion.criterion
    return Reason(
        criterion=cid,
        level=criterion.level,
        text=criterion.text,
        text_vi=criterion.text_vi,
        article=criterion.article,
    )


def matching_criteria(policy: ClassificationPolicy, inputs: ClassificationInputs) -> list[Criterion]:
    """Every criterion the inputs meet, highest level first, then by id."""
    values = facts(inputs)
    return sorted((c for c in policy.criteria if _holds(c.when, values)), key=lambda c: (-c.level, c.id))


def classify(inputs: ClassificationInputs | Mapping[str, Any], regime: str) -> ClassificationResult:
    """The security level under `regime`, with every criterion that led to it.

    A system meeting criteria of several levels takes the highest (Decree 85 Art. 5; Decree 331 Art. 8.2).
    A pm_designated_level (a Prime Minister's decision, or a risk assessment's result) can only raise the level
    (Decree 331 Arts. 8.2, 10.5): above the criteria it sets the level and its reason comes first; below them it is
    recorded with a reason saying it did not lower the level.
    """
    policy = load_policy(regime)
    if not isinstance(inputs, ClassificationInputs):
        inputs = ClassificationInputs.model_validate(inputs)
    matched = matching_criteria(policy, inputs)
    reasons = [_reason(c) for c in matched] if matched else [_reason(policy.default)]
    computed = matched[0].level if matched else policy.default.level
    level = computed
    designated = inputs.pm_designated_level
    if designated is not None:
        pm = policy.pm_designated
        values = {"level": designated, "computed": computed}
        raises = designated >= computed
        reason = Reason(
            criterion=PM_CRITERION,
            level=designated,
            text=(pm.text if raises else pm.not_lowered_text).format(**values),
            text_vi=(pm.text_vi if raises else pm.not_lowered_text_vi).format(**values),
            article=pm.articles[designated],
        )
        if raises:
            reasons.insert(0, reason)
            level = designated
        else:
            reasons.append(reason)
    return ClassificationResult(level=level, regime=policy.regime, policy_version=policy.version, reasons=reasons)


def combine_parts(own: ClassificationResult, parts: Iterable[tuple[str, ClassificationResult]]) -> ClassificationResult:
    """A composite system takes the highest level of itself and its parts (Decree 85 Art. 5.2; Decree 331 Art. 8.2).

    Each part above the system's own level adds a `composite.highest_part` reason naming the part,
    citing the composite's regime. A part may carry a level found under the other regime: a level
    determined under Decree 85 stays valid in the transition (Law 116 Art. 45; Decree 331 Art. 39).
    """
    composite = load_policy(own.regime).composite
    raising: list[Reason] = []
    for label, part in parts:
        if part.level > own.level:
            values = {"part": label, "level": part.level}
            raising.append(
                Reason(
                    criterion=COMPOSITE_CRITERION,
                    level=part.level,
                    text=composite.text.format(**values),
                    text_vi=composite.text_vi.format(**values),
                    article=composite.article,
                )
            )
    if not raising:
        return own
    raising.sort(key=lambda reason: -reason.level)  # stable: equal levels keep the parts' order
    return ClassificationResult(
        level=raising[0].level,
        regime=own.regime,
        policy_version=own.policy_version,
        reasons=raising + list(own.reasons),
    )
