"""Extractive answers: pick the sentences of the retrieved passages that answer the question.

No language model is involved: each sentence is scored by how many of the question's content terms
it holds and by its embedding similarity to the question, and the best ones are returned as offsets
into the chunk text so a UI can highlight them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from triage.chat.retrieval import terms
from triage.embed.base import Embedder
from triage.embed.cache import EmbeddingCache, encode_cached

Span = tuple[int, int]

# A sentence ends at . ! ? followed by space and a capital, digit or quote, or at a line break
# (table rows, list items and headings are one line each).
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)]?\s+(?=[A-Z0-9\"'\u201c\u2018(\u2022-])|\n+")
_ABBREV = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|No|e\.g|i\.e|etc|vs|approx|cf)\.|\b[A-Z]\.)$")


def sentence_spans(text: str) -> list[Span]:
    """Non-empty sentence spans of ``text``, trimmed of surrounding whitespace."""
    spans: list[Span] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if "\n" not in m.group() and _ABBREV.search(text[start : m.start()].rstrip("\"')\u201d\u2019")):
            continue  # "Mrs. Patel" or "J. Smith" is not the end of a sentence
        spans.append((start, m.start() + len(m.group()) - len(m.group().lstrip())))
        start = m.end()
    spans.append((start, len(text)))
    out: list[Span] = []
    for a, b in spans:
        seg = text[a:b]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        if b - trail > a + lead:
            out.append((a + lead, b - trail))
    return out


_WHO = re.compile(r"\bwho\b", re.I)
# A person named with a title ("Mrs Sandra Okoye", "Dr. Patel"): what a "who" question asks for.
_NAME = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+)?"
_PERSON = re.compile(rf"\b{_NAME}")
# "Who is the Careers Leader?" asks for the role's holder: the role, then what the sentence says.
_ROLE = re.compile(r"\bwho\s+(?:is|are|was|were)\s+(?:the\s+|our\s+|their\s+)?(.+?)[?.!]*$", re.I)
_JOIN = r"[,:]?\s+(?:(?:is|was|are|currently|now)\s+)*(?:(?:our|the|their|its)\s+)?"
PERSON_BONUS = 0.15  # a sentence that names someone
HOLDER_BONUS = 0.5  # ... right beside the role asked about ("Careers Leader, Ms Priya Desai")


def _who_bonus(question: str, texts: Sequence[str]) -> np.ndarray:
    bonus = np.zeros(len(texts), dtype=np.float32)
    if not _WHO.search(question):
        return bonus
    role = _ROLE.search(question.strip())
    holder = None
    if role:
        phrase = r"\s+".join(re.escape(w) for w in role.group(1).split())
        holder = re.compile(rf"{phrase}{_JOIN}{_NAME}|{_NAME}{_JOIN}{phrase}", re.I)
    for i, text in enumerate(texts):
        if holder is not None and holder.search(text):
            bonus[i] = HOLDER_BONUS
        elif _PERSON.search(text):
            bonus[i] = PERSON_BONUS
    return bonus


def score_sentences(
    question: str, texts: Sequence[str], embedder: Embedder | None, cache: EmbeddingCache | None = None
) -> np.ndarray:
    """Score each sentence: share of the question's terms it holds, blended with cosine similarity;
    for a "who" question, more for a sentence that names a person, most when the name stands
    beside the role asked about."""
    q_terms = set(terms(question))
    overlap = np.zeros(len(texts), dtype=np.float32)
    if q_terms:
        for i, text in enumerate(texts):
            overlap[i] = len(q_terms & set(terms(text))) / len(q_terms)
    bonus = _who_bonus(question, texts)
    if embedder is None or not texts:
        return overlap + bonus
    query = embedder.encode([question])[0]
    # Sentences recur across questions (the same passages come back), so they go through the cache.
    dense = encode_cached(embedder, list(texts), cache) @ query
    return 0.5 * overlap + 0.5 * np.clip(dense, 0.0, 1.0) + bonus


def highlight(
    question: str,
    chunk_texts: Sequence[str],
    embedder: Embedder | None,
    *,
    per_passage: int = 2,
    relative: float = 0.8,
    cache: EmbeddingCache | None = None,
) -> list[tuple[tuple[Span, ...], float]]:
    """For each chunk, the spans of its answering sentences (best first) and the best sentence score.

    A sentence is kept when it scores within ``relative`` of the best sentence of the whole answer,
    so a passage that only mentions the topic in passing gets its single best sentence, not a wall.
    """
    per_chunk = [sentence_spans(t) for t in chunk_texts]
    flat = [t[a:b] for t, spans in zip(chunk_texts, per_chunk, strict=True) for a, b in spans]
    scores = score_sentences(question, flat, embedder, cache)
    best_overall = float(scores.max(initial=0.0))
    out: list[tuple[tuple[Span, ...], float]] = []
    pos = 0
    for spans in per_chunk:
        mine = scores[pos : pos + len(spans)]
        pos += len(spans)
        if not spans:
            out.append(((), 0.0))
            continue
        order = [int(i) for i in np.argsort(-mine, kind="stable")]
        keep = [order[0]] + [i for i in order[1:per_passage] if mine[i] >= relative * best_overall > 0]
        out.append((tuple(spans[i] for i in keep), float(mine[order[0]])))
    return out
