"""Markdown (readable as plain text), CSV (the recording grid), JSON (the full record) and the
stand-alone evidence request."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from dataclasses import asdict

from triage.report import common
from triage.report.model import COVERAGE_LABELS, COVERAGE_SHORT, COVERAGE_STATUSES, ReportModel


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render_markdown(model: ReportModel) -> bytes:
    lines: list[str] = []
    w = lines.append
    w(f"# {common.TITLE}")
    w("")
    for label, value in common.provider_line(model):
        w(f"- **{label}:** {value}")
    w(
        f"- **Generated:** {model.generated_at} (qic-triage {model.manifest.tool_version}, "
        f"session {model.manifest.session_id})"
    )
    w("")
    if model.provisional:
        w(f"> **{common.PROVISIONAL_HEADLINE}**")
        for reason in model.provisional_reasons:
            w(f"> - {reason}")
        w("")
    w("## Overall outcome")
    w("")
    w(f"**{common.overall_heading(model)}**")
    w("")
    w(f"> {common.overall_wording(model)}")
    w("")
    w(f"({common.CITATION_SOURCE})")
    w("")

    w("## Required Assessment Summary Grid")
    w("")
    w(f"Name of learning provider: {model.provider_name}  ")
    w(f"Date: {model.assessment_date}  ")
    w(f"Name(s) of Assessor(s): {model.assessors}")
    w("")
    w(
        "| "
        + " | ".join(
            [_cell(model.section_heading)]
            + [_cell(common.with_tick_heading(c.grid_label)) for c in model.outcomes]
        )
        + " |"
    )
    w("|" + "---|" * (1 + len(model.outcomes)))
    for s in model.sections:
        ticks = [common.TICK if s.outcome == c.id else " " for c in model.outcomes]
        w("| " + " | ".join([_cell(common.section_heading(s.number, s.title))] + ticks) + " |")
    w("")
    w("Notes")
    w("")
    for c in model.outcomes:
        w(f"- ({c.numeral}) {common.note_text(model, c.id)}")
    w("")

    w("## Section outcomes and areas for development")
    for s in model.sections:
        w("")
        w(f"### {common.section_heading(s.number, s.title)}")
        w("")
        w(f"**Outcome:** {common.outcome_label(model, s.outcome)}")
        if s.overridden:
            w("")
            w(
                f"**Assessor override** (best-fit judgement, Assessment Guide 3.2). The rules gave "
                f"“{common.outcome_label(model, s.computed)}”. Justification: {s.override_justification}"
            )
        if s.gatsby_status:
            w("")
            w(common.gatsby_text(s))
        if s.reasons:
            w("")
            w("Why:")
            w("")
            for r in s.reasons:
                w(f"- {r}")
        w("")
        w(f"**Areas for development.** {common.development_heading(model, s.development_level)}")
        if s.development:
            w("")
            for d in s.development:
                w(f"- {d.numeral}. {d.text}")
    w("")

    w("## Coverage of the 32 codes")
    w("")
    width = max((len(s.codes) for s in model.sections), default=0)
    w("| Section | " + " | ".join(str(i) for i in range(1, width + 1)) + " |")
    w("|" + "---|" * (1 + width))
    for s in model.sections:
        cells = [f"{c.code} {COVERAGE_SHORT[c.coverage]}" for c in s.codes] + [""] * (width - len(s.codes))
        w(f"| {s.number} | " + " | ".join(cells) + " |")
    w("")
    w("Key: " + "; ".join(f"{COVERAGE_SHORT[k]} = {COVERAGE_LABELS[k]}" for k in COVERAGE_STATUSES) + ".")
    w("")

    w("## Assessment Recording Grid")
    for s in model.sections:
        w("")
        w(f"### {common.section_heading(s.number, s.title)}")
        for code in s.codes:
            w("")
            marks = [
                (heading, common.level_mark(code, col.id))
                for heading, col in zip(model.level_headings, model.outcomes, strict=True)
            ]
            level = next((f"{mark} {heading}" for heading, mark in marks if mark), "")
            w(f"**{code.code}** " + "  \n".join(common.lines_of(code.description)))
            w("")
            w(f"- Level: {level}")
            for line in common.key_evidence_lines(code):
                w(f"- {line}")
    w("")
    w("\\" + common.UNRATED_NOTE)  # escaped, or Markdown turns the leading "*" into a bullet
    w("")

    w("## Missing evidence and evidence request")
    w("")
    lines.extend(_request_lines(model, markdown=True))
    w("")
    w("## How the outcome was reached")
    w("")
    sources = common.trace_sources(model)
    for t in model.trace:
        w(f"- `{t.rule}` ({t.target}): {t.message} {common.source_ref(sources, t.citation)}")
    w("")
    w("Sources:")
    w("")
    for i, citation in enumerate(sources, 1):
        w(f"- [{i}] {citation}")
    w("")
    w("## Reproducibility manifest")
    w("")
    m = model.manifest
    for key, value in common.manifest_rows(m):
        w(f"- {key}: `{value}`")
    w("")
    w("| File | Type | Status | Bytes | SHA-256 |")
    w("|---|---|---|---|---|")
    for f in m.files:
        w(f"| {_cell(f.name)} | {f.type} | {f.status} | {f.size_bytes} | `{f.sha256}` |")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _request_lines(model: ReportModel, *, markdown: bool) -> list[str]:
    def para(text: str, indent: str = "") -> list[str]:
        if markdown:
            return [indent + _flat(text)]
        return textwrap.wrap(_flat(text), width=88, initial_indent=indent, subsequent_indent=indent or "")

    if not model.evidence_request:
        return para("Every code has confirmed evidence. Nothing further is requested.")
    n = len(model.missing)
    out = para(
        f"No confirmed evidence was found for {n} code{'s' if n != 1 else ''}: {', '.join(model.missing)}. "
        "Please send the following, or tell us where it can be found."
    )
    out.append("")
    for item in model.evidence_request:
        code = f"**Code {item.code}**" if markdown else f"Code {item.code}"
        out += para(f"{code} (section {item.section}: {item.section_title})")
        bullet = "   - " if markdown else "   "
        first, *rest = common.lines_of(item.asks) or [""]
        out += para(f"What the Standard asks: {first}", bullet)
        for line in rest:
            if markdown:
                out[-1] += "  "  # hard line break: keep the provider-type sentence on its own line
            out += para(line, "     " if markdown else "   ")
        out += para(f"What would show it: {item.documents}", bullet)
        out.append("")
    return out


def render_request(model: ReportModel, fmt: str = "md") -> bytes:
    """The evidence request alone, to send to the provider."""
    markdown = fmt == "md"
    name = _flat(model.provider_name) or "the learning provider"
    title = f"Evidence request: {name}"
    lines = [f"# {title}", ""] if markdown else [title, "=" * min(88, len(title)), ""]
    intro = (
        f"Quality in Careers Standard assessment. Date: {model.assessment_date}. "
        f"Assessor(s): {model.assessors or '(not recorded)'}."
    )
    lines += [intro] if markdown else textwrap.wrap(intro, width=88)
    lines.append("")
    lines += _request_lines(model, markdown=markdown)
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")


def render_json(model: ReportModel) -> bytes:
    data = asdict(model)
    data["overall_label"] = common.overall_heading(model)
    data["overall_wording"] = common.overall_wording(model)
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


CSV_COLUMNS_EXTRA = ("Level", "Rated", "Status", "Section")


def render_csv(model: ReportModel) -> bytes:
    """Template 2 as rows: Codes, Description, the three level columns, Key evidence, then
    machine-readable columns. UTF-8 with a byte-order mark so spreadsheet programs show the ticks."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["Codes", "Description", *model.level_headings, "Key evidence", *CSV_COLUMNS_EXTRA])
    for c in model.codes:
        marks = [common.level_mark(c, col.id) for col in model.outcomes]
        writer.writerow(
            [
                c.code,
                "\n".join(common.lines_of(c.description)),
                *marks,
                "\n".join(common.key_evidence_lines(c)),
                c.level,
                "yes" if c.rated else "no",
                c.status,
                c.section,
            ]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
