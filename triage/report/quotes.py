"""Pick a short, verbatim quote out of a matched passage.

The quote is always a substring of the passage (offsets are returned, never rewritten text), so
the report can be checked against the document it cites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_WORDS = 40
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]?\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_BULLET = re.compile(r"^(?:[-*•·▪◦‣]|\d{1,2}[.)])\s+")
_WORD = re.compile(r"[a-z][a-z']+")
_STOP = frozenset(
    """about above after again against also among and any are been before being between both but
    can could does doing down during each either every few from further have having here into its
    itself just more most much must need only other our ours over own same should some such than
    that the their them then there these they this those through under until very was were what
    when where which while will with within would your yours ensuring including learners learner
    provider learning""".split()
)


@dataclass(frozen=True)
class QuoteSpan:
    start: int  # offsets into the passage text
    end: int
    cut_before: bool
    cut_after: bool


def keywords(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(text.lower()) if len(w) > 3 and w not in _STOP)


def _segments(text: str) -> list[tuple[int, int]]:
    """Sentence spans, never crossing a line break, trimmed of spaces and bullet marks."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        cuts = [line_start] + [line_start + m.end() for m in _SENTENCE_END.finditer(line)]
        cuts.append(line_start + len(line))
        for a, b in zip(cuts, cuts[1:], strict=False):
            piece = text[a:b]
            stripped = piece.lstrip()
            a += len(piece) - len(stripped)
            bullet = _BULLET.match(stripped)
            if bullet:
                a += bullet.end()
            b = a + len(text[a:b].rstrip())
            if b > a:
                spans.append((a, b))
    return spans


def pick_quote(text: str, focus: frozenset[str] = frozenset(), max_words: int = MAX_WORDS) -> QuoteSpan:
    """The sentence of ``text`` that best matches ``focus`` words, cut to ``max_words``.

    Short headings lose to full sentences; ties go to the earliest sentence so the choice is
    deterministic.
    """
    segments = _segments(text)
    if not segments:
        return QuoteSpan(0, 0, False, False)

    def score(span: tuple[int, int]) -> tuple[float, int]:
        piece = text[span[0] : span[1]]
        n_words = len(piece.split())
        overlap = len(keywords(piece) & focus)
        shape = 0.0 if n_words >= 6 else -2.0  # a heading or label makes a poor quote
        return (overlap + shape, -span[0])

    start, end = max(segments, key=score)
    cut_after = False
    words = list(re.finditer(r"\S+", text[start:end]))
    if len(words) > max_words:
        end = start + words[max_words - 1].end()
        cut_after = True
    # A quote that begins in lower case starts mid-sentence (the passage was cut there).
    cut_before = text[start : start + 1].islower()
    return QuoteSpan(start, end, cut_before, cut_after)
