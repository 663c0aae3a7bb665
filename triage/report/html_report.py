"""Self-contained, printable HTML: no scripts, no web fonts, no links out of the file."""

from __future__ import annotations

from html import escape

from triage.report import common
from triage.report.model import COVERAGE_LABELS, COVERAGE_SHORT, COVERAGE_STATUSES, ReportModel

COVERAGE_COLOURS: dict[str, str] = {
    "missing_evidence": "#f4b6b0",
    "insufficient_progress": "#fbd3a5",
    "unrated": "#fff0b3",
    "good_progress": "#cfe8c4",
    "fully_meeting": "#8fcf86",
}

CSS = """
:root { --ink: #1b1b1b; --rule: #8a8a8a; --muted: #555; }
* { box-sizing: border-box; }
body { font-family: Arial, Helvetica, sans-serif; color: var(--ink); margin: 2rem auto; max-width: 60rem;
       padding: 0 1rem; line-height: 1.4; font-size: 11pt; }
h1 { font-size: 1.6rem; margin-bottom: .3rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid var(--ink); padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
table.summary, table.grid { table-layout: fixed; }
th, td { border: 1px solid var(--rule); padding: .3rem .45rem; vertical-align: top; text-align: left; }
th { background: #e8e8e8; }
td.tick { text-align: center; font-size: 1.2rem; }
th.outcome { font-size: .9rem; }
.provisional { border: 3px solid #b00020; background: #fdecee; padding: .6rem 1rem; margin: 1rem 0; }
.provisional strong { color: #b00020; font-size: 1.1rem; }
.overall { border: 2px solid var(--ink); padding: .6rem 1rem; margin: 1rem 0; }
.overall .label { font-weight: bold; font-size: 1.1rem; }
blockquote { margin: .5rem 0 .5rem 1rem; padding-left: .8rem; border-left: 4px solid var(--rule); }
.meta td:first-child { width: 14rem; font-weight: bold; }
.muted { color: var(--muted); font-size: .9rem; }
.evidence p { margin: 0 0 .35rem; }
.src { color: var(--muted); font-size: .85rem; }
.kind { font-weight: bold; }
table.coverage { table-layout: fixed; }
table.coverage th:first-child { width: 30%; }
table.coverage td { text-align: center; font-size: .85rem; }
table.coverage td.sec { text-align: left; }
table.coverage td.none { background: #fff; border-color: #ddd; }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .5rem 1.2rem; }
ul.legend span.swatch { display: inline-block; width: 1rem; height: 1rem; border: 1px solid var(--rule);
                        vertical-align: middle; margin-right: .3rem; }
table.grid td.code { font-weight: bold; }
table.grid th { font-size: .8rem; }
td.evidence { overflow-wrap: anywhere; }
table.grid tr.sechead td { background: #e8e8e8; font-weight: bold; }
table.manifest td { font-family: "Courier New", monospace; font-size: .8rem; word-break: break-all; }
.request li { margin-bottom: .6rem; }
ul.notes { list-style: none; padding-left: .5rem; }
ul.notes li { margin-bottom: .3rem; }
@media print {
  @page { size: A4; margin: 15mm; }
  body { margin: 0; max-width: none; font-size: 9.5pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h2.newpage { break-before: page; page-break-before: always; }
  tr, .overall, .provisional, blockquote { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  th, table.grid th, th.outcome { font-size: 7.5pt; }
  th, td { padding: .2rem .3rem; }
}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def render_html(model: ReportModel) -> bytes:
    out: list[str] = []
    w = out.append
    title = f"{common.TITLE}: {model.provider_name}" if model.provider_name else common.TITLE
    w("<!DOCTYPE html>")
    w('<html lang="en-GB">')
    w("<head>")
    w('<meta charset="utf-8">')
    w('<meta name="viewport" content="width=device-width, initial-scale=1">')
    # Forbid any fetch from the file: the report must open the same offline and online.
    w(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
    )
    w(f"<title>{_e(title)}</title>")
    w(f"<style>{CSS}</style>")
    w("</head>")
    w("<body>")
    w(f"<h1>{_e(common.TITLE)}</h1>")
    w('<table class="meta" id="provider">')
    for label, value in common.provider_line(model):
        w(f"<tr><td>{_e(label)}</td><td>{_e(value)}</td></tr>")
    w("</table>")
    w(
        f'<p class="muted">Generated {_e(model.generated_at)} by qic-triage {_e(model.manifest.tool_version)}, '
        f"session {_e(model.manifest.session_id)}.</p>"
    )
    if model.provisional:
        w('<div class="provisional" id="provisional">')
        w(f"<strong>{_e(common.PROVISIONAL_HEADLINE)}</strong>")
        w("<ul>" + "".join(f"<li>{_e(r)}</li>" for r in model.provisional_reasons) + "</ul>")
        w("</div>")

    w('<div class="overall" id="overall">')
    w("<div>Overall outcome</div>")
    w(f'<div class="label">{_e(common.overall_heading(model))}</div>')
    w(f"<blockquote>{_e(common.overall_wording(model))}</blockquote>")
    w(f'<div class="muted">{_e(common.CITATION_SOURCE)}</div>')
    w("</div>")

    _summary_grid(model, w)
    _sections(model, w)
    _coverage(model, w)
    _recording_grid(model, w)
    _missing(model, w)
    _trace(model, w)
    _manifest(model, w)
    w("</body>")
    w("</html>")
    return ("\n".join(out) + "\n").encode("utf-8")


def _summary_grid(model: ReportModel, w) -> None:
    w('<h2 id="summary-grid">Required Assessment Summary Grid</h2>')
    w(
        f"<p>Name of learning provider: {_e(model.provider_name)} &nbsp; Date: {_e(model.assessment_date)} "
        f"&nbsp; Name(s) of Assessor(s): {_e(model.assessors)}</p>"
    )
    w('<table class="summary" id="summary-table">')
    w('<colgroup><col style="width:37%">' + '<col style="width:21%">' * len(model.outcomes) + "</colgroup>")
    w("<thead><tr>")
    w(f"<th>{_e(model.section_heading)}</th>")
    for column in model.outcomes:
        w(
            f'<th class="outcome" data-outcome="{_e(column.id)}">{_e(common.with_tick_heading(column.grid_label))}</th>'
        )
    w("</tr></thead>")
    w("<tbody>")
    for section in model.sections:
        w(f'<tr data-section="{section.number}">')
        w(f"<td>{_e(common.section_heading(section.number, section.title))}</td>")
        for column in model.outcomes:
            tick = common.TICK if section.outcome == column.id else ""
            w(f'<td class="tick" data-outcome="{_e(column.id)}">{tick}</td>')
        w("</tr>")
    w("</tbody></table>")
    w('<p><strong>Notes</strong></p><ul class="notes">')
    for column in model.outcomes:
        w(f"<li>({_e(column.numeral)}) {_e(common.note_text(model, column.id))}</li>")
    w("</ul>")


def _sections(model: ReportModel, w) -> None:
    w('<h2 id="sections">Section outcomes and areas for development</h2>')
    for section in model.sections:
        w(f'<section class="section" data-section="{section.number}">')
        w(f"<h3>{_e(common.section_heading(section.number, section.title))}</h3>")
        w(f"<p><strong>Outcome:</strong> {_e(common.outcome_label(model, section.outcome))}</p>")
        if section.overridden:
            w(
                f'<p class="override"><strong>Assessor override</strong> (best-fit judgement, Assessment Guide 3.2). '
                f"The rules gave “{_e(common.outcome_label(model, section.computed))}”. "
                f"Justification: {_e(section.override_justification)}</p>"
            )
        if section.gatsby_status:
            w(f'<p class="gatsby">{_e(common.gatsby_text(section))}</p>')
        if section.reasons:
            w(
                "<p><strong>Why:</strong></p><ul>"
                + "".join(f"<li>{_e(r)}</li>" for r in section.reasons)
                + "</ul>"
            )
        w('<div class="development">')
        w(
            f"<p><strong>Areas for development.</strong> {_e(common.development_heading(model, section.development_level))}</p>"
        )
        if section.development:
            w(
                "<ul>"
                + "".join(f"<li>{_e(d.numeral)}. {_e(d.text)}</li>" for d in section.development)
                + "</ul>"
            )
        w("</div>")
        w("</section>")


def _coverage(model: ReportModel, w) -> None:
    w('<h2 id="coverage">Coverage of the 32 codes</h2>')
    width = max(len(s.codes) for s in model.sections) if model.sections else 0
    w('<table class="coverage" id="coverage-table">')
    w("<thead><tr><th>Section</th>" + "".join(f"<th>{i}</th>" for i in range(1, width + 1)) + "</tr></thead>")
    w("<tbody>")
    for section in model.sections:
        w(
            f'<tr data-section="{section.number}"><td class="sec">{_e(common.section_heading(section.number, section.title))}</td>'
        )
        for code in section.codes:
            colour = COVERAGE_COLOURS[code.coverage]
            w(
                f'<td data-code="{_e(code.code)}" data-status="{_e(code.coverage)}" style="background:{colour}" '
                f'title="{_e(COVERAGE_LABELS[code.coverage])}"><strong>{_e(code.code)}</strong><br>'
                f"{_e(COVERAGE_SHORT[code.coverage])}</td>"
            )
        for _ in range(width - len(section.codes)):
            w('<td class="none"></td>')
        w("</tr>")
    w("</tbody></table>")
    w('<ul class="legend">')
    for status in COVERAGE_STATUSES:
        w(
            f'<li><span class="swatch" style="background:{COVERAGE_COLOURS[status]}"></span>'
            f"{_e(COVERAGE_SHORT[status])} = {_e(COVERAGE_LABELS[status])}</li>"
        )
    w("</ul>")


def _recording_grid(model: ReportModel, w) -> None:
    w('<h2 class="newpage" id="recording-grid">Assessment Recording Grid</h2>')
    w('<table class="grid" id="recording-table">')
    level_width = 10
    w(
        '<colgroup><col style="width:7%"><col style="width:31%">'
        + f'<col style="width:{level_width}%">' * len(model.level_headings)
        + f'<col style="width:{62 - level_width * len(model.level_headings)}%"></colgroup>'
    )
    w(
        "<thead><tr><th>Codes</th><th>Description</th>"
        + "".join(f"<th>{_e(h)}</th>" for h in model.level_headings)
        + "<th>Key evidence</th></tr></thead>"
    )
    w("<tbody>")
    for section in model.sections:
        w(
            f'<tr class="sechead"><td colspan="{3 + len(model.level_headings)}">'
            f"{_e(common.section_heading(section.number, section.title))}</td></tr>"
        )
        for code in section.codes:
            w(
                f'<tr data-code="{_e(code.code)}" data-level="{_e(code.level)}" data-rated="{str(code.rated).lower()}">'
            )
            w(
                f'<td class="code">{_e(code.code)}</td><td class="desc">{"<br>".join(_e(x) for x in common.lines_of(code.description))}</td>'
            )
            for column in model.outcomes:
                w(
                    f'<td class="tick" data-outcome="{_e(column.id)}">{_e(common.level_mark(code, column.id))}</td>'
                )
            w('<td class="evidence">')
            for q in code.quotes:
                w(
                    f'<p class="quote" data-doc-id="{_e(q.doc_id)}" data-page="{q.page}" data-start="{q.start}" '
                    f'data-end="{q.end}" data-chunk="{_e(q.chunk_id)}">“{_e(common.quote_text(q))}” '
                    f'<span class="src">({_e(common.quote_source(q))})</span></p>'
                )
            for m in code.manual:
                note = f' <span class="src">Note: {_e(m.note)}</span>' if m.note else ""
                w(
                    f'<p class="manual" data-kind="{_e(m.kind)}"><span class="kind">{_e(common.manual_source(m))}:</span> '
                    f"{_e(m.text)}{note}</p>"
                )
            for d in code.drafts:
                w(f'<p class="draft"><span class="kind">Summary:</span> {_e(d.text)}</p>')
            if not (code.quotes or code.manual or code.drafts):
                w(f'<p class="none">{_e(common.NO_EVIDENCE)}</p>')
            if code.unreviewed:
                w(f'<p class="src pending">{_e(common.pending_text(code))}</p>')
            w("</td></tr>")
    w("</tbody></table>")
    w(f'<p class="muted">{_e(common.UNRATED_NOTE)}</p>')


def _missing(model: ReportModel, w) -> None:
    w('<h2 class="newpage" id="evidence-request">Missing evidence and evidence request</h2>')
    if not model.evidence_request:
        w("<p>Every code has confirmed evidence. Nothing further is requested.</p>")
        return
    w(
        f"<p>No confirmed evidence was found for {len(model.missing)} code"
        f"{'s' if len(model.missing) != 1 else ''}: {_e(', '.join(model.missing))}. "
        "Please send the following, or tell us where it can be found.</p>"
    )
    w('<ul class="request">')
    for item in model.evidence_request:
        w(
            f'<li data-code="{_e(item.code)}"><strong>Code {_e(item.code)}</strong> '
            f"(section {item.section}: {_e(item.section_title)})<br>"
            f"<em>What the Standard asks:</em> {'<br>'.join(_e(x) for x in common.lines_of(item.asks))}<br><em>What would show it:</em> {_e(item.documents)}</li>"
        )
    w("</ul>")


def _trace(model: ReportModel, w) -> None:
    w('<h2 id="trace">How the outcome was reached</h2>')
    w('<p class="muted">Every rule that fired, in order, with its source in the Assessment Guide.</p>')
    sources = common.trace_sources(model)
    w(
        '<table class="trace"><thead><tr><th>Rule</th><th>Applies to</th><th>What it found</th><th>Source</th></tr>'
    )
    w("</thead><tbody>")
    for t in model.trace:
        ref = common.source_ref(sources, t.citation)
        w(f"<tr><td>{_e(t.rule)}</td><td>{_e(t.target)}</td><td>{_e(t.message)}</td><td>{ref}</td></tr>")
    w("</tbody></table>")
    w('<p><strong>Sources</strong></p><ul class="notes">')
    for i, citation in enumerate(sources, 1):
        w(f"<li>[{i}] {_e(citation)}</li>")
    w("</ul>")


def _manifest(model: ReportModel, w) -> None:
    m = model.manifest
    w('<h2 id="manifest">Reproducibility manifest</h2>')
    w('<table class="manifest" id="manifest-table"><tbody>')
    for key, value in common.manifest_rows(m):
        w(f'<tr><th>{_e(key)}</th><td data-key="{_e(key)}">{_e(value)}</td></tr>')
    w("</tbody></table>")
    w(
        '<table class="manifest" id="files-table"><thead><tr><th>File</th><th>Type</th><th>Status</th>'
        "<th>Bytes</th><th>SHA-256</th></tr></thead><tbody>"
    )
    for f in m.files:
        w(
            f'<tr data-sha256="{_e(f.sha256)}"><td>{_e(f.name)}</td><td>{_e(f.type)}</td><td>{_e(f.status)}</td>'
            f"<td>{f.size_bytes}</td><td>{_e(f.sha256)}</td></tr>"
        )
    w("</tbody></table>")
