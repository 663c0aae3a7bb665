"""Wording shared by every renderer, so the formats cannot drift apart."""

from __future__ import annotations

from triage.report.model import (
    GATSBY_STATUS_LABELS,
    CodeRow,
    Manifest,
    ManualItem,
    Quote,
    ReportModel,
    SectionRow,
)

TITLE = "Quality in Careers Standard: assessment report"
TICK = "✓"
UNRATED_MARK = "*"
UNRATED_NOTE = (
    "* Not rated by the assessor: the rules engine counts the code at this level until it is rated."
)
NO_EVIDENCE = "No confirmed evidence."
PROVISIONAL_HEADLINE = "PROVISIONAL: this report is not final."
CITATION_SOURCE = "Assessment Guide, section 2.7"


def with_tick_heading(label: str) -> str:
    """Template 1 heads each outcome column with the label and "(✓)"."""
    return label if label.rstrip().endswith(f"({TICK})") else f"{label} ({TICK})"


def level_mark(code: CodeRow, outcome_id: str) -> str:
    if code.level != outcome_id:
        return ""
    # Missing evidence fixes the level (rule 1), so only evidenced, unrated codes carry the star.
    return TICK + UNRATED_MARK if code.status == "evidenced" and not code.rated else TICK


def lines_of(text: str) -> list[str]:
    """A code's wording and its provider-type sentence are stored on separate lines."""
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def quote_text(quote: Quote) -> str:
    return ("…" if quote.cut_before else "") + quote.text + ("…" if quote.cut_after else "")


def quote_source(quote: Quote) -> str:
    return f"{quote.doc_name}, p. {quote.page}"


def manual_source(item: ManualItem) -> str:
    if item.doc_name:
        page = f", p. {item.page}" if item.page is not None else ""
        return f"{item.kind_label}: {item.doc_name}{page}"
    return item.kind_label


def key_evidence_lines(code: CodeRow) -> list[str]:
    """The key evidence of one code as plain lines (CSV and Markdown use these)."""
    lines = [f"“{quote_text(q)}” ({quote_source(q)})" for q in code.quotes]
    lines += [
        f"[{manual_source(m)}] {m.text}" + (f" (note: {m.note})" if m.note else "") for m in code.manual
    ]
    lines += [f"Summary: {d.text}" for d in code.drafts]
    lines = lines or [NO_EVIDENCE]
    if code.unreviewed:
        lines.append(pending_text(code))
    return lines


def pending_text(code: CodeRow) -> str:
    n = code.unreviewed
    return f"({n} suggested passage{'s' if n != 1 else ''} awaiting review)"


def gatsby_text(section: SectionRow) -> str:
    if not section.gatsby_status:
        return ""
    label = GATSBY_STATUS_LABELS.get(section.gatsby_status, section.gatsby_status)
    return f"Gatsby Benchmark {section.gatsby_benchmark} indicators, as recorded by the assessor: {label}."


def note_text(model: ReportModel, outcome_id: str) -> str:
    """Note (i)-(iii) under the summary grid: "label = meaning"."""
    column = model.outcome(outcome_id)
    note = column.summary_note.strip()
    if note.startswith(column.grid_label):
        return note
    return f"{column.grid_label} = {note}"


def overall_heading(model: ReportModel) -> str:
    return model.overall_column.grid_label


def overall_wording(model: ReportModel) -> str:
    """Section 2.7: the citation for an award, otherwise what the outcome means."""
    column = model.overall_column
    return column.citation or column.meaning


def provider_line(model: ReportModel) -> list[tuple[str, str]]:
    return [
        ("Name of learning provider", model.provider_name or "(not recorded)"),
        ("Provider type", model.provider_type_label),
        ("Date", model.assessment_date or "(not recorded)"),
        ("Name(s) of Assessor(s)", model.assessors or "(not recorded)"),
    ]


def section_heading(number: int, title: str) -> str:
    return title if title.startswith(f"{number}.") else f"{number}. {title}"


def development_heading(model: ReportModel, level: str | None) -> str:
    if level is None:
        return "No areas for development: the section fully meets the national criteria."
    return f"To reach “{model.outcome(level).grid_label}”:"


def trace_sources(model: ReportModel) -> list[str]:
    """Distinct citations of the trace in first-use order; rows refer to them as [n]."""
    seen: dict[str, None] = {}
    for step in model.trace:
        seen.setdefault(step.citation, None)
    return list(seen)


def source_ref(sources: list[str], citation: str) -> str:
    return f"[{sources.index(citation) + 1}]"


def outcome_label(model: ReportModel, outcome_id: str) -> str:
    return model.outcome(outcome_id).grid_label


def manifest_rows(m: Manifest) -> list[tuple[str, str]]:
    """The manifest's label/value pairs, in the order every format prints them."""
    return [
        ("Session id", m.session_id),
        ("Report tool version", m.tool_version),
        ("Triage tool version", m.session_tool_version),
        ("Criteria index version", m.criteria_version),
        ("Rules version", m.rules_version),
        ("Embedding model", m.model_id),
        ("Embedding model hash", m.model_hash),
        ("Pack", m.pack_path),
        ("Report schema", m.schema),
    ]
