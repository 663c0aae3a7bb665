"""Hybrid retrieval over a session's chunks: dense cosine from any ``Embedder`` plus BM25.

Dense similarity finds paraphrases ("link governor" ~ "governor with responsibility for careers");
BM25 keeps exact names, acronyms and numbers ("CEIAG", "Provider Access") from being drowned out.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from triage.embed.base import Embedder
from triage.embed.cache import EmbeddingCache, encode_cached
from triage.records import Chunk

LEXICAL_HEADINGS = 1  # innermost headings joining a chunk's lexical terms (best mean hit@5 on 3 packs)
DENSE_WEIGHT = 0.5  # the rest goes to BM25; 0.5 had the best hit@5 on all three sample packs

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    """a about all also am an and any are as at be been being but by can could did do does doing for
    from had has have having he her here hers him his how i if in into is it its itself me more most my
    no nor not of on or our ours out over own please same she should so some such than that the their
    them then there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours tell show give list find say says
    said there's what's who's""".split()
)


def stem(word: str) -> str:
    """A light English stemmer: enough to match "governors" with "governor" and "meeting" with "meet"."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            if suffix == "es" and not word.endswith(("shes", "ches", "xes", "sses", "zes")):
                continue
            return word[: len(word) - len(suffix)] + keep
    return word


def terms(text: str) -> list[str]:
    """Content terms of a text, lower-cased and stemmed, stopwords removed."""
    return [stem(w.replace("'", "")) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def _innermost(headings: tuple[str, ...]) -> tuple[str, ...]:
    return headings[-LEXICAL_HEADINGS:] if LEXICAL_HEADINGS > 0 else ()


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * lexical
    dense: float  # cosine similarity of question and chunk
    lexical: float  # BM25 score over the best BM25 score for this question, in [0, 1]


class Retriever:
    """Index of one set of chunks; build once per session and ask many questions."""

    def __init__(self, chunks: Sequence[Chunk], embedder: Embedder, *, cache: EmbeddingCache | None = None):
        self.chunks = [c for c in chunks if c.text.strip()]
        self.embedder = embedder
        self._vectors = encode_cached(embedder, [c.text for c in self.chunks], cache)
        self._bm25 = None
        # Headings name what a table or list is about ("Differences between groups"), which the
        # rows themselves rarely say; they join the lexical index only, so the embeddings stay
        # those of the chunk text alone (cached, so a re-opened session does not embed again).
        corpus = [terms(" ".join((*_innermost(c.heading_path), c.text))) or ["_"] for c in self.chunks]
        if self.chunks:
            import bm25s

            self._bm25 = bm25s.BM25()
            self._bm25.index(corpus, show_progress=False)

    def dense_scores(self, text: str) -> np.ndarray:
        if not self.chunks:
            return np.zeros(0, dtype=np.float32)
        query = self.embedder.encode([text])[0]
        return self._vectors @ query

    def lexical_scores(self, text: str) -> np.ndarray:
        scores = np.zeros(len(self.chunks), dtype=np.float32)
        if self._bm25 is None:
            return scores
        known = [t for t in terms(text) if t in self._bm25.vocab_dict]
        if not known:
            return scores
        scores = np.asarray(self._bm25.get_scores(known), dtype=np.float32)
        best = float(scores.max(initial=0.0))
        return scores / best if best > 0 else scores

    def search(self, question: str, top_k: int = 5) -> list[Hit]:
        if not self.chunks or top_k <= 0:
            return []
        dense = self.dense_scores(question)
        lexical = self.lexical_scores(question)
        fused = DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * lexical
        # Stable sort: ties keep document order, so the same question gives the same passages.
        order = np.argsort(-fused, kind="stable")[:top_k]
        return [Hit(self.chunks[i], float(fused[i]), float(dense[i]), float(lexical[i])) for i in order]


_RETRIEVERS: OrderedDict[tuple[str, int, str], Retriever] = OrderedDict()
_RETRIEVERS_LOCK = threading.Lock()
# Held while an index is built: a question asked while the chat pane's warm-up is still embedding
# waits for that index instead of embedding every passage a second time on the same two cores.
_BUILD_LOCK = threading.Lock()


def retriever_for(
    chunks: Sequence[Chunk], embedder: Embedder, *, cache: EmbeddingCache | None = None
) -> Retriever:
    """A Retriever reused while the chunks and embedder stay the same (a chat asks many questions)."""
    key = (embedder.model_id, id(embedder), "|".join(c.id for c in chunks))

    def cached() -> Retriever | None:
        with _RETRIEVERS_LOCK:
            found = _RETRIEVERS.get(key)
            if found is not None:
                _RETRIEVERS.move_to_end(key)
            return found

    found = cached()
    if found is not None:
        return found
    with _BUILD_LOCK:
        found = cached()  # built by another thread while this one waited
        if found is not None:
            return found
        built = Retriever(chunks, embedder, cache=cache)
        with _RETRIEVERS_LOCK:
            _RETRIEVERS[key] = built
            while len(_RETRIEVERS) > 4:
                _RETRIEVERS.popitem(last=False)
    return built
