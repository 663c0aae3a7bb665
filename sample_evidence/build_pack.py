#!/usr/bin/env python3
"""Build a labelled sample evidence pack from its source texts.

    python sample_evidence/build_pack.py sample_evidence/<pack> [more packs ...]

A pack directory holds ``pack.yaml`` (provider_name, provider_type, notes) and ``src/``.
The build writes ``docs/`` (the evidence pack an assessor would receive), ``gold.jsonl``,
``gold_summary.json`` and ``near_misses.jsonl``. Output is byte-for-byte reproducible.

Source format, ``src/NN_name.txt`` (NN orders the files; the prefix is not part of any output name):

    @out Careers_Policy.pdf     first line: output file (.pdf, .docx, .txt or .md)
    @header Some text           optional: PDF running header (every page, with "Page N of M" footer)
    @title Some text            document title
    @author Name                optional: PDF/DOCX metadata author
    # / ## / ###                headings
    - item                      bullet item (one line)
    1. item                     numbered item (one line)
    | a | b |                   table row; the first row of a table is its header
    @pagebreak                  hard page break
    % text                      comment
    blank line                  ends a paragraph; other lines are paragraph text joined with spaces

``src/NN_name.html`` is copied to ``docs/name.html`` with its markers stripped.

Labels are inline markers that must open and close inside one paragraph, bullet or table cell:

    [[3.4,3.5|strong]]passage[[/]]   gold passage (strength strong or partial)
    [[near:1.7]]passage[[/]]         near-miss distractor for the listed codes

The marked text, whitespace collapsed, becomes the quote. PDF and DOCX text gets Word-style
curly quotes and en dashes (" - " becomes " – "); TXT, MD and HTML keep straight ones.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import io
import json
import re
import sys
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

CODES: tuple[str, ...] = tuple(
    f"{section}.{n}"
    for section, count in ((1, 9), (2, 2), (3, 7), (4, 3), (5, 3), (6, 2), (7, 2), (8, 4))
    for n in range(1, count + 1)
)
PROVIDER_TYPES = ("school", "special_school", "college", "wbl")
STRENGTHS = ("strong", "partial")
QUOTE_MIN, QUOTE_MAX = 60, 400
OUTPUT_TYPES = (".pdf", ".docx", ".txt", ".md")
# Fixed so rebuilding gives identical bytes; a source may set its own with @date.
DEFAULT_DATE = dt.datetime(2025, 1, 6, 9, 0, 0)
TEXT_WIDTH = 76

_MARKER = re.compile(
    r"\[\[(?:near:(?P<near>[^\]|]+)|(?P<codes>[^\]|]+)\|(?P<strength>[^\]]+))\]\](?P<body>.*?)\[\[/\]\]",
    re.S,
)
_WS = re.compile(r"\s+")
_NUMBERED = re.compile(r"^(\d+)\.\s+(.*)$")
_TABLE_RULE = re.compile(r"^:?-{2,}:?$")


class PackError(Exception):
    """A problem in a pack's sources, reported with its file and line."""


@dataclass(frozen=True)
class Label:
    doc: str
    quote: str
    codes: tuple[str, ...]
    strength: str | None  # None marks a near-miss distractor


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    codes: tuple[str, ...]
    strength: str | None


@dataclass(frozen=True)
class Block:
    kind: str  # title, heading, para, bullet, number, table, pagebreak
    text: str = ""
    level: int = 0
    number: int = 0
    rows: tuple[tuple[str, ...], ...] = ()
    labelled: bool = False


@dataclass(frozen=True)
class Source:
    path: Path
    out: str
    header: str
    title: str
    author: str
    date: dt.datetime
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class BuildResult:
    docs: tuple[Path, ...]
    gold: tuple[Label, ...]
    near: tuple[Label, ...]
    summary: dict


# ---------------------------------------------------------------------------- markers and typography


def _parse_codes(raw: str, where: str) -> tuple[str, ...]:
    codes = tuple(c.strip() for c in raw.split(",") if c.strip())
    bad = [c for c in codes if c not in CODES]
    if not codes or bad:
        raise PackError(f"{where}: invalid code(s) {bad or raw!r}")
    if len(set(codes)) != len(codes):
        raise PackError(f"{where}: repeated code in {raw!r}")
    return codes


