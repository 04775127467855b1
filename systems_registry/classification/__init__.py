"""Security-level classification of information systems under Decree 85/2016 and Decree 331/2026.

    from systems_registry.classification import classify, combine_parts, regime_in_force
    result = classify({"system_type": "internal", "info_types": ["personal"]}, "decree_331_2026")
    result.level, [r.criterion for r in result.reasons]

The criteria are data: systems_registry/policies/classification/<regime>.yaml, validated against
ClassificationPolicy (JSON Schema: docs/schemas/classification-policy.schema.json).
"""

from .engine import (
    COMPOSITE_CRITERION,
    DECREE_331_IN_FORCE,
    PM_CRITERION,
    POLICY_DIR,
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
from .schemas import (
    DERIVED_FIELDS,
    ICS_GRADES,
    INFO_TYPES,
    INFRASTRUCTURE_SCOPES,
    REGIMES,
    STATE_SECRET_HARMS,
    SYSTEM_TYPES,
    ClassificationInputs,
    ClassificationPolicy,
    ClassificationResult,
    Reason,
)

__all__ = [
    "COMPOSITE_CRITERION",
    "DECREE_331_IN_FORCE",
    "DERIVED_FIELDS",
    "ICS_GRADES",
    "INFO_TYPES",
    "INFRASTRUCTURE_SCOPES",
    "PM_CRITERION",
    "POLICY_DIR",
    "REGIMES",
    "STATE_SECRET_HARMS",
    "SYSTEM_TYPES",
    "ClassificationInputs",
    "ClassificationPolicy",
    "ClassificationResult",
    "PolicyError",
    "Reason",
    "classify",
    "combine_parts",
    "facts",
    "load_policy",
    "load_policy_file",
    "matching_criteria",
    "parse_policy",
    "regime_in_force",
]
