"""Signal helpers for the matcher: top-k similarity and BM25 over per-code word lists."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from triage.match.model import tokens


def _topk_mean(sims: np.ndarray, k: int) -> np.ndarray:
    """Mean of the k largest values along axis 1 (all of them when fewer than k)."""
    if sims.shape[1] == 0:
        return np.zeros(sims.shape[0], dtype=np.float32)
    k = min(k, sims.shape[1])
    part = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
    return part.mean(axis=1)


def bm25_scores(texts: list[str], queries: Sequence[Sequence[str]]) -> np.ndarray:
    """(n_texts, n_queries) BM25 of each text against each query's (already stemmed) tokens,
    squashed to [0, 1).

    BM25 values depend on the pack's own term statistics, so they are squashed with a fixed
    constant rather than normalised by the pack's maximum, which would make every code look
    evidenced in every pack.
    """
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