def strip_markers(text: str, where: str) -> tuple[str, list[Span]]:
    """Remove the label markers from one block's text; return the clean text and the labelled spans."""
    out: list[str] = []
    spans: list[Span] = []
    pos = 0
    length = 0
    for m in _MARKER.finditer(text):
        before = text[pos:m.start()]
        out.append(before)
        length += len(before)
        body = m.group("body")
        if "[[" in body:
            raise PackError(f"{where}: nested or unclosed marker in {body[:60]!r}")
        if m.group("near") is not None:
            codes, strength = _parse_codes(m.group("near"), where), None
        else:
            codes, strength = _parse_codes(m.group("codes"), where), m.group("strength").strip()
            if strength not in STRENGTHS:
                raise PackError(f"{where}: strength must be strong or partial, not {strength!r}")
        spans.append(Span(length, length + len(body), codes, strength))
        out.append(body)
        length += len(body)
        pos = m.end()
    out.append(text[pos:])
    clean = "".join(out)
    if "[[" in clean or "]]" in clean:
        raise PackError(f"{where}: marker not closed inside its paragraph, bullet or cell")
    return clean, spans


def smarten(text: str) -> str:
    """Word-style typography. Keeps the length unchanged so label offsets stay valid."""
    chars = list(text)
    for i, ch in enumerate(chars):
        prev = chars[i - 1] if i else " "
        opening = prev.isspace() or prev in "([{\u2018\u201c\u2013/"
        if ch == '"':
            chars[i] = "\u201c" if opening else "\u201d"
        elif ch == "'":
            chars[i] = "\u2018" if opening else "\u2019"
        elif ch == "-" and prev == " " and i + 1 < len(chars) and chars[i + 1] == " ":
            chars[i] = "\u2013"
    return "".join(chars)


def collapse(text: str) -> str:
    return _WS.sub(" ", text).strip()


# ---------------------------------------------------------------------------- parsing sources


def _table_cells(line: str) -> tuple[str, ...]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    # The "|" inside a gold marker is not a cell boundary.
    inner = re.sub(r"\[\[[^\]]*\]\]", lambda m: m.group(0).replace("|", "\x00"), inner)
    return tuple(cell.strip().replace("\x00", "|") for cell in inner.split("|"))


