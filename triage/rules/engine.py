"""The outcome rules engine: a pure function from the assessor's inputs to an Assessment.

Nothing here reads the database, the clock or an LLM, so the same inputs always give the same
outcome and trace. Only confirmed evidence, ratings, overrides and Gatsby statuses count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from triage.records import OUTCOME_IDS, Assessment, CodeResult, OutcomeId, SectionResult, TraceStep
from triage.rules.loader import RuleSet

GATSBY_STATUSES: tuple[str, ...] = ("not_met", "partially_met", "fully_met")

OUTCOME_LABELS = {
    "insufficient_progress": "making insufficient progress",
    "good_progress": "making good progress",
    "fully_meeting": "fully meeting",
}
OVERALL_LABELS = {
    "insufficient_progress": "Making insufficient progress towards fully meeting the Standard's national criteria",
    "good_progress": "Achieving the Standard, making good progress towards fully meeting the national criteria",
    "fully_meeting": "Achieving the Standard, fully meeting the national criteria",
}
_RANK = {o: i for i, o in enumerate(OUTCOME_IDS)}


@dataclass(frozen=True)
class RulesInput:
    """Everything the rules read. Built by ``Session.rules_input()``; never holds drafts or notes.

    evidence: code -> confirmed evidence ids ("s:<suggestion id>", "m:<manual evidence id>")
    ratings: code -> outcome id given by the assessor
    overrides: section number -> (outcome id, justification)
    gatsby: benchmark number (1-8, one per section) -> "not_met" | "partially_met" | "fully_met"
    unreviewed: suggestions the assessor has not yet confirmed or rejected
    """

    provider_type: str = "school"
    evidence: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ratings: Mapping[str, str] = field(default_factory=dict)
    overrides: Mapping[int, tuple[str, str]] = field(default_factory=dict)
    gatsby: Mapping[int, str] = field(default_factory=dict)
    unreviewed: int = 0


def _code_key(code: str) -> tuple[int, ...]:
    return tuple(int(p) for p in code.split("."))


def _share(fraction: float) -> str:
    return "half" if fraction == 0.5 else f"{fraction:.0%}"


def _fmt_codes(codes: list[str] | tuple[str, ...]) -> str:
    return ", ".join(codes) if codes else "none"


def _check_inputs(inputs: RulesInput, known: set[str], sections: set[int], rules: RuleSet) -> None:
    for code in (*inputs.evidence, *inputs.ratings):
        if code not in known:
            raise ValueError(f"unknown code {code!r} in rules input")
    for code, level in inputs.ratings.items():
        if level not in OUTCOME_IDS:
            raise ValueError(f"rating {level!r} for code {code} is not one of {', '.join(OUTCOME_IDS)}")
    for sec, (outcome, why) in inputs.overrides.items():
        if sec not in sections:
            raise ValueError(f"override for unknown section {sec!r}")
        if rules.require_justification and not str(why).strip():
            raise ValueError(f"the override for section {sec} has no justification")
        if outcome not in OUTCOME_IDS:
            raise ValueError(f"override outcome {outcome!r} for section {sec} is not an outcome id")
    for bench, status in inputs.gatsby.items():
        if bench not in sections:
            raise ValueError(f"Gatsby status for unknown benchmark {bench!r}")
        if status not in GATSBY_STATUSES:
            raise ValueError(
                f"Gatsby status {status!r} for benchmark {bench} is not one of {GATSBY_STATUSES}"
            )


def evaluate(inputs: RulesInput, index: Any, rules: RuleSet) -> Assessment:
    """Apply rules R1-R6 to ``inputs`` and explain every step in the trace.

    ``index`` is the criteria index (``criteria_index.load_index()``); only its ``version``,
    ``sections`` (number, title) and ``codes`` (code, section) are read.
    """
    sections = sorted(index.sections, key=lambda s: s.number)
    codes_by_section: dict[int, list[str]] = {s.number: [] for s in sections}
    for c in sorted(index.codes, key=lambda c: _code_key(c.code)):
        codes_by_section.setdefault(c.section, []).append(c.code)
    known = {c for cs in codes_by_section.values() for c in cs}
    _check_inputs(inputs, known, set(codes_by_section), rules)

    trace: list[TraceStep] = []
    code_results: dict[str, CodeResult] = {}
    unrated: list[str] = []

    # R1 and R2: each code's effective status and level.
    r1, r2 = rules.rule("R1-missing-evidence"), rules.rule("R2-rating")
    for section in sections:
        for code in codes_by_section[section.number]:
            ev = tuple(sorted(set(inputs.evidence.get(code, ()))))
            rating = cast(OutcomeId | None, inputs.ratings.get(code))
            if not ev:
                result = CodeResult(
                    code,
                    section.number,
                    "missing_evidence",
                    "insufficient_progress",
                    rated=rating is not None,
                )
                ignored = f"; its rating of {OUTCOME_LABELS[rating]} is not counted" if rating else ""
                trace.append(
                    TraceStep(
                        r1.id,
                        f"code {code}",
                        f"Code {code} has no confirmed evidence, so it counts as {OUTCOME_LABELS['insufficient_progress']}"
                        f"{ignored}.",
                        r1.citation,
                        codes=(code,),
                    )
                )
            elif rating is None:
                result = CodeResult(
                    code,
                    section.number,
                    "evidenced",
                    cast(OutcomeId, rules.unrated_level),
                    rated=False,
                    evidence_ids=ev,
                )
                unrated.append(code)
                trace.append(
                    TraceStep(
                        r2.id,
                        f"code {code}",
                        f"Code {code} has confirmed evidence ({', '.join(ev)}) but no rating yet, so it counts as "
                        f"{OUTCOME_LABELS[rules.unrated_level]} and is listed as unrated.",
                        r2.citation,
                        codes=(code,),
                        evidence_ids=ev,
                    )
                )
            else:
                result = CodeResult(code, section.number, "evidenced", rating, rated=True, evidence_ids=ev)
                trace.append(
                    TraceStep(
                        r2.id,
                        f"code {code}",
                        f"Code {code} has confirmed evidence ({', '.join(ev)}) and is rated {OUTCOME_LABELS[rating]}.",
                        r2.citation,
                        codes=(code,),
                        evidence_ids=ev,
                    )
                )
            code_results[code] = result

    # R3, R4 and R5: each section's outcome.
    r3, r4, r5 = (
        rules.rule(i) for i in ("R3-section-fully-meeting", "R4-section-insufficient", "R5-override")
    )
    section_results: list[SectionResult] = []
    for section in sections:
        n = section.number
        codes = codes_by_section[n]
        results = [code_results[c] for c in codes]
        evidence = tuple(e for r in results for e in r.evidence_ids)
        insufficient = [r.code for r in results if r.level == "insufficient_progress"]
        critical = [c for c in insufficient if c in rules.critical_codes]
        gatsby = inputs.gatsby.get(n)
        reasons: list[str] = []
        too_many = bool(codes) and len(insufficient) > rules.more_than_fraction * len(codes)
        gatsby_not_met = gatsby == "not_met" and rules.gatsby_not_met_is_insufficient
        if too_many or critical or gatsby_not_met:
            computed: OutcomeId = "insufficient_progress"
            if too_many:
                reasons.append(
                    f"{len(insufficient)} of {len(codes)} codes are insufficient ({_fmt_codes(insufficient)}), "
                    f"more than {_share(rules.more_than_fraction)} of the section"
                )
            if critical:
                reasons.append(f"critical code {_fmt_codes(critical)} is insufficient")
            if gatsby_not_met:
                reasons.append(f"Gatsby Benchmark {n} indicator is given as not met")
            trace.append(
                TraceStep(
                    r4.id,
                    f"section {n}",
                    f"Section {n} is {OUTCOME_LABELS[computed]}: " + "; ".join(reasons) + ".",
                    r4.citation,
                    codes=tuple(insufficient),
                    evidence_ids=evidence,
                )
            )
        elif (
            codes
            and all(r.level == "fully_meeting" for r in results)
            and (gatsby in (None, "fully_met") or not rules.require_gatsby_fully_met)
        ):
            computed = "fully_meeting"
            gatsby_note = f" and Gatsby Benchmark {n} is fully met" if gatsby == "fully_met" else ""
            reasons.append(f"all {len(codes)} codes are fully meeting{gatsby_note}")
            trace.append(
                TraceStep(
                    r3.id,
                    f"section {n}",
                    f"Section {n} is {OUTCOME_LABELS[computed]}: {reasons[0]}.",
                    r3.citation,
                    codes=tuple(codes),
                    evidence_ids=evidence,
                )
            )
        else:
            computed = "good_progress"
            not_fully = [r.code for r in results if r.level != "fully_meeting"]
            if not_fully:
                reasons.append(f"not every code is fully meeting ({_fmt_codes(not_fully)})")
            if gatsby in ("not_met", "partially_met") and rules.require_gatsby_fully_met:
                reasons.append(f"Gatsby Benchmark {n} indicator is {gatsby.replace('_', ' ')}")
            if insufficient:
                reasons.append(
                    f"insufficient codes ({_fmt_codes(insufficient)}) are not more than "
                    f"{_share(rules.more_than_fraction)} of the section and none is critical"
                )
            trace.append(
                TraceStep(
                    r4.id,
                    f"section {n}",
                    f"Section {n} is {OUTCOME_LABELS[computed]}: " + "; ".join(reasons) + ".",
                    r4.citation,
                    codes=tuple(not_fully),
                    evidence_ids=evidence,
                )
            )
        outcome: OutcomeId = computed
        overridden, why = False, ""
        if n in inputs.overrides:
            outcome, why = cast(tuple[OutcomeId, str], inputs.overrides[n])
            overridden = True
            reasons.append(f"overridden by the assessor to {OUTCOME_LABELS[outcome]}: {why}")
            trace.append(
                TraceStep(
                    r5.id,
                    f"section {n}",
                    f"Section {n} computed as {OUTCOME_LABELS[computed]} is overridden to {OUTCOME_LABELS[outcome]}"
                    f" (best-fit judgement). Justification: {why}",
                    r5.citation,
                    codes=tuple(codes),
                    evidence_ids=evidence,
                )
            )
        section_results.append(
            SectionResult(n, section.title, computed, outcome, overridden, why, tuple(reasons))
        )

    # R6: the overall outcome from the eight section outcomes.
    r6 = rules.rule("R6-overall")
    low = [s.section for s in section_results if s.outcome == "insufficient_progress"]
    if low:
        overall = "insufficient_progress"
        why = f"section(s) {', '.join(map(str, low))} are making insufficient progress"
    elif section_results and all(s.outcome == "fully_meeting" for s in section_results):
        overall = "fully_meeting"
        why = f"all {len(section_results)} sections are fully meeting"
    else:
        overall = "good_progress"
        good = [s.section for s in section_results if s.outcome == "good_progress"]
        why = f"no section is insufficient; section(s) {', '.join(map(str, good))} are making good progress"
    trace.append(
        TraceStep(r6.id, "overall", f"Overall: {OVERALL_LABELS[overall]}, because {why}.", r6.citation)
    )

    provisional: list[str] = []
    if unrated and rules.provisional_when_unrated:
        provisional.append(f"{len(unrated)} evidenced code(s) not yet rated: {_fmt_codes(unrated)}")
    if inputs.unreviewed and rules.provisional_when_unreviewed:
        provisional.append(f"{inputs.unreviewed} suggestion(s) not yet reviewed")
    return Assessment(
        overall=overall,  # type: ignore[arg-type]
        provisional=bool(provisional),
        provisional_reasons=tuple(provisional),
        codes=tuple(code_results.values()),
        sections=tuple(section_results),
        trace=tuple(trace),
        rules_version=rules.version,
        criteria_version=str(getattr(index, "version", "")),
    )


def outcome_rank(outcome: str) -> int:
    """0 for insufficient progress, 1 for good progress, 2 for fully meeting."""
    return _RANK[outcome]
