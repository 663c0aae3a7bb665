"""Small typed records shared by every stage of the pipeline.

The arrows point one way: ingest -> chunk -> embed -> match -> session -> rules -> report.
Every record is frozen so a stage cannot quietly change what an earlier one produced.

Invariant that highlights, report quotes and the audit trail rely on:
    chunk.text == document.text[chunk.start:chunk.end]
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Literal

DocStatus = Literal["ok", "warning", "error", "skipped"]
BlockKind = Literal["title", "heading", "paragraph", "list_item", "table_row", "furniture"]
ProviderType = Literal["school", "special_school", "college", "wbl"]
PROVIDER_TYPES: tuple[str, ...] = ("school", "special_school", "college", "wbl")

OutcomeId = Literal["insufficient_progress", "good_progress", "fully_meeting"]
OUTCOME_IDS: tuple[str, ...] = ("insufficient_progress", "good_progress", "fully_meeting")


@dataclass(frozen=True)
class Page:
    """A page's span in the document text (1-based number)."""

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class Block:
    """A structural unit of the extracted text: heading, paragraph, list item, table row.

    ``furniture`` blocks (running headers/footers, "Page 3 of 7") stay in the text so offsets
    are exact, but the chunker leaves them out of matched text.
    """

    kind: BlockKind
    start: int
    end: int
    level: int = 0  # heading level (1 = top); 0 for non-headings


@dataclass(frozen=True)
class Document:
    id: str  # sha256 of the file's bytes
    name: str  # file name as the provider sent it
    path: str  # path as read (inside the temp dir for zips)
    type: str  # pdf, docx, html, txt, md, pptx, xlsx, or the unsupported extension
    status: DocStatus
    message: str = ""
    text: str = ""
    pages: tuple[Page, ...] = ()
    blocks: tuple[Block, ...] = ()
    title: str = ""
    size_bytes: int = 0

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def headings(self) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.kind in ("title", "heading"))

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    def page_at(self, offset: int) -> int:
        """1-based page holding ``offset``; 1 for documents without pages."""
        if not self.pages:
            return 1
        starts = [p.start for p in self.pages]
        i = bisect.bisect_right(starts, offset) - 1
        return self.pages[max(i, 0)].number


@dataclass(frozen=True)
class Chunk:
    id: str  # stable: f"{doc_id[:16]}:{start}-{end}"
    doc_id: str
    doc_name: str
    start: int
    end: int
    text: str
    page_start: int = 1
    page_end: int = 1
    heading_path: tuple[str, ...] = ()
    index: int = 0  # position of the chunk within its document

    @staticmethod
    def make_id(doc_id: str, start: int, end: int) -> str:
        return f"{doc_id[:16]}:{start}-{end}"


@dataclass(frozen=True)
class Suggestion:
    """A passage suggested as evidence for one code."""

    code: str
    chunk_id: str
    doc_id: str
    doc_name: str
    page: int
    start: int
    end: int
    text: str
    score: float  # calibrated to [0, 1]; one threshold means the same for every code
    rank: int  # 1 = best for this code
    signals: dict[str, float] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class MatchResult:
    provider_type: str
    suggestions: tuple[Suggestion, ...]
    missing: tuple[str, ...]
    weak: tuple[str, ...]
    best_score: dict[str, float]
    model_id: str
    model_hash: str
    criteria_version: str
    threshold: float
    weak_margin: float

    def for_code(self, code: str) -> tuple[Suggestion, ...]:
        return tuple(s for s in self.suggestions if s.code == code)


# ---- rules engine output (see triage/rules) -------------------------------------------------


@dataclass(frozen=True)
class TraceStep:
    rule: str  # rule id from the rules file, e.g. "R1-missing-evidence"
    target: str  # "code 1.2", "section 3" or "overall"
    message: str  # plain English, names the codes and evidence that made it fire
    citation: str  # where in the Assessment Guide the rule comes from
    codes: tuple[str, ...] = ()
    evidence_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodeResult:
    code: str
    section: int
    status: Literal["evidenced", "missing_evidence"]
    level: OutcomeId
    rated: bool
    evidence_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class SectionResult:
    section: int
    title: str
    computed: OutcomeId
    outcome: OutcomeId  # == computed unless overridden
    overridden: bool
    override_justification: str = ""
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assessment:
    overall: OutcomeId
    provisional: bool
    provisional_reasons: tuple[str, ...]
    codes: tuple[CodeResult, ...]
    sections: tuple[SectionResult, ...]
    trace: tuple[TraceStep, ...]
    rules_version: str
    criteria_version: str