def parse_source(path: Path) -> tuple[Source, list[Label]]:
    """Read one src/*.txt file into blocks; return it with the labels found in it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or not lines[0].startswith("@out "):
        raise PackError(f"{path.name}:1: the first line must be '@out <file name>'")
    out = lines[0][5:].strip()
    if Path(out).suffix.lower() not in OUTPUT_TYPES or "/" in out:
        raise PackError(f"{path.name}:1: output must be a plain .pdf, .docx, .txt or .md file name")
    smart = Path(out).suffix.lower() in (".pdf", ".docx")
    header = title = author = ""
    date = DEFAULT_DATE
    blocks: list[Block] = []
    labels: list[Label] = []

    def finish(kind: str, raw: str, lineno: int, **extra) -> str:
        where = f"{path.name}:{lineno}"
        clean, spans = strip_markers(raw, where)
        if smart:
            clean = smarten(clean)
        for span in spans:
            labels.append(Label(out, collapse(clean[span.start:span.end]), span.codes, span.strength))
        if kind:
            blocks.append(Block(kind, clean, labelled=bool(spans), **extra))
        return clean

    para: list[str] = []
    para_line = 0
    table: list[tuple[str, ...]] = []
    table_labelled = False
    table_line = 0

    def flush() -> None:
        nonlocal para, table, table_labelled
        if para:
            finish("para", " ".join(para), para_line)
            para = []
        if table:
            blocks.append(Block("table", rows=tuple(table), labelled=table_labelled))
            table, table_labelled = [], False

    for lineno, raw_line in enumerate(lines[1:], start=2):
        line = raw_line.strip()
        if line.startswith("%"):
            continue
        if not line:
            flush()
            continue
        if line.startswith("|"):
            if para:
                flush()
            cells = _table_cells(line)
            if all(_TABLE_RULE.match(c) for c in cells):
                continue
            if not table:
                table_line = lineno
            if table and len(cells) != len(table[0]):
                raise PackError(f"{path.name}:{lineno}: row has {len(cells)} cells, table at line "
                                f"{table_line} has {len(table[0])}")
            before = len(labels)
            table.append(tuple(finish("", c, lineno) for c in cells))
            table_labelled = table_labelled or len(labels) > before
            continue
        if table:
            flush()
        directive = line.split(" ", 1)
        if line.startswith("@"):
            flush()
            value = directive[1].strip() if len(directive) > 1 else ""
            if directive[0] == "@header":
                header = smarten(value) if smart else value
            elif directive[0] == "@title":
                title = finish("title", value, lineno)
            elif directive[0] == "@author":
                author = value
            elif directive[0] == "@date":
                try:
                    date = dt.datetime.fromisoformat(value)
                except ValueError as exc:
                    raise PackError(f"{path.name}:{lineno}: bad @date {value!r}") from exc
            elif directive[0] == "@pagebreak":
                blocks.append(Block("pagebreak"))
            else:
                raise PackError(f"{path.name}:{lineno}: unknown directive {directive[0]!r}")
            continue
        heading = re.match(r"^(#{1,3})\s+(.*)$", line)
        numbered = _NUMBERED.match(line)
        if heading:
            flush()
            finish("heading", heading.group(2), lineno, level=len(heading.group(1)))
        elif line.startswith("- "):
            flush()
            finish("bullet", line[2:].strip(), lineno)
        elif numbered:
            flush()
            finish("number", numbered.group(2), lineno, number=int(numbered.group(1)))
        else:
            if not para:
                para_line = lineno
            para.append(line)
    flush()
    return Source(path, out, header, title, author, date, tuple(blocks)), labels


def parse_html(path: Path) -> tuple[str, str, list[Label]]:
    """An HTML source: output name, text with markers stripped, labels."""
    out = re.sub(r"^\d+_", "", path.name)
    clean, spans = strip_markers(path.read_text(encoding="utf-8"), path.name)
    labels = []
    for span in spans:
        body = clean[span.start:span.end]
        if "<" in body or "&" in body:
            raise PackError(f"{path.name}: a labelled passage may not hold tags or entities: {body[:60]!r}")
        labels.append(Label(out, collapse(body), span.codes, span.strength))
    return out, clean, labels


# ---------------------------------------------------------------------------- PDF


def _pdf_bytes(src: Source) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )
    from reportlab.platypus.doctemplate import LayoutError

    sheet = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=sheet["BodyText"], fontName="Helvetica", fontSize=10, leading=13.5,
                          spaceAfter=5, alignment=TA_LEFT)
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=11.5, spaceAfter=0)
    head_cell = ParagraphStyle("headcell", parent=cell, fontName="Helvetica-Bold")
    # Symbol has a real bullet glyph; Helvetica's comes out of pypdf as a control character.
    bullet = ParagraphStyle("bullet", parent=body, leftIndent=14, bulletIndent=3, spaceAfter=3,
                            bulletFontName="Symbol")
    numbered = ParagraphStyle("numbered", parent=bullet, bulletFontName="Helvetica")
    headings = {
        1: ParagraphStyle("h1", parent=sheet["Heading1"], fontSize=14, leading=18, spaceBefore=10, spaceAfter=6,
                          keepWithNext=1),
        2: ParagraphStyle("h2", parent=sheet["Heading2"], fontSize=12, leading=15, spaceBefore=8, spaceAfter=4,
                          keepWithNext=1),
        3: ParagraphStyle("h3", parent=sheet["Heading3"], fontSize=10.5, leading=13, spaceBefore=6, spaceAfter=3,
                          keepWithNext=1),
    }
    title_style = ParagraphStyle("title", parent=sheet["Title"], fontSize=18, leading=22, spaceAfter=10)
    width = A4[0] - 40 * mm

    class WholeParagraph(Paragraph):
        """Never split across pages, so the running header and footer cannot land inside a gold passage.
        (A KeepTogether wrapper would do that too, but it defeats the heading's keepWithNext.)"""

        def split(self, availWidth, availHeight):  # noqa: N803 - reportlab's signature
            return []

    def para(text: str, style, labelled: bool, **kwargs) -> Paragraph:
        cls = WholeParagraph if labelled else Paragraph
        return cls(esc(text), style, **kwargs)

    def esc(text: str) -> str:
        return html.escape(text, quote=False)

    def table(block: Block) -> Table:
        ncols = len(block.rows[0])
        longest = [max(len(row[c]) for row in block.rows) for c in range(ncols)]
        weights = [min(max(n, 10), 70) for n in longest]
        col_widths = [width * w / sum(weights) for w in weights]
        data = [[Paragraph(esc(c), head_cell if r == 0 else cell) for c in row] for r, row in enumerate(block.rows)]
        t = Table(data, colWidths=col_widths, repeatRows=1)
        t.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4e8ee")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]))
        return t

    def make_story() -> list:
        story: list = []
        for block in src.blocks:
            add_block(story, block)
        return story

    def add_block(story: list, block: Block) -> None:
        if block.kind == "title":
            story.append(Paragraph(esc(block.text), title_style))
        elif block.kind == "heading":
            story.append(Paragraph(esc(block.text), headings[block.level]))
        elif block.kind == "para":
            story.append(para(block.text, body, block.labelled))
        elif block.kind == "bullet":
            story.append(para(block.text, bullet, block.labelled, bulletText="\u2022"))
        elif block.kind == "number":
            story.append(para(block.text, numbered, block.labelled, bulletText=f"{block.number}."))
        elif block.kind == "table":
            story.extend([table(block), Spacer(1, 6)])
        elif block.kind == "pagebreak":
            story.append(PageBreak())

    def render(total: int | None) -> tuple[bytes, int]:
        buf = io.BytesIO()
        doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=24 * mm,
                                bottomMargin=20 * mm, invariant=1, title=src.title or src.out,
                                author=src.author, subject="")

        def decorate(canvas, doc_) -> None:
            canvas.saveState()
            page_w, page_h = A4
            canvas.setFont("Helvetica", 8.5)
            canvas.setFillColor(colors.HexColor("#444444"))
            if src.header:
                canvas.drawString(20 * mm, page_h - 13 * mm, src.header)
                canvas.setLineWidth(0.4)
                canvas.line(20 * mm, page_h - 15 * mm, page_w - 20 * mm, page_h - 15 * mm)
            canvas.drawRightString(page_w - 20 * mm, 11 * mm, f"Page {doc_.page} of {total or 0}")
            canvas.restoreState()

        doc.build(make_story(), onFirstPage=decorate, onLaterPages=decorate)
        return buf.getvalue(), doc.page

    # Two passes: the first counts the pages so every footer can say "of M".
    try:
        _, pages = render(None)
        data, pages_again = render(pages)
    except LayoutError as exc:
        raise PackError(f"{src.path.name}: a labelled paragraph or table row is too long for one page ({exc})") from exc
    if pages_again != pages:
        raise PackError(f"{src.path.name}: page count changed between passes ({pages} -> {pages_again})")
    return data


