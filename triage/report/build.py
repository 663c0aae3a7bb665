"""Build a ReportModel from a review session.

Reads only the session's public API and the criteria index. The outcome comes from
``session.assessment()`` (the rules engine); nothing here judges evidence itself.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import triage
from triage.records import OUTCOME_IDS, Assessment, Document
from triage.report.hints import EVIDENCE_HINTS
from triage.report.model import (
    MANUAL_KIND_LABELS,
    PROVIDER_TYPE_LABELS,
    RECORDING_GRID_LEVEL_HEADINGS,
    CodeRow,
    Development,
    EvidenceRequestItem,
    KeyEvidenceDraft,
    Manifest,
    ManifestFile,
    ManualItem,
    OutcomeColumn,
    Quote,
    ReportModel,
    SectionRow,
    TraceLine,
)
from triage.report.quotes import keywords, pick_quote

NUMERALS = ("i", "ii", "iii")
NEXT_LEVEL: dict[str, str | None] = {
    "insufficient_progress": "good_progress",
    "good_progress": "fully_meeting",
    "fully_meeting": None,
}
MANUAL_TEXT_WORDS = 80
# An LLM "key_evidence" draft is only a proposal; when the assessor accepts it (edited or not) the
# UI stores the accepted text as a draft of this kind, and only those reach the report.
ACCEPTED_KEY_EVIDENCE_KIND = "accepted_key_evidence"


def build_report(
    session: Any, *, generated_at: datetime | str | None = None, index: Any = None
) -> ReportModel:
    """Everything the report prints, from one session, in a fixed order."""
    if index is None:
        from criteria_index import load_index

        index = load_index()
    assessment: Assessment = session.assessment()
    meta = session.meta
    provider_type = getattr(session, "provider_type", None) or meta.provider_type
    documents = {doc.id: doc for doc in session.documents()}

    suggestions = sorted(session.suggestions(), key=lambda s: (s.code, s.rank, s.id))
    confirmed: dict[str, list[Any]] = defaultdict(list)
    unreviewed: dict[str, int] = defaultdict(int)
    for row in suggestions:
        if row.decision == "confirmed":
            confirmed[row.code].append(row)
        elif row.decision is None:
            unreviewed[row.code] += 1
    manual: dict[str, list[Any]] = defaultdict(list)
    for item in sorted(session.manual_evidence(), key=lambda m: (m.code, m.id)):
        manual[item.code].append(item)
    drafts = _accepted_drafts(session)
    gatsby = session.gatsby_status()

    code_results = {c.code: c for c in assessment.codes}
    sections: list[SectionRow] = []
    for result in sorted(assessment.sections, key=lambda s: s.section):
        idx_section = index.section(result.section)
        rows = []
        for code in index.codes_in(result.section):
            cr = code_results[code.code]
            description = index.text_for(code.code, provider_type)
            focus = keywords(description)
            coverage = (
                "missing_evidence"
                if cr.status == "missing_evidence"
                else (cr.level if cr.rated else "unrated")
            )
            rows.append(
                CodeRow(
                    code=code.code,
                    section=result.section,
                    description=description,
                    status=cr.status,
                    level=cr.level,
                    rated=cr.rated,
                    coverage=coverage,
                    quotes=tuple(_quote(row, documents, focus) for row in confirmed[code.code]),
                    manual=tuple(_manual(item, documents, focus) for item in manual[code.code]),
                    drafts=tuple(drafts.get(code.code, ())),
                    unreviewed=unreviewed[code.code],
                )
            )
        next_level = NEXT_LEVEL[result.outcome]
        development: tuple[Development, ...] = ()
        if next_level is not None:
            development = tuple(
                Development(d.numeral, d.text) for d in idx_section.descriptors.get(next_level, [])
            )
        reasons = tuple(result.reasons) or tuple(
            step.message for step in assessment.trace if step.target == f"section {result.section}"
        )
        sections.append(
            SectionRow(
                number=result.section,
                title=idx_section.title or result.title,
                outcome=result.outcome,
                computed=result.computed,
                overridden=result.overridden,
                override_justification=result.override_justification,
                reasons=reasons,
                development_level=next_level,  # type: ignore[arg-type]
                development=development,
                codes=tuple(rows),
                gatsby_benchmark=getattr(idx_section, "gatsby_benchmark", result.section),
                gatsby_status=gatsby.get(getattr(idx_section, "gatsby_benchmark", result.section), ""),
            )
        )

    missing = tuple(c.code for s in sections for c in s.codes if c.status == "missing_evidence")
    request = tuple(_request_item(code, sections, index, provider_type) for code in missing)

    return ReportModel(
        provider_name=meta.provider_name,
        provider_type=provider_type,
        provider_type_label=PROVIDER_TYPE_LABELS.get(provider_type, provider_type),
        assessors=meta.assessor,
        assessment_date=_assessment_date(session, meta),
        generated_at=_timestamp(generated_at),
        provisional=assessment.provisional,  # unrated codes or unreviewed suggestions (rules file)
        provisional_reasons=tuple(assessment.provisional_reasons),
        overall=assessment.overall,
        outcomes=tuple(_outcome_column(index, i) for i in range(len(OUTCOME_IDS))),
        sections=tuple(sections),
        missing=missing,
        evidence_request=request,
        trace=tuple(
            TraceLine(t.rule, t.target, t.message, t.citation, tuple(t.codes), tuple(t.evidence_ids))
            for t in assessment.trace
        ),
        level_headings=tuple(
            getattr(index.outcome(o), "short_label", "") or default
            for o, default in zip(OUTCOME_IDS, RECORDING_GRID_LEVEL_HEADINGS, strict=True)
        ),
        manifest=Manifest(
            session_id=meta.id,
            tool_version=triage.__version__,
            session_tool_version=meta.tool_version,
            criteria_version=assessment.criteria_version,
            rules_version=assessment.rules_version,
            model_id=meta.model_id,
            model_hash=meta.model_hash,
            pack_path=meta.pack_path,
            files=tuple(
                ManifestFile(d.name, d.id, d.type, d.status, d.size_bytes)
                for d in sorted(documents.values(), key=lambda d: (d.name, d.id))
            ),
        ),
    )


def _timestamp(value: datetime | str | None) -> str:
    if value is None:
        value = datetime.now(UTC)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return str(value)


def _assessment_date(session: Any, meta: Any) -> str:
    """The day of the assessor's last recorded action: fixed for a given session state."""
    stamps = [str(row.at) for row in session.audit_log() if getattr(row, "at", None)]
    latest = max(stamps) if stamps else str(meta.created_at or "")
    return latest[:10]


