"""Reversible redaction of personal data before pack text goes to a remote model.

Detected: e-mail addresses, UK phone numbers, UK postcodes, pupil and learner numbers (UPN, ULN),
labelled dates of birth, and names in learner records
("Student: Jane Smith", "Name - J. Smith", "pupil Jane Smith", the name column of a table whose
rows are ``cell | cell``). Each distinct value becomes a placeholder such as ``[EMAIL-1]``; the
mapping never leaves this process, so only the assessor's screen sees the originals again.
Detection is pattern-based: a name written in running prose ("Jane said...") is not caught.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_NAME_WORD = r"[A-Z][a-zA-Z'’\-]+"
_INITIAL = r"[A-Z]\.?(?![a-zA-Z])"
# "Jane Smith", "J. Smith", "Jane", "Mary-Ann O'Neil"; at most four words so a sentence is not eaten.
_NAME = rf"(?:{_INITIAL}[ \t]*)?{_NAME_WORD}(?:[ \t]+(?:{_NAME_WORD}|{_INITIAL})){{0,3}}"

EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<![\w+])(?:\+44[ \t-]?(?:\(0\)[ \t-]?)?|\(?0)\d(?:[ \t\-()]{0,2}\d){8,9}(?![\w])")
# Unique pupil number (a letter and 12 digits) and a labelled unique learner number.
LEARNER_ID = re.compile(r"\b[A-HJ-NP-TV-Z]\d{11}[0-9A-Z]\b|(?<=\bULN)[\s:#-]*\d{10}\b")
DATE_OF_BIRTH = re.compile(
    r"(?i:\b(?:DOB|D\.O\.B\.?|date\s+of\s+birth|born(?:\s+on)?))[\s:\-]*"
    r"(?P<date>\d{1,2}(?:[/.\-]\d{1,2}[/.\-]\d{2,4}|\s+[A-Z][a-z]{2,8}\s+\d{4}))"
)
POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}[0-9][A-Z0-9]?)[ \t]?[0-9][ABD-HJLNP-UW-Z]{2}\b")
_LABEL = (
    r"(?i:(?:student|pupil|learner|apprentice|child|young\s+person)s?(?:'s)?(?:\s+(?:full\s+)?name)?"
    r"|(?:full\s+|first\s+|last\s+|sur)?name(?:\s+of\s+(?:student|pupil|learner))?)"
)
LABELLED_NAME = re.compile(rf"\b{_LABEL}[ \t]*[:\-–][ \t]*(?P<name>{_NAME})")
ROLE_NAME = re.compile(rf"\b(?i:pupil|student|learner|apprentice)[ \t]+(?P<name>{_NAME})")
# Capitalised words that commonly follow "pupil"/"student" and are not names.
_NOT_NAMES = frozenset(
    """premium council voice voices leadership leaders services support finance ambassadors ambassador
    year years survey surveys record records agreement passport passports destinations destination
    union unions loan loans records feedback guide guides parliament panel panels forum forums progress
    led view views the a an and of for in on with careers career action plan plans engagement
    entitlement entitlements data information interview interviews handbook profile profiles
    experience experiences week weeks services room hub portal""".split()
)
_NAME_HEADER = re.compile(
    r"^(?:(?:student|pupil|learner|apprentice|child|full|first|last|given|family|sur)[ \t]*)?name$"
    r"|^(?:student|pupil|learner|apprentice)s?$",
    re.IGNORECASE,
)
_TABLE_TOTALS = frozenset({"total", "totals", "all", "overall", "average", "mean", "subtotal", "sum"})
_FULL_NAME = re.compile(r"\b[A-Z][a-z'’\-]+(?:[ \t]+[A-Z][a-zA-Z'’\-]+){1,2}\b")
_CELL_SEP = re.compile(r"[ \t]*\|[ \t]*")


@dataclass(frozen=True)
class Finding:
    kind: str  # EMAIL, PHONE, POSTCODE, NAME
    start: int
    end: int


def _table_name_cells(text: str) -> Iterator[Finding]:
    """Cells under a name-like header, for the run of table rows that follows the header row."""
    column: int | None = None
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if "|" not in body:
            if body.strip():  # the readers put a blank line between rows: that does not end a table
                column = None
        else:
            cells: list[tuple[int, int]] = []
            last = 0
            for sep in _CELL_SEP.finditer(body):
                cells.append((last, sep.start()))
                last = sep.end()
            cells.append((last, len(body)))
            header = [i for i, (a, b) in enumerate(cells) if _NAME_HEADER.match(body[a:b].strip())]
            if header:
                column = header[0]
                # A table flattened onto one line ("Name | Year Omar Haddad | 11") loses its row
                # breaks, so every full name after the header row's cells counts.
                for m in _FULL_NAME.finditer(body, cells[column][1]):
                    if not any(w.lower() in _NOT_NAMES for w in m.group().split()):
                        yield Finding("NAME", pos + m.start(), pos + m.end())
            elif column is not None and column < len(cells):
                a, b = cells[column]
                value = body[a:b].strip()
                if re.search(r"[A-Za-z]", value) and value.lower() not in _TABLE_TOTALS:
                    lead = len(body[a:b]) - len(body[a:b].lstrip())
                    yield Finding("NAME", pos + a + lead, pos + a + lead + len(value))
        pos += len(line)


def find_personal_data(text: str) -> list[Finding]:
    """Non-overlapping findings in text order; earlier and then longer matches win."""
    found: list[Finding] = []
    found += [Finding("EMAIL", m.start(), m.end()) for m in EMAIL.finditer(text)]
    for m in PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        national = (digits[2:] if m.group().startswith("+") else digits).lstrip("0")
        if 9 <= len(national) <= 10:
            found.append(Finding("PHONE", m.start(), m.end()))
    found += [Finding("POSTCODE", m.start(), m.end()) for m in POSTCODE.finditer(text)]
    for m in LEARNER_ID.finditer(text):
        value = m.group()
        lead = len(value) - len(value.lstrip(" \t:#-"))
        found.append(Finding("ID", m.start() + lead, m.end()))
    found += [Finding("DOB", m.start("date"), m.end("date")) for m in DATE_OF_BIRTH.finditer(text)]
    found += [Finding("NAME", m.start("name"), m.end("name")) for m in LABELLED_NAME.finditer(text)]
    for m in ROLE_NAME.finditer(text):
        words = m.group("name").split()
        if words[0].strip(".").lower() in _NOT_NAMES:
            continue
        # Stop the name at the first common noun: "pupil Jane Smith Careers Award" keeps two words.
        keep = 0
        for word in words:
            if word.lower() in _NOT_NAMES:
                break
            keep += 1
        end = m.start("name") + len(" ".join(words[:keep])) if keep else m.end("name")
        span = text[m.start("name"):end]
        found.append(Finding("NAME", m.start("name"), m.start("name") + len(span.rstrip())))
    found += list(_table_name_cells(text))
    return _non_overlapping(found)


def _non_overlapping(found: list[Finding]) -> list[Finding]:
    """Earlier and then longer findings win."""
    out: list[Finding] = []
    for f in sorted(found, key=lambda f: (f.start, -(f.end - f.start))):
        if out and f.start < out[-1].end:
            continue
        out.append(f)
    return out


class Redactor:
    """Replaces personal data with numbered placeholders and puts it back locally.

    One Redactor per request keeps the numbering consistent across the question and passages, so
    "[NAME-1]" in the model's reply means the same person everywhere.
    """

    def __init__(self) -> None:
        self._placeholder: dict[tuple[str, str], str] = {}
        self._original: dict[str, str] = {}
        self._counts: dict[str, int] = {}

    def learn(self, texts: Iterable[str]) -> None:
        """Register what ``texts`` hold, so the same values are caught where no pattern marks them.

        "Student: Jane Smith" in one passage teaches the redactor that "Jane Smith" (and "Jane",
        "Smith") is a name, so "What did Jane Smith agree?" in the question is redacted too.
        """
        for text in texts:
            for f in find_personal_data(text):
                value = text[f.start : f.end]
                self._register(f.kind, value)
                if f.kind == "NAME":
                    for word in value.split():
                        word = word.strip(".,")
                        if len(word) >= 3 and word.lower() not in _NOT_NAMES and word[0].isupper():
                            self._register("NAME", word)

    def _register(self, kind: str, value: str) -> str:
        key = (kind, value)
        if key not in self._placeholder:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            holder = f"[{kind}-{self._counts[kind]}]"
            self._placeholder[key] = holder
            self._original[holder] = value
        return self._placeholder[key]

    def _known(self, text: str) -> list[Finding]:
        found = []
        for kind, value in self._placeholder:
            for m in re.finditer(rf"(?<![\w@.]){re.escape(value)}(?![\w@])", text):
                found.append(Finding(kind, m.start(), m.end()))
        return found

    def redact(self, text: str) -> str:
        parts: list[str] = []
        last = 0
        for f in _non_overlapping(find_personal_data(text) + self._known(text)):
            parts += [text[last : f.start], self._register(f.kind, text[f.start : f.end])]
            last = f.end
        parts.append(text[last:])
        return "".join(parts)

    def restore(self, text: str) -> str:
        if not self._original:
            return text
        return _PLACEHOLDER.sub(lambda m: self._original.get(m.group(), m.group()), text)

    @property
    def counts(self) -> dict[str, int]:
        """How many distinct values of each kind were replaced."""
        return dict(self._counts)

    @property
    def redacted_values(self) -> tuple[str, ...]:
        return tuple(self._original.values())


_PLACEHOLDER = re.compile(r"\[(?:EMAIL|PHONE|POSTCODE|NAME|ID|DOB)-\d+\]")


class StreamRestorer:
    """Restores placeholders in streamed text, holding back a possibly split ``[NAME-1]`` token."""

    _HOLD = 16

    def __init__(self, redactor: Redactor | None):
        self._redactor = redactor
        self._pending = ""

    def feed(self, piece: str) -> str:
        if self._redactor is None:
            return piece
        self._pending += piece
        cut = self._pending.rfind("[")
        if cut != -1 and "]" not in self._pending[cut:] and len(self._pending) - cut < self._HOLD:
            ready, self._pending = self._pending[:cut], self._pending[cut:]
        else:
            ready, self._pending = self._pending, ""
        return self._redactor.restore(ready)

    def flush(self) -> str:
        rest, self._pending = self._pending, ""
        return self._redactor.restore(rest) if self._redactor else rest
