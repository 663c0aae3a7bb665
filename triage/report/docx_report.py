"""Word report through python-docx: real headings and tables, written byte-for-byte reproducibly."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from triage.report import common
from triage.report.html_report import COVERAGE_COLOURS
from triage.report.model import COVERAGE_LABELS, COVERAGE_SHORT, COVERAGE_STATUSES, ReportModel

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
HEADER_FILL = "E8E8E8"
PROVISIONAL_FILL = "FDECEE"


def _parse_time(stamp: str) -> datetime:
    try:
        value = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return datetime(2000, 1, 1, tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _shade(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill.lstrip("#").upper())
    tc_pr.append(shd)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


def _no_split(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def _styled(container, text: str, style_id: str):
    """A paragraph in a built-in style, set by id: looking styles up by name is slow in python-docx."""
    para = container.add_paragraph(text)
    para._p.get_or_add_pPr().style = style_id
    return para


def _set_cell(
    cell, text: str, *, bold: bool = False, size: float | None = None, center: bool = False
) -> None:
    cell.text = ""
    para = cell.paragraphs[0]
    run = para.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if center:
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _table(doc, rows: int, cols: int, widths_cm: list[float]):
    table = doc.add_table(rows=rows, cols=cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # Word reads the cell widths, LibreOffice the grid columns: set both so the layout holds in each.
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width)
    return table


def render_docx(model: ReportModel) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.6))
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10)

    props = doc.core_properties
    stamp = _parse_time(model.generated_at)
    props.title = common.TITLE
    props.subject = model.provider_name
    props.author = model.assessors or "qic-triage"
    props.last_modified_by = "qic-triage"
    props.comments = f"session {model.manifest.session_id}"
    props.revision = 1
    props.created = props.modified = props.last_printed = stamp

    _footer(section, model)
    doc.add_heading(common.TITLE, level=0)
    meta = _table(doc, len(common.provider_line(model)), 2, [5.5, 12.3])
    for row, (label, value) in zip(meta.rows, common.provider_line(model), strict=True):
        _set_cell(row.cells[0], label, bold=True)
        _set_cell(row.cells[1], value)
    gen = doc.add_paragraph()
    gen.add_run(
        f"Generated {model.generated_at} by qic-triage {model.manifest.tool_version}, "
        f"session {model.manifest.session_id}."
    ).font.size = Pt(8)

    if model.provisional:
        box = _table(doc, 1, 1, [17.8])
        cell = box.rows[0].cells[0]
        _shade(cell, PROVISIONAL_FILL)
        cell.text = ""
        run = cell.paragraphs[0].add_run(common.PROVISIONAL_HEADLINE)
        run.bold = True
        run.font.size = Pt(12)
        run.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)
        for reason in model.provisional_reasons:
            _styled(cell, reason, "ListBullet")

    doc.add_heading("Overall outcome", level=1)
    p = doc.add_paragraph()
    p.add_run(common.overall_heading(model)).bold = True
    _styled(doc, common.overall_wording(model), "Quote")
    doc.add_paragraph(common.CITATION_SOURCE).runs[0].font.size = Pt(8)

    _summary_grid(doc, model)
    _sections(doc, model)
    _coverage(doc, model)
    doc.add_page_break()
    _recording_grid(doc, model)
    doc.add_page_break()
    _request(doc, model)
    _trace(doc, model)
    _manifest(doc, model)

    buf = io.BytesIO()
    doc.save(buf)
    return _deterministic_zip(buf.getvalue())


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed entry times and attributes, so equal content is equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def _footer(section, model: ReportModel) -> None:
    """Provider, status and page number on every page, so loose printed pages stay attributable."""
    para = section.footer.paragraphs[0]
    status = " (PROVISIONAL)" if model.provisional else ""
    run = para.add_run(
        f"{model.provider_name or 'Assessment report'}{status}, session {model.manifest.session_id}. Page "
    )
    run.font.size = Pt(7.5)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    inner = OxmlElement("w:r")
    run_props = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "15")  # half-points: 7.5 pt like the rest of the footer
    run_props.append(size)
    inner.append(run_props)
    text = OxmlElement("w:t")
    text.text = "1"
    inner.append(text)
    field.append(inner)
    para._p.append(field)


def _summary_grid(doc, model: ReportModel) -> None:
    doc.add_heading("Required Assessment Summary Grid", level=1)
    doc.add_paragraph(
        f"Name of learning provider: {model.provider_name}    Date: {model.assessment_date}    "
        f"Name(s) of Assessor(s): {model.assessors}"
    )
    table = _table(doc, 1 + len(model.sections), 1 + len(model.outcomes), [6.2, 3.85, 3.85, 3.9])
    header = table.rows[0]
    _repeat_header(header)
    _set_cell(header.cells[0], model.section_heading, bold=True, size=9)
    for cell, column in zip(header.cells[1:], model.outcomes, strict=True):
        _set_cell(cell, common.with_tick_heading(column.grid_label), bold=True, size=8.5)
    for cell in header.cells:
        _shade(cell, HEADER_FILL)
    for row, sec in zip(table.rows[1:], model.sections, strict=True):
        _set_cell(row.cells[0], common.section_heading(sec.number, sec.title))
        for cell, column in zip(row.cells[1:], model.outcomes, strict=True):
            _set_cell(cell, common.TICK if sec.outcome == column.id else "", bold=True, size=14, center=True)
    doc.add_paragraph().add_run("Notes").bold = True
    for column in model.outcomes:
        doc.add_paragraph(f"({column.numeral}) {common.note_text(model, column.id)}").runs[0].font.size = Pt(
            9
        )


def _sections(doc, model: ReportModel) -> None:
    doc.add_heading("Section outcomes and areas for development", level=1)
    for sec in model.sections:
        doc.add_heading(common.section_heading(sec.number, sec.title), level=2)
        p = doc.add_paragraph()
        p.add_run("Outcome: ").bold = True
        p.add_run(common.outcome_label(model, sec.outcome))
        if sec.overridden:
            p = doc.add_paragraph()
            p.add_run("Assessor override ").bold = True
            p.add_run(
                f"(best-fit judgement, Assessment Guide 3.2). The rules gave "
                f"“{common.outcome_label(model, sec.computed)}”. Justification: {sec.override_justification}"
            )
        if sec.gatsby_status:
            doc.add_paragraph(common.gatsby_text(sec))
        if sec.reasons:
            doc.add_paragraph().add_run("Why:").bold = True
            for reason in sec.reasons:
                _styled(doc, reason, "ListBullet")
        p = doc.add_paragraph()
        p.add_run("Areas for development. ").bold = True
        p.add_run(common.development_heading(model, sec.development_level))
        for d in sec.development:
            _styled(doc, f"{d.numeral}. {d.text}", "ListBullet")


def _coverage(doc, model: ReportModel) -> None:
    doc.add_heading("Coverage of the 32 codes", level=1)
    width = max((len(s.codes) for s in model.sections), default=0)
    table = _table(doc, 1 + len(model.sections), 1 + width, [4.7] + [13.1 / max(width, 1)] * width)
    _set_cell(table.rows[0].cells[0], "Section", bold=True, size=8)
    for i, cell in enumerate(table.rows[0].cells[1:], 1):
        _set_cell(cell, str(i), bold=True, size=8, center=True)
        _shade(cell, HEADER_FILL)
    _shade(table.rows[0].cells[0], HEADER_FILL)
    for row, sec in zip(table.rows[1:], model.sections, strict=True):
        _set_cell(row.cells[0], common.section_heading(sec.number, sec.title), size=8)
        for cell, code in zip(row.cells[1:], sec.codes, strict=False):
            _set_cell(cell, f"{code.code}\n{COVERAGE_SHORT[code.coverage]}", size=7.5, center=True)
            _shade(cell, COVERAGE_COLOURS[code.coverage])
    legend = _table(doc, 1, len(COVERAGE_STATUSES), [17.8 / len(COVERAGE_STATUSES)] * len(COVERAGE_STATUSES))
    for cell, status in zip(legend.rows[0].cells, COVERAGE_STATUSES, strict=True):
        _set_cell(cell, f"{COVERAGE_SHORT[status]} = {COVERAGE_LABELS[status]}", size=7.5, center=True)
        _shade(cell, COVERAGE_COLOURS[status])


def _recording_grid(doc, model: ReportModel) -> None:
    doc.add_heading("Assessment Recording Grid", level=1)
    n_levels = len(model.level_headings)
    widths = [1.45, 5.05] + [1.9] * n_levels + [5.6]
    table = _table(doc, 1, 3 + n_levels, widths)
    header = table.rows[0]
    _repeat_header(header)
    for cell, text in zip(
        header.cells, ["Codes", "Description", *model.level_headings, "Key evidence"], strict=True
    ):
        _set_cell(cell, text, bold=True, size=8)
        _shade(cell, HEADER_FILL)
    for sec in model.sections:
        row = table.add_row()
        merged = row.cells[0].merge(row.cells[-1])
        _set_cell(merged, common.section_heading(sec.number, sec.title), bold=True)
        merged.paragraphs[0].paragraph_format.keep_with_next = True  # never leave a heading row alone
        _no_split(row)
        _shade(merged, HEADER_FILL)
        for code in sec.codes:
            row = table.add_row()
            _no_split(row)
            cells = row.cells
            for cell, width in zip(cells, widths, strict=True):
                cell.width = Cm(width)
            _set_cell(cells[0], code.code, bold=True, size=8.5)
            first, *rest = common.lines_of(code.description) or [""]
            _set_cell(cells[1], first, size=8)
            for line in rest:
                cells[1].add_paragraph().add_run(line).font.size = Pt(8)
            for cell, column in zip(cells[2 : 2 + n_levels], model.outcomes, strict=True):
                _set_cell(cell, common.level_mark(code, column.id), bold=True, size=12, center=True)
            _evidence_cell(cells[-1], code)
    doc.add_paragraph(common.UNRATED_NOTE).runs[0].font.size = Pt(8)


def _evidence_cell(cell, code) -> None:
    cell.text = ""
    first = True

    def para():
        nonlocal first
        if first:
            first = False
            return cell.paragraphs[0]
        return cell.add_paragraph()

    for q in code.quotes:
        p = para()
        p.add_run(f"“{common.quote_text(q)}” ").font.size = Pt(8)
        src = p.add_run(f"({common.quote_source(q)})")
        src.font.size = Pt(7.5)
        src.italic = True
    for m in code.manual:
        p = para()
        kind = p.add_run(f"{common.manual_source(m)}: ")
        kind.bold = True
        kind.font.size = Pt(8)
        p.add_run(m.text + (f" (note: {m.note})" if m.note else "")).font.size = Pt(8)
    for d in code.drafts:
        p = para()
        p.add_run("Summary: ").bold = True
        p.add_run(d.text).font.size = Pt(8)
    if not (code.quotes or code.manual or code.drafts):
        para().add_run(common.NO_EVIDENCE).font.size = Pt(8)
    if code.unreviewed:
        pending = para().add_run(common.pending_text(code))
        pending.font.size = Pt(7.5)
        pending.italic = True


def _request(doc, model: ReportModel) -> None:
    doc.add_heading("Missing evidence and evidence request", level=1)
    if not model.evidence_request:
        doc.add_paragraph("Every code has confirmed evidence. Nothing further is requested.")
        return
    n = len(model.missing)
    doc.add_paragraph(
        f"No confirmed evidence was found for {n} code{'s' if n != 1 else ''}: "
        f"{', '.join(model.missing)}. Please send the following, or tell us where it can be found."
    )
    for item in model.evidence_request:
        p = _styled(doc, "", "ListBullet")
        p.add_run(f"Code {item.code} ").bold = True
        p.add_run(f"(section {item.section}: {item.section_title})")
        p = doc.add_paragraph()
        p.paragraph_format.left_indent = Cm(0.63)
        p.add_run("What the Standard asks: ").italic = True
        first, *rest = common.lines_of(item.asks) or [""]
        p.add_run(first)
        for line in rest:
            p.add_run().add_break()
            p.add_run(line)
        p = doc.add_paragraph()
        p.paragraph_format.left_indent = Cm(0.63)
        p.add_run("What would show it: ").italic = True
        p.add_run(item.documents)


def _trace(doc, model: ReportModel) -> None:
    doc.add_heading("How the outcome was reached", level=1)
    sources = common.trace_sources(model)
    table = _table(doc, 1 + len(model.trace), 4, [3.4, 2.2, 10.9, 1.3])
    header = table.rows[0]
    _repeat_header(header)
    for cell, text in zip(header.cells, ["Rule", "Applies to", "What it found", "Source"], strict=True):
        _set_cell(cell, text, bold=True, size=8)
        _shade(cell, HEADER_FILL)
    for row, t in zip(table.rows[1:], model.trace, strict=True):
        ref = common.source_ref(sources, t.citation)
        for cell, text in zip(row.cells, [t.rule, t.target, t.message, ref], strict=True):
            _set_cell(cell, text, size=7.5)
    doc.add_paragraph().add_run("Sources").bold = True
    for i, citation in enumerate(sources, 1):
        doc.add_paragraph(f"[{i}] {citation}").runs[0].font.size = Pt(8)


def _manifest(doc, model: ReportModel) -> None:
    m = model.manifest
    doc.add_heading("Reproducibility manifest", level=1)
    pairs = common.manifest_rows(m)
    table = _table(doc, len(pairs), 2, [4.8, 13.0])
    for row, (key, value) in zip(table.rows, pairs, strict=True):
        _set_cell(row.cells[0], key, bold=True, size=8)
        _set_cell(row.cells[1], value, size=8)
    doc.add_paragraph()
    files = _table(doc, 1 + len(m.files), 4, [4.6, 1.5, 1.7, 10.0])
    for cell, text in zip(files.rows[0].cells, ["File", "Type", "Status", "SHA-256"], strict=True):
        _set_cell(cell, text, bold=True, size=8)
        _shade(cell, HEADER_FILL)
    _repeat_header(files.rows[0])
    for row, f in zip(files.rows[1:], m.files, strict=True):
        for cell, text in zip(row.cells, [f.name, f.type, f.status, f.sha256], strict=True):
            _set_cell(cell, text, size=7.5)