# ---------------------------------------------------------------------------- DOCX


def _docx_bytes(src: Source) -> bytes:
    import docx
    from docx.shared import Pt

    document = docx.Document()
    core = document.core_properties
    core.author = src.author
    core.last_modified_by = src.author
    core.title = src.title
    core.created = src.date
    core.modified = src.date
    core.last_printed = src.date
    core.revision = 3
    core.comments = ""
    if src.header:
        document.sections[0].header.paragraphs[0].text = src.header

    for block in src.blocks:
        if block.kind == "title":
            document.add_heading(block.text, level=0)
        elif block.kind == "heading":
            document.add_heading(block.text, level=block.level)
        elif block.kind == "para":
            document.add_paragraph(block.text)
        elif block.kind == "bullet":
            document.add_paragraph(block.text, style="List Bullet")
        elif block.kind == "number":
            # Literal numbers: Word's auto-numbering would run on across separate lists.
            p = document.add_paragraph(f"{block.number}.\t{block.text}")
            p.paragraph_format.left_indent = Pt(18)
            p.paragraph_format.first_line_indent = Pt(-18)
        elif block.kind == "table":
            t = document.add_table(rows=len(block.rows), cols=len(block.rows[0]))
            t.style = "Table Grid"
            for r, row in enumerate(block.rows):
                for c, text in enumerate(row):
                    run = t.cell(r, c).paragraphs[0].add_run(text)
                    run.bold = r == 0
            document.add_paragraph()
        elif block.kind == "pagebreak":
            document.add_page_break()

    raw = io.BytesIO()
    document.save(raw)
    return _fixed_zip(raw.getvalue(), src.date)


