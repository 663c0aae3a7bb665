"""Per-code calibration: the stored fit is current and never saw the development pack, the fit
follows only the scores of evidence (never which codes were left as gaps), and the matcher
applies it as a plain shift of each code's raw scores."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from triage.chunking import chunk_documents
from triage.config import shared_dir
from triage.embed import EmbeddingCache, load_default_embedder
from triage.ingest import ingest_pack
from triage.match import DEFAULT_PARAMS, code_calibration, evidence_model, pack_classifier
from triage.match.suggest import raw_scores

CODES = ["1.1", "1.2", "1.3"]


def test_stored_fit_matches_the_labelled_packs():
    body = code_calibration.load()
    assert body is not None, "models/code_offsets.json is missing: run python -m triage.match.precompute"
    packs = pack_classifier.labelled_packs()
    assert body["packs"] == [p.name for p in packs]
    assert "hollins_park_school" not in body["packs"]
    assert body["digest"] == pack_classifier.packs_digest(packs), (
        "a labelled pack changed since models/code_offsets.json was written: run python -m triage.match.precompute"
    )
    offsets = body["offsets"]
    assert len(offsets) == 32 and all(abs(v) < 1.0 for v in offsets.values())
    # Partial-prone codes (learner involvement, employer feedback) sit below codes that are
    # usually named outright (personal guidance).
    assert offsets["1.7"] < 0 < offsets["8.2"] and offsets["5.3"] < offsets["8.2"]


def test_packs_are_scored_by_fits_made_without_their_group(monkeypatch, tmp_path):
    packs = [tmp_path / f"pack_{i:02d}" for i in range(23)]
    fits: list[set] = []

    def fake_fit(fit_on, codes, embedder, cache):
        fits.append({p.name for p in fit_on})
        return len(fits) - 1, None, None

    def fake_scores(pack, fit_on, codes, embedder, cache, parts=None):
        assert pack.name not in fits[parts[0]], f"{pack.name} was scored by a fit that saw it"
        raw = np.full((2, len(codes)), float(len(fits[parts[0]])))
        return raw, raw - 1.0, [], tuple(codes)

    monkeypatch.setattr(code_calibration, "fit_learned_parts", fake_fit)
    monkeypatch.setattr(code_calibration, "held_out_scores", fake_scores)
    monkeypatch.setattr(code_calibration, "margins", lambda raw: raw.max(axis=0))
    scored: list[str] = []
    out = code_calibration.held_out_margins(packs, CODES, None, None, progress=scored.append, folds=5)
    assert len(fits) == 5 and sorted(scored) == [p.name for p in packs] and len(out) == len(packs)
    # Every pack sits in exactly one group, and a group's fit holds every other pack.
    assert sum(len(packs) - len(f) for f in fits) == len(packs)
    group = {p: code_calibration.fold_of(p, 5) for p in packs}
    for p, (m, f) in zip(packs, out, strict=True):
        assert m[0] == len(packs) - sum(group[q] == group[p] for q in packs)
        assert f[0] == m[0] - 1.0  # the flag's margins come from the same scoring
    fits.clear()
    code_calibration.held_out_margins(packs[:4], CODES, None, None, folds=10)
    assert [len(f) for f in fits] == [3, 3, 3, 3]  # fewer packs than groups: leave-one-pack-out


def test_a_pack_outside_the_pool_is_fitted_on_the_whole_pool(tmp_path):
    pool = [tmp_path / f"pack_{i:02d}" for i in range(12)]
    dev = tmp_path / "dev_pack"
    groups = code_calibration.held_out_groups([dev, *pool], pool, folds=4)
    assert groups[0] == ([dev], pool)
    assert sorted(p.name for held, _ in groups[1:] for p in held) == [p.name for p in pool]
    assert all(not set(held) & set(fit_on) for held, fit_on in groups)
    assert [len(f) for _, f in code_calibration.held_out_groups(pool, pool, folds=0)] == [11] * 12


def test_a_packs_group_does_not_depend_on_the_other_packs(tmp_path):
    groups = [code_calibration.fold_of(tmp_path / f"pack_{i}") for i in range(200)]
    assert set(groups) == set(range(code_calibration.FOLDS))
    assert code_calibration.fold_of(tmp_path / "a" / "pack_7") == groups[7]


def test_a_code_whose_evidence_scores_low_is_shifted_down_and_gaps_do_not_count():
    # Five packs; code 1.1 evidenced everywhere at margin 3, 1.2 everywhere at 1, 1.3 at 2.
    margins = [np.array([3.0, 1.0, 2.0]) for _ in range(5)]
    evidenced = [set(CODES) for _ in range(5)]
    base = code_calibration.fit(margins, evidenced, CODES)
    assert base["1.2"] < base["1.3"] < base["1.1"]
    # A very low (or very high) best score in a pack where 1.3 is a gap changes nothing.
    gap_margins = [m.copy() for m in margins]
    gap_margins[0][2] = -9.0
    gap_evidenced = [set(CODES) - {"1.3"}] + evidenced[1:]
    shifted = code_calibration.fit(gap_margins, gap_evidenced, CODES)
    assert shifted["1.3"] == pytest.approx(base["1.3"] * (4 / 9) / (5 / 10), abs=1e-3)  # only n changes
    # A code no pack evidences is not shifted.
    assert code_calibration.fit(margins, [{"1.1", "1.3"}] * 5, CODES)["1.2"] == 0.0


def test_the_shift_is_shrunk_towards_zero():
    margins = [np.array([2.0, 0.0, 1.0])] * 3
    offsets = code_calibration.fit(margins, [set(CODES)] * 3, CODES)
    q = code_calibration.QUANTILE
    overall = float(np.quantile(np.array([2.0, 0.0, 1.0] * 3), q))
    expected = code_calibration.SHRINK * (2.0 - overall) * 3 / (3 + code_calibration.PRIOR_N)
    assert offsets["1.1"] == pytest.approx(expected, abs=1e-4)


def test_a_broken_or_missing_file_means_no_shift(tmp_path):
    assert code_calibration.offsets_for(CODES, tmp_path / "absent.json") is None
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    assert code_calibration.offsets_for(CODES, tmp_path / "broken.json") is None
    packs = pack_classifier.labelled_packs()[:2]
    code_calibration.save({"1.1": 0.25, "1.2": -0.5}, packs, tmp_path / "ok.json", flag_offsets={"1.3": 1.5})
    got = code_calibration.offsets_for(CODES, tmp_path / "ok.json")
    assert got is not None and got.tolist() == [0.25, -0.5, 0.0]
    flag = code_calibration.offsets_for(CODES, tmp_path / "ok.json", key="flag_offsets")
    assert flag is not None and flag.tolist() == [0.0, 0.0, 1.5]


def test_a_stored_fit_is_read_once_and_kept_under_its_own_path(tmp_path):
    path = tmp_path / "fit.json"
    code_calibration.save({"1.1": 0.25}, pack_classifier.labelled_packs()[:1], path)
    first = code_calibration.load(path)
    path.write_text("{not json", encoding="utf-8")  # a second read would now fail
    assert code_calibration.load(path) is first
    assert "offsets" not in code_calibration._LOADED and "flag_offsets" not in code_calibration._LOADED


@pytest.mark.slow
def test_the_matcher_shifts_each_codes_raw_scores_by_its_offset():
    emb = load_default_embedder()
    docs = shared_dir() / "eval" / "packs" / "hollins_park_school" / "docs"
    chunks = [c for c in chunk_documents(ingest_pack([docs])) if c.text.strip()][:40]
    with EmbeddingCache() as cache:
        model, _ = evidence_model("school", emb, cache)
        assert model.code_offsets is not None, "the shipped matcher should load models/code_offsets.json"
        assert model.flag_offsets is not None
        with_offsets, flag_with, _ = raw_scores(model, chunks, emb, cache, DEFAULT_PARAMS)
        none = dataclasses.replace(model, code_offsets=None, flag_offsets=None)
        without, flag_without, _ = raw_scores(none, chunks, emb, cache, DEFAULT_PARAMS)
    assert np.allclose(without - with_offsets, model.code_offsets[None, :], atol=1e-5)
    assert np.allclose(flag_without - flag_with, model.flag_offsets[None, :], atol=1e-5)
