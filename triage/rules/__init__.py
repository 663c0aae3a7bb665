"""The deterministic outcome rules engine (issue 5).

``load_rules()`` reads criteria_index/rules/qic-2023.yaml; ``evaluate(inputs, index, rules)`` turns
a :class:`RulesInput` into a :class:`triage.records.Assessment` with a trace citing the Guide.
"""

from triage.rules.engine import (
    GATSBY_STATUSES,
    OUTCOME_LABELS,
    OVERALL_LABELS,
    RulesInput,
    evaluate,
    outcome_rank,
)
from triage.rules.loader import (
    DEFAULT_RULES_PATH,
    RULE_IDS,
    STANDARD_CODES,
    Rule,
    RulesError,
    RuleSet,
    load_rules,
)

__all__ = [
    "DEFAULT_RULES_PATH",
    "GATSBY_STATUSES",
    "OUTCOME_LABELS",
    "OVERALL_LABELS",
    "RULE_IDS",
    "STANDARD_CODES",
    "Rule",
    "RuleSet",
    "RulesError",
    "RulesInput",
    "evaluate",
    "load_rules",
    "outcome_rank",
]
