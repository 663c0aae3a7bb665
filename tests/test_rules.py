"""The outcome rules: hand-worked examples from the Assessment Guide for each default rule, and
validation of the rules file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from criteria_index import load_index
from triage.config import shared_dir
from triage.rules import RULE_IDS, RulesError, RulesInput, evaluate, load_rules

GUIDE = shared_dir() / "seeds" / "000_41ce958438621bb3.txt"


@pytest.fixture(scope="module")
def index():
    return load_index()


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def all_codes(index) -> list[str]:
    return [c.code for c in index.codes]


def fully_meeting_everywhere(index, **changes) -> RulesInput:
    """Every code evidenced once ("m:<n>") and rated fully meeting; ``changes`` replace fields."""
    codes = all_codes(index)
    base = {
        "evidence": {c: (f"m:{i + 1}",) for i, c in enumerate(codes)},
        "ratings": dict.fromkeys(codes, "fully_meeting"),
    }
    base.update(changes)
    return RulesInput(**base)


def section(assessment, n):
    return next(s for s in assessment.sections if s.section == n)


def code(assessment, c):
    return next(r for r in assessment.codes if r.code == c)


def steps(assessment, rule, target):
    return [t for t in assessment.trace if t.rule == rule and t.target == target]


# ---- the rules file --------------------------------------------------------------------------


def test_default_rules_file_has_the_six_rules_with_citations_into_the_guide(rules):
    assert tuple(r.id for r in rules.rules) == RULE_IDS
    assert rules.version == "qic-2023.1"
    assert rules.critical_codes == ("1.2", "7.1", "8.2")
    assert rules.more_than_fraction == 0.5
    guide = GUIDE.read_text(encoding="utf-8")
    # Every citation names a place that exists in the Guide.
    for anchor in ("2.7 As explained", "3.2 The key characteristics", "Appendix 2.", "5. Making judgements"):
        assert anchor in guide
    cited = " ".join(r.citation for r in rules.rules)
    for place in ("2.7", "3.2", "section 5", "Appendix 2"):
        assert place in cited


def _write_variant(tmp_path, mutate) -> Path:
    raw = yaml.safe_load(load_rules().path and Path(load_rules().path).read_text(encoding="utf-8"))
    mutate(raw)
    out = tmp_path / "rules.yaml"
    out.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return out


def _params(raw, rule_id):
    return next(r for r in raw["rules"] if r["id"] == rule_id)["params"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda raw: _params(raw, "R4-section-insufficient").update(critical_codes=["1.2", "9.9"]), "9.9"),
        (lambda raw: _params(raw, "R4-section-insufficient").update(critical_codes=["1.10"]), "1.10"),
        (
            lambda raw: _params(raw, "R4-section-insufficient").update(more_than_fraction=1.5),
            "more_than_fraction",
        ),
        (
            lambda raw: _params(raw, "R4-section-insufficient").update(more_than_fraction="half"),
            "more_than_fraction",
        ),
        (lambda raw: _params(raw, "R2-rating").update(unrated_level="excellent"), "unrated_level"),
        (lambda raw: raw["rules"].pop(), "R6-overall"),
        (lambda raw: raw["rules"][0].update(id="R9-made-up"), "R9-made-up"),
        (lambda raw: raw["rules"][0].update(citation=""), "citation"),
        (lambda raw: raw.pop("version"), "version"),
    ],
)
def test_invalid_rules_files_are_refused_with_a_clear_message(tmp_path, mutate, message):
    path = _write_variant(tmp_path, mutate)
    with pytest.raises(RulesError, match=message.replace(".", r"\.")):
        load_rules(path)


def test_missing_or_broken_rules_file_is_a_rules_error(tmp_path):
    with pytest.raises(RulesError, match="not found"):
        load_rules(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: [unclosed\n", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid YAML"):
        load_rules(bad)


def test_thresholds_come_from_the_file(tmp_path, index):
    # With "more than a quarter" instead of "more than half", 1 of 2 insufficient codes is enough.
    path = _write_variant(
        tmp_path,
        lambda raw: _params(raw, "R4-section-insufficient").update(
            more_than_fraction=0.25, critical_codes=[]
        ),
    )
    inputs = fully_meeting_everywhere(
        index, ratings={**fully_meeting_everywhere(index).ratings, "2.2": "insufficient_progress"}
    )
    assert section(evaluate(inputs, index, load_rules()), 2).computed == "good_progress"
    assert section(evaluate(inputs, index, load_rules(path)), 2).computed == "insufficient_progress"


# ---- R1: no confirmed evidence means missing evidence, whatever the rating -----------------------


def test_r1_a_rated_code_without_evidence_counts_as_insufficient(index, rules):
    # Guide 3.2: judgements are "based on evidence". A rating of fully meeting for 1.2 (the Careers
    # Leader) with nothing confirmed behind it cannot stand.
    full = fully_meeting_everywhere(index)
    evidence = {c: ids for c, ids in full.evidence.items() if c != "1.2"}
    a = evaluate(RulesInput(evidence=evidence, ratings=full.ratings), index, rules)
    r = code(a, "1.2")
    assert (r.status, r.level, r.rated, r.evidence_ids) == (
        "missing_evidence",
        "insufficient_progress",
        True,
        (),
    )
    (step,) = steps(a, "R1-missing-evidence", "code 1.2")
    assert "no confirmed evidence" in step.message and "not counted" in step.message
    assert step.codes == ("1.2",)
    assert step.citation == rules.citation("R1-missing-evidence")


def test_r1_manual_evidence_alone_is_enough(index, rules):
    a = evaluate(RulesInput(evidence={"5.1": ("m:7",)}, ratings={"5.1": "good_progress"}), index, rules)
    assert code(a, "5.1").status == "evidenced"
    assert code(a, "5.1").evidence_ids == ("m:7",)


# ---- R2: evidenced codes take the rating; unrated ones count as good progress ------------------


def test_r2_rating_applies_and_unrated_codes_are_good_progress_and_provisional(index, rules):
    inputs = RulesInput(
        evidence={"3.4": ("s:12", "m:2"), "3.1": ("s:3",)},
        ratings={"3.4": "fully_meeting"},
    )
    a = evaluate(inputs, index, rules)
    assert (code(a, "3.4").level, code(a, "3.4").rated) == ("fully_meeting", True)
    assert (code(a, "3.1").level, code(a, "3.1").rated) == ("good_progress", False)
    assert a.provisional
    assert any("3.1" in reason and "not yet rated" in reason for reason in a.provisional_reasons)
    (step,) = steps(a, "R2-rating", "code 3.4")
    assert step.evidence_ids == ("m:2", "s:12")
    assert "m:2" in step.message and "s:12" in step.message
    (unrated,) = steps(a, "R2-rating", "code 3.1")
    assert "unrated" in unrated.message


def test_r2_all_rated_and_reviewed_is_not_provisional(index, rules):
    a = evaluate(fully_meeting_everywhere(index), index, rules)
    assert not a.provisional and a.provisional_reasons == ()
    a = evaluate(fully_meeting_everywhere(index, unreviewed=3), index, rules)
    assert a.provisional and "3 suggestion(s) not yet reviewed" in a.provisional_reasons


# ---- R3: fully meeting needs every code fully meeting (and the Gatsby indicator) ----------------


def test_r3_section_fully_meeting_needs_all_codes_and_gatsby(index, rules):
    # Appendix 2 note (iii): "met all the criteria in this section ... including the relevant
    # Gatsby Benchmark indicators".
    a = evaluate(fully_meeting_everywhere(index), index, rules)
    assert section(a, 2).computed == "fully_meeting"
    assert steps(a, "R3-section-fully-meeting", "section 2")[0].codes == ("2.1", "2.2")

    one_good = fully_meeting_everywhere(index)
    ratings = {**one_good.ratings, "2.2": "good_progress"}
    a = evaluate(RulesInput(evidence=one_good.evidence, ratings=ratings), index, rules)
    assert section(a, 2).computed == "good_progress"
    assert "2.2" in section(a, 2).reasons[0]

    a = evaluate(fully_meeting_everywhere(index, gatsby={2: "partially_met"}), index, rules)
    assert section(a, 2).computed == "good_progress"
    assert any("partially met" in r for r in section(a, 2).reasons)
    a = evaluate(fully_meeting_everywhere(index, gatsby={2: "fully_met"}), index, rules)
    assert section(a, 2).computed == "fully_meeting"


# ---- R4: insufficient by majority, by a critical code, or by Gatsby not met --------------------


def test_r4_more_than_half_of_a_sections_codes_insufficient(index, rules):
    # Section 3 has seven codes (3.1-3.7): four insufficient is more than half, three is not.
    base = fully_meeting_everywhere(index)
    four = {**base.ratings, **dict.fromkeys(("3.1", "3.2", "3.3", "3.5"), "insufficient_progress")}
    three = {**base.ratings, **dict.fromkeys(("3.1", "3.2", "3.3"), "insufficient_progress")}
    a = evaluate(RulesInput(evidence=base.evidence, ratings=four), index, rules)
    assert section(a, 3).computed == "insufficient_progress"
    (step,) = steps(a, "R4-section-insufficient", "section 3")
    assert step.codes == ("3.1", "3.2", "3.3", "3.5")
    assert "4 of 7" in step.message
    a = evaluate(RulesInput(evidence=base.evidence, ratings=three), index, rules)
    assert section(a, 3).computed == "good_progress"


def test_r4_exactly_half_is_not_more_than_half(index, rules):
    base = fully_meeting_everywhere(index)
    a = evaluate(
        RulesInput(evidence=base.evidence, ratings={**base.ratings, "2.1": "insufficient_progress"}),
        index,
        rules,
    )
    assert section(a, 2).computed == "good_progress"


@pytest.mark.parametrize(("critical", "sec"), [("1.2", 1), ("7.1", 7), ("8.2", 8)])
def test_r4_a_critical_code_insufficient_makes_the_section_insufficient(index, rules, critical, sec):
    # Section 5 descriptors: no nominated Careers Leader (1.v), provider access not met (7.i),
    # not compliant on independent and impartial guidance (8.i).
    base = fully_meeting_everywhere(index)
    evidence = {c: ids for c, ids in base.evidence.items() if c != critical}
    a = evaluate(RulesInput(evidence=evidence, ratings=base.ratings), index, rules)
    assert section(a, sec).computed == "insufficient_progress"
    (step,) = steps(a, "R4-section-insufficient", f"section {sec}")
    assert f"critical code {critical}" in step.message
    # A non-critical code in the same section alone does not do it.
    other = next(c.code for c in index.codes if c.section == sec and c.code != critical)
    a = evaluate(
        RulesInput(evidence=base.evidence, ratings={**base.ratings, other: "insufficient_progress"}),
        index,
        rules,
    )
    assert section(a, sec).computed == "good_progress"


def test_r4_gatsby_not_met_makes_the_section_insufficient(index, rules):
    # Section 5 descriptors, insufficient column: "does not meet the Gatsby Benchmark performance
    # indicator(s) for this Benchmark".
    a = evaluate(fully_meeting_everywhere(index, gatsby={5: "not_met"}), index, rules)
    assert section(a, 5).computed == "insufficient_progress"
    assert "Gatsby Benchmark 5" in steps(a, "R4-section-insufficient", "section 5")[0].message
    assert a.overall == "insufficient_progress"


# ---- R5: overrides with a justification replace the computed outcome ---------------------------


def test_r5_override_replaces_the_computed_outcome_and_the_trace_shows_both(index, rules):
    # Guide 3.2 best-fit: the assessor judges section 1 good progress despite 1.2 lacking evidence.
    base = fully_meeting_everywhere(index)
    evidence = {c: ids for c, ids in base.evidence.items() if c != "1.2"}
    why = "Careers Leader appointed last month; evidence seen on visit"
    a = evaluate(
        RulesInput(evidence=evidence, ratings=base.ratings, overrides={1: ("good_progress", why)}),
        index,
        rules,
    )
    s1 = section(a, 1)
    assert (s1.computed, s1.outcome, s1.overridden, s1.override_justification) == (
        "insufficient_progress",
        "good_progress",
        True,
        why,
    )
    (step,) = steps(a, "R5-override", "section 1")
    assert why in step.message and "insufficient progress" in step.message and "good progress" in step.message
    assert a.overall == "good_progress"


# ---- R6: the overall outcome (Guide 2.7) -------------------------------------------------------


def test_r6_overall_outcomes(index, rules):
    a = evaluate(fully_meeting_everywhere(index), index, rules)
    assert a.overall == "fully_meeting"
    assert "all 8 sections" in steps(a, "R6-overall", "overall")[0].message

    base = fully_meeting_everywhere(index)
    a = evaluate(
        RulesInput(evidence=base.evidence, ratings={**base.ratings, "6.1": "good_progress"}), index, rules
    )
    assert a.overall == "good_progress"

    # "insufficient progress on any single section" -> insufficient overall.
    evidence = {c: ids for c, ids in base.evidence.items() if c != "8.2"}
    a = evaluate(RulesInput(evidence=evidence, ratings=base.ratings), index, rules)
    assert [s.section for s in a.sections if s.outcome == "insufficient_progress"] == [8]
    assert a.overall == "insufficient_progress"
    assert "section(s) 8" in steps(a, "R6-overall", "overall")[0].message


def test_an_empty_session_is_insufficient_everywhere(index, rules):
    a = evaluate(RulesInput(), index, rules)
    assert a.overall == "insufficient_progress"
    assert all(c.status == "missing_evidence" for c in a.codes) and len(a.codes) == 32
    assert all(s.computed == "insufficient_progress" for s in a.sections)
    assert a.rules_version == rules.version and a.criteria_version == index.version


def test_bad_inputs_are_refused(index, rules):
    with pytest.raises(ValueError, match="9.1"):
        evaluate(RulesInput(ratings={"9.1": "good_progress"}), index, rules)
    with pytest.raises(ValueError, match="excellent"):
        evaluate(RulesInput(ratings={"1.1": "excellent"}), index, rules)
    with pytest.raises(ValueError, match="section"):
        evaluate(RulesInput(overrides={9: ("good_progress", "x")}), index, rules)