def _fixed_zip(data: bytes, when: dt.datetime) -> bytes:
    """Rewrite a zip with fixed entry timestamps so identical content gives identical bytes."""
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, zin.read(item.filename))
    return out.getvalue()


# ---------------------------------------------------------------------------- TXT and MD


def _wrap(text: str, first: str = "", rest: str = "") -> list[str]:
    return textwrap.wrap(text, TEXT_WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False, break_long_words=False) or [first.rstrip()]


def _join_blocks(parts: list[tuple[str, list[str]]]) -> str:
    """A blank line between blocks, none between consecutive items of one list."""
    lines: list[str] = []
    prev_kind = ""
    for kind, block_lines in parts:
        listy = kind in ("bullet", "number")
        if lines and not (listy and prev_kind in ("bullet", "number")):
            lines.append("")
        lines += block_lines
        prev_kind = kind
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _txt_text(src: Source) -> str:
    """A plain-text e-mail export: wrapped to 76 columns, underlined headings."""
    parts: list[tuple[str, list[str]]] = []
    for block in src.blocks:
        if block.kind in ("title", "heading"):
            level = 1 if block.kind == "title" else block.level
            under = {1: "=", 2: "-"}.get(level)
            lines = _wrap(block.text)
            parts.append((block.kind, lines + ([under * max(len(x) for x in lines)] if under else [])))
        elif block.kind == "para":
            parts.append((block.kind, _wrap(block.text)))
        elif block.kind == "bullet":
            parts.append((block.kind, _wrap(block.text, "  * ", "    ")))
        elif block.kind == "number":
            parts.append((block.kind, _wrap(block.text, f"  {block.number}. ", "     ")))
        elif block.kind == "table":
            parts.append((block.kind, [x for row in block.rows for x in _wrap(" | ".join(row), "  ", "    ")]))
        elif block.kind == "pagebreak":
            parts.append((block.kind, ["-" * TEXT_WIDTH]))
    return _join_blocks(parts)


def _md_text(src: Source) -> str:
    parts: list[tuple[str, list[str]]] = []
    for block in src.blocks:
        if block.kind == "title":
            parts.append((block.kind, [f"# {block.text}"]))
        elif block.kind == "heading":
            parts.append((block.kind, [f"{'#' * (block.level + (1 if src.title else 0))} {block.text}"]))
        elif block.kind == "para":
            parts.append((block.kind, [block.text]))
        elif block.kind == "bullet":
            parts.append((block.kind, [f"- {block.text}"]))
        elif block.kind == "number":
            parts.append((block.kind, [f"{block.number}. {block.text}"]))
        elif block.kind == "table":
            rows = ["| " + " | ".join(row) + " |" for row in block.rows]
            rows.insert(1, "|" + "|".join(" --- " for _ in block.rows[0]) + "|")
            parts.append((block.kind, rows))
        elif block.kind == "pagebreak":
            parts.append((block.kind, ["---"]))
    return _join_blocks(parts)


# ---------------------------------------------------------------------------- the pack


def summarise(gold: list[Label], provider_type: str, notes: str) -> dict:
    strong = {c for g in gold if g.strength == "strong" for c in g.codes}
    partial = {c for g in gold if g.strength == "partial" for c in g.codes} - strong
    return {
        "provider_type": provider_type,
        "codes_evidenced": [c for c in CODES if c in strong],
        "codes_partial": [c for c in CODES if c in partial],
        "codes_missing": [c for c in CODES if c not in strong and c not in partial],
        "notes": notes,
    }


def _check_labels(labels: list[Label]) -> None:
    seen: set[tuple[str, str]] = set()
    for label in labels:
        if not QUOTE_MIN <= len(label.quote) <= QUOTE_MAX:
            raise PackError(f"{label.doc}: quote is {len(label.quote)} characters (need {QUOTE_MIN}-{QUOTE_MAX}): "
                            f"{label.quote[:70]!r}")
        if (label.doc, label.quote) in seen:
            raise PackError(f"{label.doc}: the same passage is marked twice: {label.quote[:70]!r}")
        seen.add((label.doc, label.quote))


