"""Checking what an answer cites: the passage must exist and a quote must occur in it.

Quotes are compared after normalising whitespace, curly quotes, dashes and case, and an ellipsis
in a quote stands for elided words (each piece must occur, in order).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# One-to-one character mappings, so offsets found in the mapped text hold in the original.
_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
        "\u2212": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    }
)
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|\u2026|\[\s*(?:\.\.\.|\u2026)\s*\])\s*")
_EDGE_PUNCT = " \t\n.,;:!?\"'()"


def fold(text: str) -> str:
    return text.translate(_FOLD)


def normalise(text: str) -> str:
    return " ".join(fold(text).split()).casefold()


def _fragments(quote: str) -> list[str]:
    return [p for p in (f.strip(_EDGE_PUNCT) for f in _ELLIPSIS.split(fold(quote))) if p]


def locate_quote(quote: str, text: str, start: int = 0) -> tuple[int, int] | None:
    """Where ``quote`` occurs in ``text`` (offsets into the original), or None.

    Whitespace runs match any whitespace, case is ignored, and an elided quote spans from its first
    piece to its last.
    """
    pieces = _fragments(quote)
    if not pieces:
        return None
    folded = fold(text)
    first: int | None = None
    pos = start
    end = start
    for piece in pieces:
        pattern = r"\s+".join(re.escape(w) for w in piece.split())
        m = re.compile(pattern, re.IGNORECASE).search(folded, pos)
        if m is None:
            return None
        if first is None:
            first = m.start()
        pos = end = m.end()
    return (first if first is not None else start, end)


def quote_occurs(quote: str, text: str) -> bool:
    return locate_quote(quote, text) is not None


# [1], [1, 3], [1-3], [Passage 2]: small models vary the form even when shown one.
_MARKER = re.compile(
    r"\[(?:(?:passage|source|doc)s?\s*)?(\d{1,3}(?:\s*(?:[,;\-\u2013]|and)\s*\d{1,3})*)\]", re.IGNORECASE
)


def _marker_numbers(body: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*(?:[,;]|and)\s*", body):
        ends = [int(n) for n in re.split(r"\s*[\-\u2013]\s*", part) if n]
        if len(ends) == 2 and 0 < ends[1] - ends[0] <= 10:
            numbers += list(range(ends[0], ends[1] + 1))
        else:
            numbers += ends
    return numbers
_QUOTE = re.compile(r"\"([^\"\n]{2,600}?)\"|\u201c([^\u201d\n]{2,600}?)\u201d")
_ATTACH_GAP = re.compile(r"^[\s,.;:)\-(]*(?:\(?(?:see|in|from|passage|source)\s*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class CitedQuote:
    number: int | None  # the passage it is attached to; None when no marker follows it
    quote: str


@dataclass(frozen=True)
class ParsedReply:
    numbers: tuple[int, ...]  # every passage number the reply cites, in order of first use
    quotes: tuple[CitedQuote, ...]


def parse_reply(reply: str) -> ParsedReply:
    """Citation markers ``[1]``, ``[1, 3]``, ``[2][4]`` and the quotes they follow.

    A quote belongs to the marker that comes right after it ("..." [2]) or, failing that, to one
    right before it ([2] "...").
    """
    markers = [(m.start(), m.end(), _marker_numbers(m.group(1))) for m in _MARKER.finditer(reply)]
    numbers: list[int] = []
    for _, _, nums in markers:
        for n in nums:
            if n not in numbers:
                numbers.append(n)
    quotes: list[CitedQuote] = []
    for q in _QUOTE.finditer(reply):
        text = q.group(1) if q.group(1) is not None else q.group(2)
        attached: list[int] = []
        after = [mk for mk in markers if mk[0] >= q.end() and _ATTACH_GAP.match(reply[q.end() : mk[0]])]
        if after:
            attached = after[0][2]
        else:
            before = [mk for mk in markers if mk[1] <= q.start() and reply[mk[1] : q.start()].strip(" :-") == ""]
            if before:
                attached = before[-1][2]
        if attached:
            quotes += [CitedQuote(n, text) for n in attached]
        else:
            quotes.append(CitedQuote(None, text))
    return ParsedReply(tuple(numbers), tuple(quotes))


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    problems: tuple[str, ...]
    numbers: tuple[int, ...]  # the valid cited passage numbers
    quotes: dict[int, tuple[str, ...]]  # passage number -> the quotes checked against it


def check_reply(reply: str, passages: dict[int, str], *, extra_sources: tuple[str, ...] = ()) -> CheckResult:
    """Validate a model reply against the numbered passages it was given (original, unredacted text).

    Fails when a marker names a passage that was not given, when a quote attached to a passage does
    not occur in it, when a free quote occurs in no passage (nor in ``extra_sources``, such as the
    question), or when the reply cites nothing at all.
    """
    parsed = parse_reply(reply)
    problems: list[str] = []
    for n in parsed.numbers:
        if n not in passages:
            problems.append(f"it cites passage [{n}], which it was not given")
    quotes: dict[int, list[str]] = {}
    for cq in parsed.quotes:
        if cq.number is None:
            if not any(quote_occurs(cq.quote, t) for t in (*passages.values(), *extra_sources)):
                problems.append(f"it quotes \u201c{_short(cq.quote)}\u201d, which is in none of the passages")
            continue
        if cq.number not in passages:
            continue  # already reported as an invented citation
        if not quote_occurs(cq.quote, passages[cq.number]):
            problems.append(f"the quote \u201c{_short(cq.quote)}\u201d is not in passage [{cq.number}]")
        else:
            quotes.setdefault(cq.number, []).append(cq.quote)
    if not parsed.numbers:
        problems.append("it cites no passage")
    valid = tuple(n for n in parsed.numbers if n in passages)
    return CheckResult(not problems, tuple(problems), valid, {n: tuple(q) for n, q in quotes.items()})


def _short(text: str, width: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "\u2026"
