"""The missing-evidence threshold follows the pack, and the plan/absence cues catch plans."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from triage.match import DEFAULT_PARAMS, calibrate
from triage.match.cues import hedge_score
from triage.match.suggest import pack_centre


def _pack(best_per_code: list[float], n_chunks: int = 6) -> np.ndarray:
    """A raw score matrix whose per-code best scores are ``best_per_code``."""
    rng = np.random.default_rng(0)
    best = np.asarray(best_per_code, dtype=np.float32)
    raw = best[None, :] - rng.uniform(0.3, 2.0, size=(n_chunks, len(best))).astype(np.float32)
    raw[rng.integers(0, n_chunks, size=len(best)), np.arange(len(best))] = best
    return raw


def test_centre_is_fixed_for_a_pack_at_the_reference_median():
    p = DEFAULT_PARAMS
    best = [p.reference_median - 1.5, p.reference_median, p.reference_median + 0.7]
    assert pack_centre(_pack(best), p) == pytest.approx(p.centre)


def test_a_pack_that_scores_lower_overall_gets_a_lower_centre():
    p = DEFAULT_PARAMS
    best = np.linspace(p.reference_median - 1.5, p.reference_median + 1.5, 32)  # median at the reference: no clipping
    high, low = _pack(list(best)), _pack(list(best - 0.4))
    assert pack_centre(low, p) < pack_centre(high, p)
    # Part of the way, not all of it: a code that is low absolutely can still be flagged.
    moved = pack_centre(high, p) - pack_centre(low, p)
    assert 0.0 < moved < 0.4
    assert moved == pytest.approx(p.pack_relative * 0.4, abs=1e-5)


def test_shift_is_bounded_and_can_be_switched_off():
    p = DEFAULT_PARAMS
    odd = _pack([p.reference_median - 5.0] * 32)
    assert pack_centre(odd, p) == pytest.approx(p.centre - p.max_shift)
    fixed = dataclasses.replace(p, pack_relative=0.0)
    assert pack_centre(odd, fixed) == p.centre
    assert pack_centre(np.zeros((0, 32), dtype=np.float32), p) == p.centre


def test_calibration_maps_the_pack_centre_to_the_threshold():
    p = DEFAULT_PARAMS
    raw = _pack(list(np.linspace(1.0, 4.0, 32)))
    c = pack_centre(raw, p)
    cal = calibrate(raw, p)
    assert np.all((cal > 0) & (cal < 1))
    below, above = raw < c, raw > c
    assert np.all(cal[below] < p.threshold) and np.all(cal[above] > p.threshold)
    # Uniformly lower scores flag fewer codes than a fixed centre would.
    low = raw - 0.5
    fixed = dataclasses.replace(p, pack_relative=0.0)
    assert (calibrate(low, p).max(axis=0) < p.threshold).sum() < (
        calibrate(low, fixed).max(axis=0) < p.threshold
    ).sum()


@pytest.mark.parametrize(
    "text",
    [
        "A learner panel has been proposed for next autumn and would be discussed with the student union.",
        "We are planning to add a page of labour market guidance for parents.",
        "The portfolio tool is available but has not been switched on yet.",
        "The offer to join the local hub network has not been taken up.",
        "The idea is under consideration by the senior team.",
        "Until summer 2019 every Year 12 student had a week of work experience in July.",
        "The school was once part of the county careers hub.",
        "The alumni mentoring scheme ended in 2021 when its funding ran out.",
    ],
)
def test_plans_and_absences_are_hedged(text):
    assert hedge_score(text) == 1.0


@pytest.mark.parametrize(
    "text",
    [
        "Every pupil in Year 11 had a guidance interview with a Level 6 adviser.",
        "Learners planned their placement goals with their tutor and reviewed them afterwards.",
        "Employers helped to plan the mock interview day and gave feedback on it.",
        "The guidance contract runs until July 2027 and covers every Year 11 pupil.",
        "Since 2019 every pupil has had a guidance interview.",
        "The work experience week ended with a reflection session in tutor time.",
        "The careers budget is used to run the spring fair.",
    ],
)
def test_practice_is_not_hedged(text):
    assert hedge_score(text) == 0.0


def _result(scores: dict[str, list[float]], missing: tuple[str, ...]):
    from triage.records import MatchResult, Suggestion

    rows = tuple(
        Suggestion(code, f"c{k}", "d", "doc.txt", 1, 10 * k, 10 * k + 9, f"passage {k}", s, k + 1)
        for code, ss in scores.items()
        for k, s in enumerate(ss)
    )
    best = {code: ss[0] for code, ss in scores.items()}
    return MatchResult("school", rows, missing, (), best, "m", "h", "v", 0.5, 0.1)


def test_listing_keeps_the_claim_rule_and_caps_a_missing_code():
    from triage.match.suggest import listed

    p = dataclasses.replace(DEFAULT_PARAMS, floor=0.2, relative=0.3, always=1, missing_listed=2)
    r = _result({"1.1": [0.9, 0.8, 0.7, 0.55, 0.1], "2.2": [0.45, 0.4, 0.35, 0.3]}, missing=("2.2",))
    # 1.1: rank 1, then within 0.3 of the best and above the floor; 0.55 and 0.1 fall out.
    assert [s.rank for s in listed(r, "1.1", p)] == [1, 2, 3]
    # 2.2 is flagged missing: its candidates pass the same rule but at most two are listed.
    assert [s.rank for s in listed(r, "2.2", p)] == [1, 2]
    assert listed(r, "2.2", dataclasses.replace(p, missing_listed=0)) == []
    assert [s.rank for s in listed(r, "1.1", p, top_k=2)] == [1, 2]


def test_a_clearly_flagged_code_lists_nothing():
    from triage.match.suggest import clear_flag, listed

    p = dataclasses.replace(DEFAULT_PARAMS, floor=0.0, relative=1.0, missing_listed=2, missing_listed_margin=1.0)
    # slope 2, threshold 0.5: one raw unit under the cut calibrates to 1 / (1 + e^2).
    assert clear_flag(p) == pytest.approx(1.0 / (1.0 + math.exp(2.0)))
    assert clear_flag(dataclasses.replace(p, missing_listed_margin=0.0)) == pytest.approx(0.5)
    r = _result({"2.2": [0.2, 0.1], "3.3": [0.05, 0.04], "4.4": [0.9, 0.8, 0.7]}, missing=("2.2", "3.3"))
    assert [s.rank for s in listed(r, "2.2", p)] == [1, 2]  # borderline flag: candidates stay
    assert listed(r, "3.3", p) == []  # clear flag: nothing
    assert [s.rank for s in listed(r, "4.4", p)] == [1, 2, 3]  # not flagged: unaffected
    off = dataclasses.replace(p, missing_listed_margin=None)
    assert [s.rank for s in listed(r, "3.3", off)] == [1, 2]


def test_listed_count_applies_the_floor_the_relative_cut_and_the_flag():
    from triage.match.suggest import listed_count

    p = dataclasses.replace(
        DEFAULT_PARAMS, floor=0.05, relative=0.5, always=1, missing_listed=2, missing_listed_margin=1.0
    )
    scores = [0.9, 0.6, 0.41, 0.39, 0.04]
    assert listed_count(scores, missing=False, clear=False, params=p) == 3  # 0.39 is over 0.5 under the best
    assert listed_count(scores, missing=False, clear=False, params=dataclasses.replace(p, always=4)) == 4
    assert listed_count([0.3, 0.04], missing=False, clear=False, params=p) == 1  # under the floor
    assert listed_count([0.01], missing=False, clear=False, params=p) == 1  # rank 1 always
    assert listed_count(scores, missing=True, clear=False, params=p) == 2
    assert listed_count(scores, missing=True, clear=True, params=p) == 0
    unmargined = dataclasses.replace(p, missing_listed_margin=None)
    assert listed_count(scores, missing=True, clear=True, params=unmargined) == 2
    assert listed_count([], missing=False, clear=False, params=p) == 0
