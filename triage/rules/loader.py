"""Load and validate the outcome rules file (criteria_index/rules/<edition>.yaml)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from criteria_index.loader import YAML_LOADER
from triage.records import OUTCOME_IDS

RULES_DIR = Path(__file__).resolve().parent.parent.parent / "criteria_index" / "rules"
DEFAULT_RULES_PATH = RULES_DIR / "qic-2023.yaml"

# The six default rules; the engine applies exactly these, in this order.
RULE_IDS: tuple[str, ...] = (
    "R1-missing-evidence",
    "R2-rating",
    "R3-section-fully-meeting",
    "R4-section-insufficient",
    "R5-override",
    "R6-overall",
)

# Fallback when the criteria index is not importable: the 32 codes of Appendix 2.
_CODES_PER_SECTION = {1: 9, 2: 2, 3: 7, 4: 3, 5: 3, 6: 2, 7: 2, 8: 4}
STANDARD_CODES: tuple[str, ...] = tuple(
    f"{s}.{i}" for s, n in _CODES_PER_SECTION.items() for i in range(1, n + 1)
)
_CODE_RE = re.compile(r"^[1-8]\.[0-9]{1,2}$")


class RulesError(ValueError):
    """The rules file is missing, malformed or names something the Standard does not have."""


@dataclass(frozen=True)
class Rule:
    id: str
    statement: str
    citation: str
    params: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class RuleSet:
    version: str
    rules: tuple[Rule, ...]
    source: str = ""
    path: str = ""
    # Typed views of the parameters the engine reads (validated on load).
    unrated_level: str = "good_progress"
    provisional_when_unrated: bool = True
    provisional_when_unreviewed: bool = True
    require_gatsby_fully_met: bool = True
    more_than_fraction: float = 0.5
    critical_codes: tuple[str, ...] = ("1.2", "7.1", "8.2")
    gatsby_not_met_is_insufficient: bool = True
    require_justification: bool = True

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def citation(self, rule_id: str) -> str:
        return self.rule(rule_id).citation


def _known_codes() -> tuple[str, ...]:
    try:
        from criteria_index import load_index
    except ImportError:
        return STANDARD_CODES
    try:
        return tuple(c.code for c in load_index().codes)
    except Exception:  # a half-written index must not stop the rules loading
        return STANDARD_CODES


def _bool(params: Mapping[str, Any], key: str, default: bool, where: str) -> bool:
    value = params.get(key, default)
    if not isinstance(value, bool):
        raise RulesError(f"{where}: '{key}' must be true or false, not {value!r}")
    return value


def load_rules(path: str | Path | None = None, *, codes: Iterable[str] | None = None) -> RuleSet:
    """Read a rules file and check it against the Standard's codes and outcome ids.

    ``codes`` defaults to the codes of the criteria index; unknown codes, missing or unknown rule
    ids and thresholds outside their range raise :class:`RulesError` with a readable message.
    """
    path = Path(path) if path else DEFAULT_RULES_PATH
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except FileNotFoundError:
        raise RulesError(f"rules file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise RulesError(f"rules file {path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise RulesError(f"rules file {path} must be a mapping with 'version' and 'rules'")
    version = raw.get("version")
    if not isinstance(version, str) or not version.strip():
        raise RulesError(f"rules file {path} has no 'version'")
    items = raw.get("rules")
    if not isinstance(items, list):
        raise RulesError(f"rules file {path} has no 'rules' list")

    rules: list[Rule] = []
    for item in items:
        if not isinstance(item, dict):
            raise RulesError(f"{path}: each rule must be a mapping, got {item!r}")
        rid = item.get("id")
        if rid not in RULE_IDS:
            raise RulesError(f"{path}: unknown rule id {rid!r}; expected one of {', '.join(RULE_IDS)}")
        if any(r.id == rid for r in rules):
            raise RulesError(f"{path}: rule {rid} appears twice")
        for key in ("statement", "citation"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise RulesError(f"{path}: rule {rid} needs a non-empty '{key}'")
        params = item.get("params") or {}
        if not isinstance(params, dict):
            raise RulesError(f"{path}: rule {rid} 'params' must be a mapping")
        rules.append(
            Rule(rid, " ".join(item["statement"].split()), " ".join(item["citation"].split()), params)
        )
    missing = [rid for rid in RULE_IDS if rid not in {r.id for r in rules}]
    if missing:
        raise RulesError(f"{path}: missing rule(s) {', '.join(missing)}")
    by_id = {r.id: r for r in rules}

    p2, p3, p4, p5 = (by_id[i].params for i in RULE_IDS[1:5])
    unrated_level = p2.get("unrated_level", "good_progress")
    if unrated_level not in OUTCOME_IDS:
        raise RulesError(
            f"{path}: R2-rating unrated_level {unrated_level!r} is not one of {', '.join(OUTCOME_IDS)}"
        )
    fraction = p4.get("more_than_fraction", 0.5)
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not 0 <= fraction < 1:
        raise RulesError(
            f"{path}: R4-section-insufficient more_than_fraction must be a number from 0 up to "
            f"(not including) 1, got {fraction!r}"
        )
    critical = p4.get("critical_codes", [])
    if not isinstance(critical, list):
        raise RulesError(f"{path}: R4-section-insufficient critical_codes must be a list of codes")
    known = set(codes) if codes is not None else set(_known_codes())
    critical_codes = tuple(str(c) for c in critical)
    bad = [c for c in critical_codes if not _CODE_RE.match(c) or c not in known]
    if bad:
        raise RulesError(
            f"{path}: R4-section-insufficient critical_codes names unknown code(s) {', '.join(bad)}"
            ' (codes are 1.1-8.4 as in Appendix 2; quote them in YAML, e.g. "1.2")'
        )
    return RuleSet(
        version=version.strip(),
        rules=tuple(by_id[i] for i in RULE_IDS),
        source=str(raw.get("source", "")),
        path=str(path),
        unrated_level=unrated_level,
        provisional_when_unrated=_bool(p2, "provisional_when_unrated", True, f"{path}: R2-rating"),
        provisional_when_unreviewed=_bool(p2, "provisional_when_unreviewed", True, f"{path}: R2-rating"),
        require_gatsby_fully_met=_bool(p3, "require_gatsby_fully_met", True, f"{path}: R3"),
        more_than_fraction=float(fraction),
        critical_codes=critical_codes,
        gatsby_not_met_is_insufficient=_bool(p4, "gatsby_not_met_is_insufficient", True, f"{path}: R4"),
        require_justification=_bool(p5, "require_justification", True, f"{path}: R5-override"),
    )
