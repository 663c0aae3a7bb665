"""How likely a sentence is a plan, an absence or an aside rather than practice, learned from
the labelled packs' near-miss distractors.

The hand-written cues in ``cues.py`` catch "we intend to" and "not yet", but providers hedge
in many more ways: "asked whether", "is under review", "has been put back", "would want to look
at once ...", "Plan was to". Here a logistic regression learns them from the sample packs'
sentences: the units of gold passages (practice) against the units of near-miss distractors.

It sees only the *shape* of a sentence: every word outside a fixed list of function words and
modality words (scikit-learn's English stop words plus ``_MODALITY``) becomes ``x``, and every
number ``num``. Without the mask it learns topics instead (the codes the pack writers chose as
gaps), which would not carry over to other packs. Features are TF-IDF of 1-3-grams of the masked
sentence. The fit (offline, ``python -m triage.match.precompute``) ships in
``models/modality.npz``; a run scores sentences in numpy without scikit-learn.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from triage.config import REPO_ROOT
from triage.match.pack_classifier import packs_digest, read_jsonl

STORED = REPO_ROOT / "models" / "modality.npz"
C = 0.3  # chosen by leave-one-pack-out among 0.3, 1 and 3
NGRAMS = (1, 3)
MIN_DF = 2
# A passage holding a sentence at or above this reads like a plan or an absence. Measured by
# leave-one-pack-out over 29 packs: 5% of the chunks that hold gold evidence reach it, and a third
# of those that hold a near-miss distractor (at 0.6: 16% and 63%).
CAUTION = 0.7

# Words kept as themselves, beside scikit-learn's stop words: modal verbs, negation, time and
# sequence, and the verbs providers use for proposals, reviews and lapses.
_MODALITY = frozenset(
    """
    will would shall should could might may must can cannot can't won't wouldn't shouldn't isn't
    aren't wasn't weren't hasn't haven't hadn't doesn't don't didn't not no never nobody none nothing
    yet still soon until once planned plan plans planning intend intends intended intention aim aims
    hope hopes hoped hoping propose proposed proposal proposes consider considered considering
    consideration review reviewed discuss discussed discussion asked ask asks whether suggested suggest
    suggests agreed agree explore exploring explored looking look pilot piloting draft drafted being
    prepared preparing future next later previous previously before after since vacant vacancy lapsed
    expired paused postponed cancelled dropped delayed awaiting waiting pending started start starting
    begin beginning launched launch introduced introduce currently present moment already ago last year
    years term terms month months week each every all some most few only also done completed complete
    place held ran run recorded record checked reported met used uses use
    """.split()
)
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+")


def _kept_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | _MODALITY


def masked(text: str, keep: frozenset[str]) -> str:
    """The sentence's shape: kept words, ``x`` for every other word, ``num`` for numbers."""
    words = _TOKEN.findall(text.lower().replace("\u2019", "'"))
    return " ".join("num" if w.isdigit() else (w if w in keep else "x") for w in words)


def _ngrams(tokens: list[str]) -> list[str]:
    lo, hi = NGRAMS
    return [" ".join(tokens[i : i + n]) for n in range(lo, hi + 1) for i in range(len(tokens) - n + 1)]


@dataclass(frozen=True)
class ModalityModel:
    keep: frozenset[str]
    vocabulary: dict[str, int]
    idf: np.ndarray  # (n_features,)
    coef: np.ndarray  # (n_features,)
    intercept: float
    packs: tuple[str, ...]
    digest: str

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        """P(distractor) per text; the same figures as the scikit-learn pipeline it was fitted with."""
        out = np.zeros(len(texts), dtype=np.float32)
        for k, text in enumerate(texts):
            counts = Counter(
                self.vocabulary[g] for g in _ngrams(masked(text, self.keep).split()) if g in self.vocabulary
            )
            if counts:
                cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
                tf = np.array([1.0 + math.log(counts[c]) for c in cols]) * self.idf[cols]
                z = float(tf @ self.coef[cols]) / float(np.linalg.norm(tf)) + self.intercept
            else:
                z = self.intercept
            out[k] = 1.0 / (1.0 + math.exp(-z))
        return out


def caution(signals: Mapping[str, float]) -> str:
    """A warning for the assessor when a suggested passage reads like a plan or an absence."""
    if float(signals.get("modality", 0.0)) >= CAUTION:
        return "part of it reads like a plan or an absence: read closely"
    return ""


def training_units(packs: Sequence[Path]) -> tuple[list[str], np.ndarray]:
    """Sentence units of gold passages (0) and of near-miss distractors (1)."""
    from triage.match.suggest import split_units

    texts: list[str] = []
    labels: list[int] = []
    for pack in sorted(packs, key=lambda p: p.name):
        for label, name in ((0, "gold.jsonl"), (1, "near_misses.jsonl")):
            for row in read_jsonl(pack / name):
                units = split_units(row["quote"])
                texts += units
                labels += [label] * len(units)
    return texts, np.array(labels)


def fit(packs: Sequence[Path]) -> ModalityModel:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    keep = _kept_words()
    texts, y = training_units(packs)
    vec = TfidfVectorizer(
        ngram_range=NGRAMS,
        min_df=MIN_DF,
        sublinear_tf=True,
        token_pattern=r"\S+",
        lowercase=False,
        preprocessor=lambda t: masked(t, keep),
    )
    x = vec.fit_transform(texts)
    lr = LogisticRegression(C=C, class_weight="balanced", max_iter=3000).fit(x, y)
    return ModalityModel(
        keep,
        {str(k): int(v) for k, v in vec.vocabulary_.items()},
        vec.idf_.astype(np.float64),
        lr.coef_[0].astype(np.float64),
        float(lr.intercept_[0]),
        tuple(p.name for p in packs),
        packs_digest(packs),
    )


def save(model: ModalityModel, path: Path = STORED) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    terms = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
    np.savez_compressed(
        path,
        keep=np.array(sorted(model.keep)),
        terms=np.array(terms),
        idf=model.idf,
        coef=model.coef,
        intercept=np.array(model.intercept),
        packs=np.array(model.packs),
        digest=np.array(model.digest),
    )


_LOADED: dict[str, ModalityModel | None] = {}


def load(path: Path = STORED) -> ModalityModel | None:
    """The stored fit, or None when there is none (the signal is then off)."""
    key = str(path)
    if key not in _LOADED:
        _LOADED[key] = None
        try:
            with np.load(path, allow_pickle=False) as data:
                _LOADED[key] = ModalityModel(
                    frozenset(str(w) for w in data["keep"]),
                    {str(t): i for i, t in enumerate(data["terms"])},
                    data["idf"].astype(np.float64),
                    data["coef"].astype(np.float64),
                    float(data["intercept"]),
                    tuple(str(p) for p in data["packs"]),
                    str(data["digest"]),
                )
        except (OSError, KeyError, ValueError):
            pass
    return _LOADED[key]