def _load_meta(pack: Path) -> dict:
    meta_path = pack / "pack.yaml"
    if not meta_path.is_file():
        raise PackError(f"{pack}: no pack.yaml")
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
    if not isinstance(meta, dict):
        raise PackError(f"{meta_path}: must be a mapping")
    if meta.get("provider_type") not in PROVIDER_TYPES:
        raise PackError(f"{meta_path}: provider_type must be one of {', '.join(PROVIDER_TYPES)}")
    if not str(meta.get("provider_name") or "").strip():
        raise PackError(f"{meta_path}: provider_name is required")
    return meta


def build_pack(pack: Path) -> BuildResult:
    """Build docs/, gold.jsonl, near_misses.jsonl and gold_summary.json for one pack directory."""
    pack = Path(pack)
    meta = _load_meta(pack)
    present = sorted(p for p in (pack / "src").glob("*") if p.is_file())
    sources = [p for p in present if p.suffix.lower() in (".txt", ".html", ".htm")]
    # A src/*.md used to be skipped without a word, leaving a pack a document short.
    for path in present:
        if path not in sources:
            raise PackError(
                f"{path.name}: sources are .txt (first line `@out Name.pdf|.docx|.txt|.md`) or .html; "
                f"rename it to {path.stem}.txt and start it with `@out {path.stem}{path.suffix}`"
            )
    if not sources:
        raise PackError(f"{pack}: no sources in src/")

    outputs: dict[str, bytes] = {}
    labels: list[Label] = []
    for path in sources:
        if path.suffix.lower() == ".txt":
            src, found = parse_source(path)
            kind = Path(src.out).suffix.lower()
            if kind == ".pdf":
                data = _pdf_bytes(src)
            elif kind == ".docx":
                data = _docx_bytes(src)
            elif kind == ".md":
                data = _md_text(src).encode("utf-8")
            else:
                data = _txt_text(src).encode("utf-8")
            name = src.out
        else:
            name, text, found = parse_html(path)
            data = text.encode("utf-8")
        if name in outputs:
            raise PackError(f"{path.name}: output name {name} is used twice")
        outputs[name] = data
        labels += found

    _check_labels(labels)
    gold = [g for g in labels if g.strength is not None]
    near = [g for g in labels if g.strength is None]
    summary = summarise(gold, meta["provider_type"], str(meta.get("notes") or "").strip())

    docs = pack / "docs"
    docs.mkdir(exist_ok=True)
    for stale in docs.iterdir():
        if stale.is_file() and stale.name not in outputs:
            stale.unlink()
    written = []
    for name, data in outputs.items():
        (docs / name).write_bytes(data)
        written.append(docs / name)

    def jsonl(rows: list[dict]) -> str:
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)

    (pack / "gold.jsonl").write_text(jsonl([
        {"doc": g.doc, "quote": g.quote, "codes": list(g.codes), "strength": g.strength} for g in gold
    ]), encoding="utf-8")
    (pack / "near_misses.jsonl").write_text(jsonl([
        {"doc": n.doc, "quote": n.quote, "codes": list(n.codes)} for n in near
    ]), encoding="utf-8")
    (pack / "gold_summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
    return BuildResult(tuple(written), tuple(gold), tuple(near), summary)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build sample evidence packs from their src/ texts.")
    parser.add_argument("packs", nargs="+", type=Path, help="pack directories (each with pack.yaml and src/)")
    args = parser.parse_args(argv)
    for pack in args.packs:
        try:
            result = build_pack(pack)
        except PackError as exc:
            print(f"build_pack: {exc}", file=sys.stderr)
            return 2
        s = result.summary
        print(f"{pack}: {len(result.docs)} documents, {len(result.gold)} gold passages, {len(result.near)} near-misses; "
              f"evidenced {len(s['codes_evidenced'])}, partial {len(s['codes_partial'])}, "
              f"missing {len(s['codes_missing'])} ({', '.join(s['codes_missing'])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
