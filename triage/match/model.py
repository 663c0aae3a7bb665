"""The per-code evidence model: exemplar embeddings, a classifier per code, lexical keywords.

Built once per (embedder, queries version, provider type). The exemplar and query texts go
through the embedding cache, so after the first run building the model costs only the
classifier fits (a fraction of a second).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from triage.config import REPO_ROOT
from triage.embed.base import Embedder
from triage.embed.cache import EmbeddingCache, encode_cached, text_key
from triage.match.modality import ModalityModel
from triage.match.pack_classifier import PackClassifier
from triage.match.queries import QuerySet

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an and are as at be by for from has have in is it of on or our the their to was we were with "
    "this that these those each all every who which will can".split()
)


def stem(word: str) -> str:
    """A light suffix strip so 'governors' meets 'governor' and 'placements' meets 'placement'."""
    for suffix in ("ies", "es", "s"):
        if len(word) > 4 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def tokens(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


@dataclass(frozen=True)
class CodeProfile:
    code: str
    description: str
    queries: tuple[str, ...]
    positives: tuple[str, ...]
    near_misses: tuple[str, ...]
    keyword_tokens: tuple[str, ...]
    documents: tuple[str, ...]
    requires: tuple[str, ...]
    q_vecs: np.ndarray
    p_vecs: np.ndarray
    n_vecs: np.ndarray


@dataclass(frozen=True)
class EvidenceModel:
    provider_type: str
    codes: tuple[str, ...]
    profiles: dict[str, CodeProfile]
    bg_vecs: np.ndarray
    coef: np.ndarray  # (n_codes, dim) linear classifiers over embeddings
    intercept: np.ndarray  # (n_codes,)
    queries_version: str
    classifier_digest: str = ""
    pack: PackClassifier | None = None  # learned from the labelled sample packs (pack_classifier.py)
    pack_rank: PackClassifier | None = None  # the same reading the layer view; ranks when present
    modality: ModalityModel | None = None  # plan/absence sentences, learned from the same packs (modality.py)
    code_offsets: np.ndarray | None = None  # (n_codes,) per-code calibration shift (code_calibration.py)
    flag_offsets: np.ndarray | None = None  # the same for the missing flag's scores

    def classifier_logits(self, vecs: np.ndarray) -> np.ndarray:
        return vecs @ self.coef.T + self.intercept


def build_model(
    queries: QuerySet,
    code_texts: dict[str, str],
    provider_type: str,
    embedder: Embedder,
    cache: EmbeddingCache | None,
    *,
    cancelled: Callable[[], bool] | None = None,
) -> EvidenceModel:
    """Embed every query and exemplar for one provider type and fit the per-code classifiers."""
    codes = tuple(sorted(code_texts, key=lambda c: tuple(int(p) for p in c.split("."))))
    per_code: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}
    texts: list[str] = []
    for code in codes:
        cq = queries.codes.get(code)
        q, p, n = cq.for_provider(provider_type) if cq else ((), (), ())
        # The Standard's own wording of the code is always one of the queries.
        q = (code_texts[code].replace("\n", " "), *q)
        per_code[code] = (q, p, n)
        texts += [*q, *p, *n]
    texts += list(queries.background)
    vecs = _exemplar_vectors(embedder, texts, cache, cancelled)
    row = {t: vecs[i] for i, t in enumerate(texts)}

    def stack(items: tuple[str, ...]) -> np.ndarray:
        if not items:
            return np.zeros((0, embedder.dim), dtype=np.float32)
        return np.stack([row[t] for t in items]).astype(np.float32)

    profiles = {}
    for code in codes:
        q, p, n = per_code[code]
        cq = queries.codes.get(code)
        kw = tuple(dict.fromkeys(t for k in (cq.keywords if cq else ()) for t in tokens(k)))
        docs = cq.documents if cq else ()
        req = cq.requires if cq else ()
        profiles[code] = CodeProfile(
            code, code_texts[code], q, p, n, kw, docs, req, stack(q), stack(p), stack(n)
        )
    bg = stack(queries.background)
    digest = classifier_digest(embedder, queries, provider_type, code_texts)
    stored = None if _FORCE_FIT else load_classifier(digest, provider_type)
    coef, intercept = stored if stored is not None else _fit_classifiers(codes, profiles, bg)
    return EvidenceModel(provider_type, codes, profiles, bg, coef, intercept, queries.version, digest)


PRECOMPUTED = REPO_ROOT / "models" / "exemplar_vectors.npz"
_FORCE_FIT = False  # set only while writing the precomputed file
_VECTORS_OVERRIDE: dict[str, np.ndarray] | None = None


def _exemplar_vectors(
    embedder: Embedder, texts: list[str], cache: EmbeddingCache | None, cancelled: Callable[[], bool] | None
) -> np.ndarray:
    """Query and exemplar vectors: from models/exemplar_vectors.npz when it was made by this
    model, so a cold start does not embed ~900 texts; anything it lacks goes through the cache."""
    known = dict(_VECTORS_OVERRIDE) if _VECTORS_OVERRIDE is not None else load_precomputed(embedder)
    missing = [t for t in dict.fromkeys(texts) if text_key(t) not in known]
    fresh = encode_cached(embedder, missing, cache, cancelled=cancelled) if missing else None
    if fresh is not None:
        known.update({text_key(t): fresh[i] for i, t in enumerate(missing)})
    return np.stack([known[text_key(t)] for t in texts]).astype(np.float32)


def classifier_digest(
    embedder: Embedder, queries: QuerySet, provider_type: str, code_texts: dict[str, str]
) -> str:
    """What a fitted classifier depends on: a stored fit is used only when this matches."""
    h = hashlib.sha256()
    for part in (
        embedder.model_id,
        embedder.model_hash,
        queries.digest,
        provider_type,
        json.dumps(code_texts, sort_keys=True),
    ):
        h.update(part.encode("utf-8") + b"\0")
    return h.hexdigest()


def load_classifier(
    digest: str, provider_type: str, path: Path | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    path = path or PRECOMPUTED
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if (
                f"clf_digest_{provider_type}" not in data
                or str(data[f"clf_digest_{provider_type}"]) != digest
            ):
                return None
            return data[f"clf_coef_{provider_type}"].copy(), data[f"clf_intercept_{provider_type}"].copy()
    except (OSError, KeyError, ValueError):
        return None


def load_precomputed(embedder: Embedder, path: Path = PRECOMPUTED) -> dict[str, np.ndarray]:
    if not path.exists():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["model_id"]) != embedder.model_id or str(data["model_hash"]) != embedder.model_hash:
                return {}
            return dict(zip((str(k) for k in data["keys"]), data["vectors"], strict=True))
    except (OSError, KeyError, ValueError):
        return {}  # a damaged file only costs the embeddings


def write_precomputed(
    embedder: Embedder,
    queries: QuerySet,
    code_texts_by_type: dict[str, dict[str, str]],
    path: Path = PRECOMPUTED,
) -> int:
    """Embed every query and exemplar text for every provider type into ``path``, with the
    fitted classifiers (so a run needs neither the embeddings nor scikit-learn); returns the
    number of vectors."""
    texts: list[str] = list(queries.background)
    for provider_type, code_texts in code_texts_by_type.items():
        for code, desc in code_texts.items():
            texts.append(desc.replace("\n", " "))
            cq = queries.codes.get(code)
            if cq:
                q, p, n = cq.for_provider(provider_type)
                texts += [*q, *p, *n]
    texts = list(dict.fromkeys(texts))
    vecs = embedder.encode(texts)
    known = {text_key(t): vecs[i] for i, t in enumerate(texts)}
    extra: dict[str, np.ndarray] = {}
    for provider_type, code_texts in code_texts_by_type.items():
        model = _build_with_vectors(queries, code_texts, provider_type, embedder, known)
        extra[f"clf_digest_{provider_type}"] = np.array(model.classifier_digest)
        extra[f"clf_coef_{provider_type}"] = model.coef
        extra[f"clf_intercept_{provider_type}"] = model.intercept
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = {
        "model_id": embedder.model_id,
        "model_hash": embedder.model_hash,
        "queries_version": queries.version,
        "keys": np.array([text_key(t) for t in texts]),
        "vectors": vecs.astype(np.float32),
        **extra,
    }
    np.savez_compressed(path, **arrays)
    return len(texts)


def _build_with_vectors(
    queries: QuerySet,
    code_texts: dict[str, str],
    provider_type: str,
    embedder: Embedder,
    known: dict[str, np.ndarray],
) -> EvidenceModel:
    """build_model with the classifier always fitted afresh from the given vectors."""
    global _FORCE_FIT, _VECTORS_OVERRIDE
    _FORCE_FIT, _VECTORS_OVERRIDE = True, known
    try:
        return build_model(queries, code_texts, provider_type, embedder, None)
    finally:
        _FORCE_FIT, _VECTORS_OVERRIDE = False, None


def _fit_classifiers(
    codes: tuple[str, ...], profiles: dict[str, CodeProfile], bg: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One-vs-rest logistic regression per code over exemplar embeddings.

    Negatives for a code are every other code's positives, every near-miss (its own above all)
    and the background paperwork, so the classifier learns both "which code" and "evidence or
    not". lbfgs on a fixed data order is deterministic.
    """
    from sklearn.linear_model import LogisticRegression

    xs, owner, kind = [], [], []
    for code in codes:
        pr = profiles[code]
        for v in pr.p_vecs:
            xs.append(v)
            owner.append(code)
            kind.append("pos")
        for v in pr.n_vecs:
            xs.append(v)
            owner.append(code)
            kind.append("near")
    for v in bg:
        xs.append(v)
        owner.append("")
        kind.append("bg")
    x = np.stack(xs)
    owner_a, kind_a = np.array(owner), np.array(kind)
    coef = np.zeros((len(codes), x.shape[1]), dtype=np.float32)
    intercept = np.zeros(len(codes), dtype=np.float32)
    for i, code in enumerate(codes):
        y = ((owner_a == code) & (kind_a == "pos")).astype(int)
        if y.sum() == 0:
            intercept[i] = -10.0
            continue
        # Own near-misses count double: telling them apart is this code's hardest job.
        w = np.where((owner_a == code) & (kind_a == "near"), 2.0, 1.0)
        w = np.where(y == 1, len(y) / (2.0 * y.sum()), w)
        clf = LogisticRegression(C=4.0, max_iter=500)
        clf.fit(x, y, sample_weight=w)
        coef[i] = clf.coef_[0]
        intercept[i] = clf.intercept_[0]
    return coef, intercept
