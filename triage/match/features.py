"""Per (chunk, code) signals: dense, lexical, classifier and cue features."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from triage.match.cues import hedge_score
from triage.match.model import EvidenceModel, tokens

FEATURES = ("query", "exemplar", "near_miss", "classifier", "lexical", "hedge", "background")


def _topk_mean(sims: np.ndarray, k: int) -> np.ndarray:
    """Mean of the k largest values along axis 1 (all of them when fewer than k)."""
    if sims.shape[1] == 0:
        return np.zeros(sims.shape[0], dtype=np.float32)
    k = min(k, sims.shape[1])
    part = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
    return part.mean(axis=1)


def lexical_scores(model: EvidenceModel, texts: list[str]) -> np.ndarray:
    """BM25 of each chunk against each code's keyword list, squashed to [0, 1).

    BM25 values depend on the pack's own term statistics, so they are squashed with a fixed
    constant rather than normalised by the pack's maximum, which would make every code look
    evidenced in every pack.
    """
    return bm25_scores(texts, [model.profiles[code].keyword_tokens for code in model.codes])


def bm25_scores(texts: list[str], queries: Sequence[Sequence[str]]) -> np.ndarray:
    """(n_texts, n_queries) BM25 of each text against each query's (already stemmed) tokens,
    squashed with a fixed constant to [0, 1)."""
    import bm25s

    n, c = len(texts), len(queries)
    out = np.zeros((n, c), dtype=np.float32)
    if n == 0:
        return out
    corpus = [tokens(t) or ["_empty_"] for t in texts]
    vocab = {w: i for i, w in enumerate(sorted({w for doc in corpus for w in doc}))}
    ids = [[vocab[w] for w in doc] for doc in corpus]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
    for j, query_tokens in enumerate(queries):
        query = [w for w in query_tokens if w in vocab]
        if not query:
            continue
        scores = retriever.get_scores(query)
        out[:, j] = scores / (scores + 6.0)
    return out


def compute_features(model: EvidenceModel, vecs: np.ndarray, texts: list[str]) -> dict[str, np.ndarray]:
    """Each feature as an (n_chunks, n_codes) array (chunk-level ones are broadcast)."""
    n, c = vecs.shape[0], len(model.codes)
    feats = {name: np.zeros((n, c), dtype=np.float32) for name in FEATURES}
    if n == 0:
        return feats
    for j, code in enumerate(model.codes):
        pr = model.profiles[code]
        feats["query"][:, j] = (vecs @ pr.q_vecs.T).max(axis=1)
        feats["exemplar"][:, j] = _topk_mean(vecs @ pr.p_vecs.T, 2)
        if len(pr.n_vecs):
            feats["near_miss"][:, j] = (vecs @ pr.n_vecs.T).max(axis=1)
    logits = model.classifier_logits(vecs)
    feats["classifier"] = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
    feats["lexical"] = lexical_scores(model, texts)
    hedge = np.array([hedge_score(t) for t in texts], dtype=np.float32)
    feats["hedge"] = np.repeat(hedge[:, None], c, axis=1)
    bg = (vecs @ model.bg_vecs.T).max(axis=1) if len(model.bg_vecs) else np.zeros(n, dtype=np.float32)
    feats["background"] = np.repeat(bg[:, None], c, axis=1).astype(np.float32)
    return feats
