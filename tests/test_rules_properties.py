"""Property tests for the rules engine: determinism, monotonicity, the overall rule, overrides."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from criteria_index import load_index
from triage.records import OUTCOME_IDS
from triage.rules import GATSBY_STATUSES, RulesInput, evaluate, load_rules, outcome_rank

INDEX = load_index()
RULES = load_rules()
CODES = [c.code for c in INDEX.codes]
SECTIONS = [s.number for s in INDEX.sections]

levels = st.sampled_from(OUTCOME_IDS)
evidence_ids = st.lists(
    st.sampled_from([f"s:{i}" for i in range(1, 6)] + [f"m:{i}" for i in range(1, 4)]),
    min_size=1,
    max_size=3,
    unique=True,
).map(tuple)


@st.composite
def rules_inputs(draw, with_overrides: bool = True) -> RulesInput:
    evidence = draw(st.dictionaries(st.sampled_from(CODES), evidence_ids, max_size=32))
    ratings = draw(st.dictionaries(st.sampled_from(CODES), levels, max_size=32))
    gatsby = draw(st.dictionaries(st.sampled_from(SECTIONS), st.sampled_from(GATSBY_STATUSES), max_size=8))
    overrides = {}
    if with_overrides:
        overrides = draw(
            st.dictionaries(
                st.sampled_from(SECTIONS),
                st.tuples(levels, st.text(min_size=1, max_size=20).filter(str.strip)),
                max_size=3,
            )
        )
    unreviewed = draw(st.integers(0, 5))
    return RulesInput(
        evidence=evidence, ratings=ratings, gatsby=gatsby, overrides=overrides, unreviewed=unreviewed
    )


def section_ranks(a) -> dict[int, int]:
    return {s.section: outcome_rank(s.outcome) for s in a.sections}


@settings(max_examples=60, deadline=None)
@given(rules_inputs())
def test_same_inputs_same_assessment_whatever_the_dict_order(inputs):
    first = evaluate(inputs, INDEX, RULES)
    shuffled = RulesInput(
        evidence=dict(random.sample(list(inputs.evidence.items()), len(inputs.evidence))),
        ratings=dict(reversed(list(inputs.ratings.items()))),
        gatsby=dict(reversed(list(inputs.gatsby.items()))),
        overrides=dict(reversed(list(inputs.overrides.items()))),
        unreviewed=inputs.unreviewed,
    )
    assert evaluate(shuffled, INDEX, RULES) == first
    assert evaluate(inputs, INDEX, RULES) == first


@settings(max_examples=80, deadline=None)
@given(rules_inputs(), st.sampled_from(CODES), evidence_ids)
def test_confirming_more_evidence_never_lowers_an_outcome(inputs, code, more):
    before = evaluate(inputs, INDEX, RULES)
    evidence = dict(inputs.evidence)
    evidence[code] = tuple(sorted(set(evidence.get(code, ())) | set(more)))
    after = evaluate(
        RulesInput(
            evidence=evidence,
            ratings=inputs.ratings,
            gatsby=inputs.gatsby,
            overrides=inputs.overrides,
            unreviewed=inputs.unreviewed,
        ),
        INDEX,
        RULES,
    )
    for n, rank in section_ranks(before).items():
        assert section_ranks(after)[n] >= rank
    assert outcome_rank(after.overall) >= outcome_rank(before.overall)


@settings(max_examples=80, deadline=None)
@given(rules_inputs(), st.sampled_from(CODES), levels)
def test_raising_a_rating_never_lowers_an_outcome(inputs, code, level):
    current = inputs.ratings.get(code)
    # Unrated evidenced codes count as good progress, so "raising" starts from there.
    floor = outcome_rank(current) if current else outcome_rank(RULES.unrated_level)
    if outcome_rank(level) < floor:
        return
    before = evaluate(inputs, INDEX, RULES)
    after = evaluate(
        RulesInput(
            evidence=inputs.evidence,
            ratings={**inputs.ratings, code: level},
            gatsby=inputs.gatsby,
            overrides=inputs.overrides,
            unreviewed=inputs.unreviewed,
        ),
        INDEX,
        RULES,
    )
    for n, rank in section_ranks(before).items():
        assert section_ranks(after)[n] >= rank
    assert outcome_rank(after.overall) >= outcome_rank(before.overall)


@settings(max_examples=80, deadline=None)
@given(rules_inputs())
def test_overall_follows_section_2_7(inputs):
    a = evaluate(inputs, INDEX, RULES)
    outcomes = [s.outcome for s in a.sections]
    assert len(outcomes) == 8
    if "insufficient_progress" in outcomes:
        assert a.overall == "insufficient_progress"
    elif all(o == "fully_meeting" for o in outcomes):
        assert a.overall == "fully_meeting"
    else:
        assert a.overall == "good_progress"
    assert [t.rule for t in a.trace].count("R6-overall") == 1


@settings(max_examples=80, deadline=None)
@given(rules_inputs())
def test_an_override_always_wins_and_is_always_traced(inputs):
    a = evaluate(inputs, INDEX, RULES)
    for s in a.sections:
        if s.section in inputs.overrides:
            outcome, why = inputs.overrides[s.section]
            assert s.outcome == outcome and s.overridden and s.override_justification == why
            (step,) = [t for t in a.trace if t.rule == "R5-override" and t.target == f"section {s.section}"]
            assert why in step.message
        else:
            assert s.outcome == s.computed and not s.overridden


@settings(max_examples=60, deadline=None)
@given(rules_inputs(with_overrides=False))
def test_every_code_and_section_is_explained(inputs):
    a = evaluate(inputs, INDEX, RULES)
    targets = {t.target for t in a.trace}
    assert {f"code {c}" for c in CODES} <= targets
    assert {f"section {n}" for n in SECTIONS} <= targets
    for c in a.codes:
        assert (c.status == "missing_evidence") == (not inputs.evidence.get(c.code))


def test_an_override_without_justification_is_refused():
    with pytest.raises(ValueError, match="justification"):
        evaluate(RulesInput(overrides={3: ("good_progress", "  ")}), INDEX, RULES)
