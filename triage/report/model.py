"""The report as plain data: every renderer reads only this, so all formats say the same thing."""

from __future__ import annotations

from dataclasses import dataclass

from triage.records import OutcomeId

REPORT_SCHEMA = "qic-triage-report/1"

# Column heading of template 1 (Appendix 2) for the section column.
SUMMARY_GRID_SECTION_HEADING = "National criteria section headings for the Quality in Careers Standard"
# Heading of the level columns in template 2 (the recording grid), in OUTCOME_IDS order.
RECORDING_GRID_LEVEL_HEADINGS: tuple[str, ...] = (
    "Insufficient progress",
    "Making Good progress",
    "Fully meeting",
)

MANUAL_KIND_LABELS: dict[str, str] = {
    "document": "Passage marked by the assessor",
    "learner_voice": "Learner voice",
    "partner_statement": "Partner statement",
    "staff_interview": "Staff interview",
    "observation": "Observation",
    "other": "Other evidence",
}

PROVIDER_TYPE_LABELS: dict[str, str] = {
    "school": "School",
    "special_school": "Special school",
    "college": "College",
    "wbl": "Work-based learning provider",
}

# Coverage cell statuses, worst first; the renderers colour them and print the short label too,
# so the picture still reads in black and white.
COVERAGE_STATUSES: tuple[str, ...] = (
    "missing_evidence",
    "insufficient_progress",
    "unrated",
    "good_progress",
    "fully_meeting",
)
COVERAGE_LABELS: dict[str, str] = {
    "missing_evidence": "Missing evidence",
    "insufficient_progress": "Insufficient progress",
    "unrated": "Evidenced, not yet rated",
    "good_progress": "Making good progress",
    "fully_meeting": "Fully meeting",
}
COVERAGE_SHORT: dict[str, str] = {
    "missing_evidence": "missing",
    "insufficient_progress": "IP",
    "unrated": "unrated",
    "good_progress": "GP",
    "fully_meeting": "FM",
}


GATSBY_STATUS_LABELS: dict[str, str] = {
    "not_met": "not met",
    "partially_met": "partially met",
    "fully_met": "fully met",
}


@dataclass(frozen=True)
class OutcomeColumn:
    """One outcome of section 2.7 as the report prints it."""

    id: OutcomeId
    numeral: str  # "i", "ii", "iii": the note under the summary grid
    grid_label: str  # column heading of template 1
    summary_note: str  # the note's text after the "="
    citation: str  # section 2.7 wording ("" when the outcome has no citation)
    meaning: str


@dataclass(frozen=True)
class Quote:
    """A short extract of a confirmed suggestion; ``text == document.text[start:end]``."""

    text: str
    doc_id: str
    doc_name: str
    page: int
    start: int
    end: int
    chunk_id: str
    suggestion_id: int
    cut_before: bool  # the extract starts mid-passage: print an ellipsis before it
    cut_after: bool
    note: str = ""


@dataclass(frozen=True)
class ManualItem:
    kind: str
    kind_label: str
    text: str
    note: str = ""
    doc_id: str = ""
    doc_name: str = ""
    page: int | None = None
    evidence_id: int = 0


@dataclass(frozen=True)
class KeyEvidenceDraft:
    """A one-line summary drafted by a language model and accepted by the assessor."""

    text: str
    model: str


@dataclass(frozen=True)
class CodeRow:
    code: str
    section: int
    description: str  # the code's wording for this provider type
    status: str  # "evidenced" | "missing_evidence"
    level: OutcomeId  # effective level from the rules engine
    rated: bool
    coverage: str  # one of COVERAGE_STATUSES
    quotes: tuple[Quote, ...] = ()
    manual: tuple[ManualItem, ...] = ()
    drafts: tuple[KeyEvidenceDraft, ...] = ()
    unreviewed: int = 0  # suggestions for this code still waiting for a decision


@dataclass(frozen=True)
class Development:
    numeral: str
    text: str


@dataclass(frozen=True)
class SectionRow:
    number: int
    title: str
    outcome: OutcomeId
    computed: OutcomeId
    overridden: bool
    override_justification: str
    reasons: tuple[str, ...]
    development_level: OutcomeId | None  # the next level up, None when already fully meeting
    development: tuple[Development, ...]
    codes: tuple[CodeRow, ...]
    gatsby_benchmark: int = 0
    gatsby_status: str = ""  # "not_met" | "partially_met" | "fully_met" | "" when not recorded


@dataclass(frozen=True)
class EvidenceRequestItem:
    code: str
    section: int
    section_title: str
    asks: str  # what the code asks, from the criteria index
    documents: str  # what would evidence it, from hints.py


@dataclass(frozen=True)
class TraceLine:
    rule: str
    target: str
    message: str
    citation: str
    codes: tuple[str, ...] = ()
    evidence_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ManifestFile:
    name: str
    sha256: str
    type: str
    status: str
    size_bytes: int


@dataclass(frozen=True)
class Manifest:
    session_id: str
    tool_version: str  # the tool that wrote this report
    session_tool_version: str  # the tool that ran the triage
    criteria_version: str
    rules_version: str
    model_id: str
    model_hash: str
    pack_path: str
    files: tuple[ManifestFile, ...]
    schema: str = REPORT_SCHEMA


@dataclass(frozen=True)
class ReportModel:
    provider_name: str
    provider_type: str
    provider_type_label: str
    assessors: str
    assessment_date: str  # ISO date of the assessor's last recorded action
    generated_at: str  # ISO timestamp; the only thing allowed to differ between two renders
    provisional: bool
    provisional_reasons: tuple[str, ...]
    overall: OutcomeId
    outcomes: tuple[OutcomeColumn, ...]  # in OUTCOME_IDS order
    sections: tuple[SectionRow, ...]
    missing: tuple[str, ...]
    evidence_request: tuple[EvidenceRequestItem, ...]
    trace: tuple[TraceLine, ...]
    manifest: Manifest
    section_heading: str = SUMMARY_GRID_SECTION_HEADING
    level_headings: tuple[str, ...] = RECORDING_GRID_LEVEL_HEADINGS

    def outcome(self, outcome_id: str) -> OutcomeColumn:
        for column in self.outcomes:
            if column.id == outcome_id:
                return column
        raise KeyError(outcome_id)

    @property
    def overall_column(self) -> OutcomeColumn:
        return self.outcome(self.overall)

    @property
    def codes(self) -> tuple[CodeRow, ...]:
        return tuple(code for section in self.sections for code in section.codes)