def _outcome_column(index: Any, i: int) -> OutcomeColumn:
    outcome = index.outcome(OUTCOME_IDS[i])
    return OutcomeColumn(
        id=outcome.id,
        numeral=NUMERALS[i],
        grid_label=outcome.grid_label,
        summary_note=outcome.summary_note,
        citation=outcome.citation or "",
        meaning=outcome.meaning or "",
    )


def _page(doc: Document | None, offset: int, fallback: int) -> int:
    return doc.page_at(offset) if doc is not None and doc.pages else fallback


def _quote(row: Any, documents: dict[str, Document], focus: frozenset[str]) -> Quote:
    text = row.text
    doc = documents.get(row.doc_id)
    # Offsets are only trustworthy when the stored passage still matches its document.
    aligned = doc is not None and doc.text[row.start : row.end] == text
    span = pick_quote(text, focus)
    start = row.start + span.start if aligned else span.start
    return Quote(
        text=text[span.start : span.end],
        doc_id=row.doc_id,
        doc_name=row.doc_name,
        page=_page(doc if aligned else None, start, row.page),
        start=start,
        end=start + (span.end - span.start),
        chunk_id=row.chunk_id,
        suggestion_id=row.id,
        cut_before=span.cut_before,
        cut_after=span.cut_after,
        note=row.note or "",
    )


def _manual(item: Any, documents: dict[str, Document], focus: frozenset[str]) -> ManualItem:
    doc = documents.get(item.doc_id) if item.doc_id else None
    text = " ".join(item.text.split())
    words = text.split(" ")
    if item.kind == "document":
        span = pick_quote(item.text, focus, max_words=MANUAL_TEXT_WORDS)
        text = item.text[span.start : span.end]
        text = ("… " if span.cut_before else "") + text + (" …" if span.cut_after else "")
    elif len(words) > MANUAL_TEXT_WORDS:
        text = " ".join(words[:MANUAL_TEXT_WORDS]) + " …"
    page = None
    if doc is not None and item.start is not None:
        page = doc.page_at(item.start)
    return ManualItem(
        kind=item.kind,
        kind_label=MANUAL_KIND_LABELS.get(item.kind, item.kind),
        text=text,
        note=item.note or "",
        doc_id=item.doc_id or "",
        doc_name=doc.name if doc is not None else "",
        page=page,
        evidence_id=item.id,
    )


def _accepted_drafts(session: Any) -> dict[str, list[KeyEvidenceDraft]]:
    """Key-evidence drafts the assessor accepted; unaccepted LLM text never reaches the report."""
    out: dict[str, list[KeyEvidenceDraft]] = defaultdict(list)
    for draft in session.drafts():
        if draft.kind == ACCEPTED_KEY_EVIDENCE_KIND and draft.code:
            out[draft.code].append(KeyEvidenceDraft(text=draft.text, model=draft.model or ""))
    return out


def _request_item(
    code: str, sections: list[SectionRow], index: Any, provider_type: str
) -> EvidenceRequestItem:
    section = next(s for s in sections if any(c.code == code for c in s.codes))
    return EvidenceRequestItem(
        code=code,
        section=section.number,
        section_title=section.title,
        asks=index.text_for(code, provider_type),
        documents=EVIDENCE_HINTS[code],
    )
