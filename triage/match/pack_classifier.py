"""A per-code classifier learned from the labelled sample packs' passages.

The exemplars in ``criteria_index/queries`` are short and written from the Standard; the
labelled packs under ``sample_evidence/`` hold several hundred passages in providers' own
voices (policies, minutes, contracts, newsletters, tables), plus near-miss distractors and
ordinary paperwork. A small network over their sentence embeddings (one hidden layer shared by
all 32 codes, one output per code) adds what the exemplars miss. It replaced one logistic
regression per code in the tenth pass: a shared hidden layer can learn "this topic, but told as
history or as someone else's practice", which a linear score cannot (78-pack leave-one-pack-out
objective 0.752 -> 0.781, 60 packs up, 18 down; benchmarks/results/matching.md, tenth pass).

The same fit also learns a few words per code that its gold passages use far more often than the
packs' other sentences (log-odds of document frequency), searched with BM25 like the hand-written
keyword lists.

The development pack in ``../shared/eval`` is never used: only ``sample_evidence/`` packs.
The fit ships in ``models/pack_classifier.npz`` (written by ``python -m
triage.match.precompute``), so a run needs neither the packs nor scikit-learn.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from triage.chat.citations import normalise
from triage.config import REPO_ROOT
from triage.embed.base import Embedder
from triage.embed.cache import EmbeddingCache, encode_cached

STORED = REPO_ROOT / "models" / "pack_classifier.npz"
SAMPLE_PACKS = REPO_ROOT / "sample_evidence"
BACKGROUND_PER_PACK = 600  # sentence units of ordinary paperwork sampled from each pack
HIDDEN = 256  # units in the shared hidden layer
ALPHA = 1e-3  # L2 penalty
EPOCHS = 40  # passes over the examples; fixed, so a refit is reproducible and takes minutes
CLIP = 15.0  # a logit beyond this adds nothing: one passage must not swamp every other signal
TERMS_PER_CODE = 10  # chosen by leave-one-pack-out among 10 and 25
MIN_PASSAGES = 3  # a word, and a code, need at least this many gold passages to count


@dataclass(frozen=True)
class PackClassifier:
    codes: tuple[str, ...]
    hidden_w: np.ndarray  # (dim, hidden)
    hidden_b: np.ndarray  # (hidden,)
    coef: np.ndarray  # (n_codes, hidden)
    intercept: np.ndarray  # (n_codes,), with each code's class balance folded in
    packs: tuple[str, ...]
    digest: str
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # learned, stemmed words per code

    def logits(self, vecs: np.ndarray, codes: Sequence[str]) -> np.ndarray:
        """(n, len(codes)) clipped logits; a code the fit never saw scores 0."""
        out = np.zeros((vecs.shape[0], len(codes)), dtype=np.float32)
        hidden = np.maximum(vecs @ self.hidden_w + self.hidden_b, 0.0)
        index = {c: i for i, c in enumerate(self.codes)}
        for j, code in enumerate(codes):
            if code in index:
                i = index[code]
                out[:, j] = np.clip(hidden @ self.coef[i] + self.intercept[i], -CLIP, CLIP)
        return out


def labelled_packs(root: Path = SAMPLE_PACKS) -> list[Path]:
    """Every sample pack with gold labels, in name order."""
    return sorted(p.parent for p in root.glob("*/gold.jsonl"))


def packs_digest(packs: Sequence[Path]) -> str:
    """What a fit depends on: each pack's labels and document bytes."""
    h = hashlib.sha256()
    for pack in sorted(packs, key=lambda p: p.name):
        h.update(pack.name.encode() + b"\0")
        for f in sorted([pack / "gold.jsonl", pack / "near_misses.jsonl", *(pack / "docs").iterdir()]):
            if f.is_file():
                h.update(f.name.encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def pack_texts(pack: Path) -> tuple[tuple[str, ...], tuple[frozenset[str], ...]]:
    """Texts and code sets: gold passages (their codes), near-misses and a sample of ordinary
    sentences (no code). A chunk that holds any labelled quote gives no background sentences.

    Cached by the pack's content: leave-one-pack-out fits 24 times over the same packs."""
    return _pack_texts(pack, packs_digest([pack]))


@functools.lru_cache(maxsize=64)
def _pack_texts(pack: Path, digest: str) -> tuple[tuple[str, ...], tuple[frozenset[str], ...]]:
    from triage.chunking import chunk_documents
    from triage.ingest import ingest_pack
    from triage.match.suggest import split_units

    gold = read_jsonl(pack / "gold.jsonl")
    near = read_jsonl(pack / "near_misses.jsonl")
    marks = [normalise(q["quote"]) for q in gold + near]
    marks = [m[len(m) // 3 : len(m) // 3 + 30] for m in marks]  # a middle slice survives chunk edges
    background: list[str] = []
    for chunk in chunk_documents(ingest_pack([pack / "docs"])):
        text = normalise(chunk.text)
        if chunk.text.strip() and not any(m in text for m in marks):
            background += split_units(chunk.text)
    rng = np.random.default_rng(0)
    if len(background) > BACKGROUND_PER_PACK:
        keep = sorted(rng.choice(len(background), size=BACKGROUND_PER_PACK, replace=False))
        background = [background[i] for i in keep]
    texts = [q["quote"] for q in gold] + [q["quote"] for q in near] + background
    labels = [frozenset(q["codes"]) for q in gold] + [frozenset()] * (len(near) + len(background))
    return tuple(texts), tuple(labels)


def learn_terms(
    texts: Sequence[str],
    labels: Sequence[Set[str]],
    codes: Sequence[str],
    groups: Sequence[str] | None = None,
) -> dict[str, tuple[str, ...]]:
    """Per code, the words whose share of the code's gold passages most exceeds their share of
    all the examples (smoothed log-odds, damped below five passages). With ``groups`` (the pack
    each text came from), a word must occur in the code's passages of two packs: one provider's
    names and phone numbers are not the code's vocabulary. Digits-only tokens never count."""
    from collections import Counter

    from triage.match.model import tokens

    toks = [{w for w in tokens(t) if not w.isdigit()} for t in texts]
    group = list(groups) if groups is not None else [""] * len(texts)
    everywhere: Counter[str] = Counter()
    for ts in toks:
        everywhere.update(ts)
    out: dict[str, tuple[str, ...]] = {}
    for code in codes:
        own: Counter[str] = Counter()
        seen_in: dict[str, set[str]] = {}
        n_own = 0
        for ts, lab, g in zip(toks, labels, group, strict=True):
            if code in lab:
                own.update(ts)
                n_own += 1
                for w in ts:
                    seen_in.setdefault(w, set()).add(g)
        if n_own < MIN_PASSAGES:
            out[code] = ()
            continue
        score = {
            w: float(np.log(((n + 0.5) / (n_own + 1)) / ((everywhere[w] + 0.5) / (len(toks) + 1))))
            * min(1.0, n / 5)
            for w, n in own.items()
            if n >= MIN_PASSAGES and (groups is None or len(seen_in[w]) >= 2)
        }
        out[code] = tuple(w for w, _ in sorted(score.items(), key=lambda x: (-x[1], x[0]))[:TERMS_PER_CODE])
    return out


def fit(
    packs: Sequence[Path], codes: Sequence[str], embedder: Embedder, cache: EmbeddingCache | None
) -> PackClassifier:
    """One network for every code over every given pack's examples (a multi-label MLP)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    texts: list[str] = []
    labels: list[frozenset[str]] = []
    groups: list[str] = []
    for pack in sorted(packs, key=lambda p: p.name):
        pack_t, pack_l = pack_texts(pack)
        texts += pack_t
        labels += pack_l
        groups += [pack.name] * len(pack_t)
    x_all = encode_cached(embedder, texts, cache).astype(np.float32)
    y = np.array([[c in s for c in codes] for s in labels], dtype=np.int64)
    learn = y.sum(axis=0) >= 2  # too few passages to learn from: the code gets no help from this signal
    dim = x_all.shape[1]
    hidden_w, hidden_b = np.zeros((dim, HIDDEN), np.float32), np.zeros(HIDDEN, np.float32)
    coef = np.zeros((len(codes), HIDDEN), dtype=np.float32)
    intercept = np.full(len(codes), -CLIP, dtype=np.float32)
    if learn.any():
        net = MLPClassifier(
            hidden_layer_sizes=(HIDDEN,), alpha=ALPHA, max_iter=EPOCHS, batch_size=256, random_state=0
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # EPOCHS is a fixed budget, not a bug
            net.fit(x_all, y[:, learn])
        hidden_w, hidden_b = net.coefs_[0].astype(np.float32), net.intercepts_[0].astype(np.float32)
        # Each code's evidence is rare among the examples; adding log(negatives / positives) gives
        # the balanced logit the per-code logistic regressions had, so the other weights still fit.
        pos = y[:, learn].sum(axis=0)
        balance = np.log((len(y) - pos) / pos)
        coef[learn] = net.coefs_[1].T.astype(np.float32)
        intercept[learn] = (net.intercepts_[1] + balance).astype(np.float32)
    return PackClassifier(
        tuple(codes),
        hidden_w,
        hidden_b,
        coef,
        intercept,
        tuple(p.name for p in packs),
        packs_digest(packs),
        learn_terms(texts, labels, codes, groups),
    )


def save(clf: PackClassifier, embedder: Embedder, path: Path = STORED) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        model_id=embedder.model_id,
        model_hash=embedder.model_hash,
        codes=np.array(clf.codes),
        hidden_w=clf.hidden_w,
        hidden_b=clf.hidden_b,
        coef=clf.coef,
        intercept=clf.intercept,
        packs=np.array(clf.packs),
        digest=np.array(clf.digest),
        terms=np.array([" ".join(clf.terms.get(c, ())) for c in clf.codes]),
    )


_LOADED: dict[tuple[str, str, str], PackClassifier | None] = {}


def load(embedder: Embedder, path: Path = STORED) -> PackClassifier | None:
    """The stored fit when it was made with this embedding model, else None (signal off)."""
    key = (str(path), embedder.model_id, embedder.model_hash)
    if key not in _LOADED:
        _LOADED[key] = None
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["model_id"]) == embedder.model_id and str(data["model_hash"]) == embedder.model_hash:
                    codes = tuple(str(c) for c in data["codes"])
                    terms = [str(t) for t in data["terms"]] if "terms" in data else [""] * len(codes)
                    _LOADED[key] = PackClassifier(
                        codes,
                        data["hidden_w"].astype(np.float32),
                        data["hidden_b"].astype(np.float32),
                        data["coef"].astype(np.float32),
                        data["intercept"].astype(np.float32),
                        tuple(str(p) for p in data["packs"]),
                        str(data["digest"]),
                        {c: tuple(t.split()) for c, t in zip(codes, terms, strict=True)},
                    )
        except (OSError, KeyError, ValueError):
            pass
    return _LOADED[key]
