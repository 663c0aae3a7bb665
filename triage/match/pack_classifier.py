"""A per-code classifier learned from the labelled sample packs' passages.

The exemplars in ``criteria_index/queries`` are short and written from the Standard; the
labelled packs under ``sample_evidence/`` hold several hundred passages in providers' own
voices (policies, minutes, contracts, newsletters, tables), plus near-miss distractors and
ordinary paperwork. A small network over their sentence embeddings (one hidden layer shared by
all 32 codes, an evidence output per code) adds what the exemplars miss. It replaced one logistic
regression per code in the tenth pass: a shared hidden layer can learn "this topic, but told as
history or as someone else's practice", which a linear score cannot (78-pack leave-one-pack-out
objective 0.752 -> 0.781, 60 packs up, 18 down; benchmarks/results/matching.md, tenth pass).

The network has a second output per code, "a near-miss for this code", trained on the packs'
distractors (plans, lapsed posts, another audience's activity, the same topic for another
purpose). For the missing flag, a sentence that reads like a distractor for the code has its
evidence logit lowered by ``near_weight`` times that output's positive part (suggest.py, step 6;
eleventh pass: 95-pack leave-one-pack-out missing F1 0.62 -> 0.65 with the ranking unchanged).

Each example is read with the vector of the heading its chunk sits under, beside its own (zeros
when there is none): the heading often says what the sentence does not, that a passage is under
"Any other business", "Next year's priorities" or "Careers guidance".

The same fit also learns a few words per code that its gold passages use far more often than the
packs' other sentences (log-odds of document frequency), searched with BM25 like the hand-written
keyword lists.

The development pack in ``../shared/eval`` is never used: only ``sample_evidence/`` packs.
The fits ship in ``models/pack_classifier.npz`` and ``models/pack_classifier_layer.npz``
(written by ``python -m triage.match.precompute``), so a run needs neither the packs nor
scikit-learn.
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
from triage.embed.base import Embedder, has_layer_view
from triage.embed.cache import EmbeddingCache, encode_cached

STORED = REPO_ROOT / "models" / "pack_classifier.npz"  # sentence vectors only: decides the missing flag
RANK_STORED = REPO_ROOT / "models" / "pack_classifier_layer.npz"  # with the layer view: ranks the passages
SAMPLE_PACKS = REPO_ROOT / "sample_evidence"
BACKGROUND_PER_PACK = 600  # sentence units of ordinary paperwork sampled from each pack
HIDDEN = 256  # units in the shared hidden layer
ALPHA = 1e-3  # L2 penalty
EPOCHS = 40  # passes over the examples; fixed, so a refit is reproducible and takes minutes
CLIP = 15.0  # a logit beyond this adds nothing: one passage must not swamp every other signal
TERMS_PER_CODE = 10  # chosen by leave-one-pack-out among 10 and 25
MIN_PASSAGES = 3  # a word, and a code, need at least this many gold passages to count
# Both networks also read the sentence vector of the innermost heading the sentence sits under
# ("Any other business", "Priorities for 2026-27", "Careers guidance"): who and when a passage is
# about is often said there, not in the sentence (matching.md, twenty-seventh pass: held out, missing
# F1 0.7336 -> 0.7491; blind batches 56 and 57 pooled 0.741 -> 0.762, near-miss share 5.9% -> 4.4%).
WITH_HEADING = True
# Two networks are fitted on the same examples. One also reads each sentence's middle-layer view
# beside its sentence vector (embed/base.py, VIEW_LAYER): the view tells a plan or a lapse from
# practice better. It ranks alone; the missing flag mixes the two (suggest.py, flag_layer_share),
# which found more gaps held out than either network alone (matching.md, nineteenth pass).


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
    near_coef: np.ndarray | None = None  # (n_codes, hidden): "a near-miss for this code"; None in older fits
    near_intercept: np.ndarray | None = None  # (n_codes,), class balance folded in as for ``intercept``
    with_layer: bool = False  # inputs are the sentence vector and the middle-layer view, side by side
    with_heading: bool = False  # ...and then the sentence vector of the chunk's innermost heading

    def logits(self, vecs: np.ndarray, codes: Sequence[str], near_weight: float = 0.0) -> np.ndarray:
        """(n, len(codes)) clipped evidence logits, each less ``near_weight`` times the positive
        part of the code's near-miss logit; a code the fit never saw scores 0."""
        return discounted(*self.outputs(vecs, codes), near_weight)

    def near_logits(self, vecs: np.ndarray, codes: Sequence[str]) -> np.ndarray:
        """(n, len(codes)) clipped "near-miss for this code" logits; -CLIP where the fit has none."""
        return self.outputs(vecs, codes)[1]

    def outputs(self, vecs: np.ndarray, codes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Both outputs from one pass: unclipped evidence logits (0 for a code the fit never saw)
        and clipped near-miss logits (-CLIP where the fit has none). See :func:`discounted`."""
        evidence = np.zeros((vecs.shape[0], len(codes)), dtype=np.float32)
        near = np.full((vecs.shape[0], len(codes)), -CLIP, dtype=np.float32)
        hidden = np.maximum(vecs @ self.hidden_w + self.hidden_b, 0.0)
        index = {c: i for i, c in enumerate(self.codes)}
        for j, code in enumerate(codes):
            if code in index:
                i = index[code]
                evidence[:, j] = hidden @ self.coef[i] + self.intercept[i]
                if self.near_coef is not None and self.near_intercept is not None:
                    near[:, j] = np.clip(hidden @ self.near_coef[i] + self.near_intercept[i], -CLIP, CLIP)
        return evidence, near


def discounted(evidence: np.ndarray, near: np.ndarray, near_weight: float) -> np.ndarray:
    """Clipped evidence logits less ``near_weight`` times the positive part of the near-miss ones."""
    if near_weight:
        evidence = evidence - near_weight * np.maximum(near, 0.0)
    return np.clip(evidence, -CLIP, CLIP)


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


Labels = tuple[frozenset[str], ...]


def pack_texts(pack: Path) -> tuple[tuple[str, ...], Labels, Labels]:
    """Texts with two code sets each: what the text evidences and what it is a near-miss for.
    Gold passages evidence their codes, near-misses are near-misses for theirs, and a sample of
    ordinary sentences has neither. A chunk that holds any labelled quote gives no background
    sentences.

    Cached by the pack's content: leave-one-pack-out fits 24 times over the same packs."""
    return _pack_texts(pack, packs_digest([pack]))[:3]


def pack_headings(pack: Path) -> tuple[str, ...]:
    """The innermost heading of the chunk each of ``pack_texts``' texts sits in ("" if none)."""
    return _pack_texts(pack, packs_digest([pack]))[3]


def quote_mark(quote: str) -> str:
    """What finds a labelled quote's chunk: a normalised middle slice, which survives chunk edges."""
    m = normalise(quote)
    return m[len(m) // 3 : len(m) // 3 + 30]


def heading_of(chunk) -> str:
    return chunk.heading_path[-1] if chunk.heading_path else ""


@functools.lru_cache(maxsize=512)
def _pack_texts(pack: Path, digest: str) -> tuple[tuple[str, ...], Labels, Labels, tuple[str, ...]]:
    from triage.chunking import chunk_documents
    from triage.ingest import ingest_pack
    from triage.match.suggest import split_units

    gold = read_jsonl(pack / "gold.jsonl")
    near = read_jsonl(pack / "near_misses.jsonl")
    marks = [quote_mark(q["quote"]) for q in gold + near]
    background: list[str] = []
    back_heads: list[str] = []
    quote_heads = [""] * len(marks)
    for chunk in chunk_documents(ingest_pack([pack / "docs"])):
        text = normalise(chunk.text)
        held = [k for k, m in enumerate(marks) if m in text]
        for k in held:
            quote_heads[k] = quote_heads[k] or heading_of(chunk)
        if chunk.text.strip() and not held:
            units = split_units(chunk.text)
            background += units
            back_heads += [heading_of(chunk)] * len(units)
    rng = np.random.default_rng(0)
    if len(background) > BACKGROUND_PER_PACK:
        keep = sorted(rng.choice(len(background), size=BACKGROUND_PER_PACK, replace=False))
        background = [background[i] for i in keep]
        back_heads = [back_heads[i] for i in keep]
    texts = [q["quote"] for q in gold] + [q["quote"] for q in near] + background
    labels = [frozenset(q["codes"]) for q in gold] + [frozenset()] * (len(near) + len(background))
    near_labels = [frozenset()] * len(gold) + [frozenset(q["codes"]) for q in near] + [frozenset()] * len(background)
    return tuple(texts), tuple(labels), tuple(near_labels), tuple(quote_heads + back_heads)


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
    packs: Sequence[Path],
    codes: Sequence[str],
    embedder: Embedder,
    cache: EmbeddingCache | None,
    with_layer: bool = False,
    with_heading: bool = WITH_HEADING,
) -> PackClassifier:
    """One network for every code over every given pack's examples (a multi-label MLP with an
    evidence output and a near-miss output per code). ``with_layer``: it also reads the layer
    view, when the embedder gives one."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    texts: list[str] = []
    labels: list[frozenset[str]] = []
    near_labels: list[frozenset[str]] = []
    groups: list[str] = []
    heads: list[str] = []
    for pack in sorted(packs, key=lambda p: p.name):
        pack_t, pack_l, pack_n = pack_texts(pack)
        heads += pack_headings(pack)
        texts += pack_t
        labels += pack_l
        near_labels += pack_n
        groups += [pack.name] * len(pack_t)
    with_layer = with_layer and has_layer_view(embedder)
    x_all = encode_cached(embedder, texts, cache, with_layer=with_layer).astype(np.float32)
    if with_heading:
        x_all = np.hstack([x_all, heading_vectors(embedder, heads, cache)])
    y = np.array([[c in s for c in codes] for s in labels], dtype=np.int64)
    y_near = np.array([[c in s for c in codes] for s in near_labels], dtype=np.int64)
    # Too few examples to learn from: the code gets no help from that output.
    learn, learn_near = y.sum(axis=0) >= 2, y_near.sum(axis=0) >= 2
    dim = x_all.shape[1]
    hidden_w, hidden_b = np.zeros((dim, HIDDEN), np.float32), np.zeros(HIDDEN, np.float32)
    coef = np.zeros((len(codes), HIDDEN), dtype=np.float32)
    intercept = np.full(len(codes), -CLIP, dtype=np.float32)
    near_coef = np.zeros((len(codes), HIDDEN), dtype=np.float32)
    near_intercept = np.full(len(codes), -CLIP, dtype=np.float32)
    if learn.any():
        net = MLPClassifier(
            hidden_layer_sizes=(HIDDEN,), alpha=ALPHA, max_iter=EPOCHS, batch_size=256, random_state=0
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # EPOCHS is a fixed budget, not a bug
            net.fit(x_all, np.concatenate([y[:, learn], y_near[:, learn_near]], axis=1))
        hidden_w, hidden_b = net.coefs_[0].astype(np.float32), net.intercepts_[0].astype(np.float32)
        out_w, out_b, k = net.coefs_[1].T.astype(np.float32), net.intercepts_[1], int(learn.sum())
        # Each code's evidence is rare among the examples; adding log(negatives / positives) gives
        # the balanced logit the per-code logistic regressions had, so the other weights still fit.
        coef[learn] = out_w[:k]
        intercept[learn] = (out_b[:k] + _balance(y[:, learn])).astype(np.float32)
        near_coef[learn_near] = out_w[k:]
        near_intercept[learn_near] = (out_b[k:] + _balance(y_near[:, learn_near])).astype(np.float32)
    return PackClassifier(
        tuple(codes),
        hidden_w,
        hidden_b,
        coef,
        intercept,
        tuple(p.name for p in packs),
        packs_digest(packs),
        learn_terms(texts, labels, codes, groups),
        near_coef,
        near_intercept,
        with_layer,
        with_heading,
    )


def heading_vectors(embedder: Embedder, headings: Sequence[str], cache: EmbeddingCache | None) -> np.ndarray:
    """Sentence vectors of ``headings``, zeros for an empty one; each distinct heading embedded once."""
    distinct = sorted({h for h in headings if h.strip()})
    out = np.zeros((len(headings), embedder.dim), dtype=np.float32)
    if distinct:
        vecs = encode_cached(embedder, distinct, cache)[:, : embedder.dim].astype(np.float32)
        row = {h: i for i, h in enumerate(distinct)}
        for k, h in enumerate(headings):
            if h in row:
                out[k] = vecs[row[h]]
    return out


def _balance(y: np.ndarray) -> np.ndarray:
    pos = y.sum(axis=0)
    return np.log((len(y) - pos) / pos)


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
        near_coef=clf.near_coef if clf.near_coef is not None else np.zeros_like(clf.coef),
        near_intercept=clf.near_intercept if clf.near_intercept is not None else np.full_like(clf.intercept, -CLIP),
        packs=np.array(clf.packs),
        digest=np.array(clf.digest),
        terms=np.array([" ".join(clf.terms.get(c, ())) for c in clf.codes]),
        with_layer=np.array(clf.with_layer),
        with_heading=np.array(clf.with_heading),
    )


_LOADED: dict[tuple[str, str, str, bool], PackClassifier | None] = {}


def load(embedder: Embedder, path: Path = STORED) -> PackClassifier | None:
    """The stored fit when it was made with this embedding model (and, when it reads the
    middle-layer view, the embedder can give it), else None (signal off)."""
    key = (str(path), embedder.model_id, embedder.model_hash, has_layer_view(embedder))
    if key not in _LOADED:
        _LOADED[key] = None
        try:
            with np.load(path, allow_pickle=False) as data:
                with_layer = bool(data["with_layer"]) if "with_layer" in data else False
                if (
                    str(data["model_id"]) == embedder.model_id
                    and str(data["model_hash"]) == embedder.model_hash
                    and (has_layer_view(embedder) or not with_layer)
                ):
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
                        data["near_coef"].astype(np.float32) if "near_coef" in data else None,
                        data["near_intercept"].astype(np.float32) if "near_intercept" in data else None,
                        with_layer,
                        bool(data["with_heading"]) if "with_heading" in data else False,
                    )
        except (OSError, KeyError, ValueError):
            pass
    return _LOADED[key]
