"""The plan/absence model learned from the labelled packs' near-misses: the stored fit is current,
its numpy scoring equals the scikit-learn pipeline it was fitted with, it sees sentence shape
rather than topic, and it tells a held-out pack's distractors from its evidence."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from triage.match import modality, pack_classifier


def test_stored_fit_matches_the_labelled_packs():
    model = modality.load()
    assert model is not None, "models/modality.npz is missing: run python -m triage.match.precompute"
    packs = pack_classifier.labelled_packs()
    assert model.packs == tuple(p.name for p in packs)
    assert "hollins_park_school" not in model.packs
    assert model.digest == pack_classifier.packs_digest(packs), (
        "a labelled pack changed since models/modality.npz was written: run python -m triage.match.precompute"
    )


def test_masking_keeps_the_shape_of_a_sentence_and_drops_its_topic():
    keep = modality._kept_words()
    assert modality.masked("We intend to analyse destinations in 2026.", keep) == "we intend to x x in num"
    assert modality.masked("The post hasn’t been filled yet", keep) == "the x hasn't been x yet"
    # Two sentences about different topics with the same shape look the same to the model.
    a = modality.masked("Governors will review the careers policy next year.", keep)
    b = modality.masked("Tutors will review the uniform rules next year.", keep)
    assert a == b


def test_numpy_scoring_equals_the_scikit_learn_pipeline(tmp_path):
    packs = pack_classifier.labelled_packs()[:4]
    model = modality.fit(packs)
    texts, y = modality.training_units(packs)
    assert 0 < y.sum() < len(y)
    keep = model.keep
    vec = TfidfVectorizer(
        ngram_range=modality.NGRAMS,
        min_df=modality.MIN_DF,
        sublinear_tf=True,
        token_pattern=r"\S+",
        lowercase=False,
        preprocessor=lambda t: modality.masked(t, keep),
    )
    lr = LogisticRegression(C=modality.C, class_weight="balanced", max_iter=3000).fit(
        vec.fit_transform(texts), y
    )
    probe = [*texts[:200], "", "Zebras quietly graze.", "Not yet, not yet, not yet."]
    expected = lr.predict_proba(vec.transform(probe))[:, 1]
    assert np.allclose(model.proba(probe), expected, atol=1e-6)
    modality.save(model, tmp_path / "m.npz")
    again = modality.load(tmp_path / "m.npz")
    assert again is not None and np.array_equal(again.proba(probe), model.proba(probe))
    (tmp_path / "broken.npz").write_bytes(b"not a zip")
    assert modality.load(tmp_path / "broken.npz") is None


def test_a_held_out_packs_distractors_score_above_its_evidence():
    """Fitted without one pack, the model should rank that pack's near-miss sentences above
    its gold sentences far better than chance (about 0.85 when measured across packs)."""
    packs = [p for p in pack_classifier.labelled_packs() if (p / "near_misses.jsonl").exists()]
    aucs = []
    for held in packs[:3]:
        model = modality.fit([p for p in packs if p != held])
        texts, y = modality.training_units([held])
        aucs.append(roc_auc_score(y, model.proba(texts)))
    assert min(aucs) > 0.7, aucs


def test_plans_and_absences_score_above_practice_with_the_stored_fit():
    model = modality.load()
    assert model is not None
    plans = [
        "We hope to appoint a new Careers Leader once the budget for next year is agreed.",
        "The governors asked whether the contract had been reviewed; it has not been.",
        "Mapping the programme to the framework is an action for the summer term.",
    ]
    practice = [
        "Every Year 11 pupil had a one-to-one guidance interview in the autumn term.",
        "In March 34 students spent a day at the hospital shadowing radiographers.",
        "The Careers Leader reported destinations to the full governing body in October.",
    ]
    p, q = model.proba(plans), model.proba(practice)
    assert p.min() > q.max(), (p, q)
