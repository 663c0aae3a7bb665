"""Word documents (.docx) with python-docx: body paragraphs and tables in the order they appear.

python-docx lists paragraphs and tables separately, so we walk the body XML children ourselves to
keep tables where the author put them. Headers and footers live in other parts of the package and
are never mixed into the body text.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from triage.ingest.base import Extracted, LoadContext, LoadError, TextBuilder, check_package, clean
from triage.records import BlockKind

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def load(path: Path, data: bytes, ctx: LoadContext) -> Extracted:
    if not data.startswith(b"PK"):
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise LoadError(
                "old Word format (.doc) renamed to .docx: save it as .docx or PDF and add it again"
            )
        raise LoadError(
            "not a Word document: the file is not a .docx package (is it text or a renamed file?)"
        )
    check_package(data, "a Word document")
    try:
        from docx import Document as open_docx
        from docx.opc.exceptions import PackageNotFoundError

        try:
            document = open_docx(io.BytesIO(data))
        except (PackageNotFoundError, zipfile.BadZipFile, KeyError) as exc:
            raise LoadError("not a Word document: the .docx package is damaged or incomplete") from exc
    except ImportError as exc:  # pragma: no cover - python-docx is a core dependency
        raise LoadError("cannot read .docx files: python-docx is not installed") from exc

    builder = TextBuilder()
    title = ""
    for kind, text, level in _body_blocks(document, ctx):
        block = builder.add(kind, text, level)
        if block and kind == "title" and not title:
            title = clean(text)
    if not builder.has_text:
        raise LoadError("no text found: the Word document is empty")
    return builder.build(title=title or _core_title(document))


def _core_title(document) -> str:
    try:
        return clean(document.core_properties.title or "")
    except Exception:  # noqa: BLE001 - a broken docProps part must not lose the body text
        return ""


def _body_blocks(document, ctx: LoadContext) -> Iterator[tuple[BlockKind, str, int]]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    body = document.element.body
    styles: dict[str | None, str] = {}  # python-docx looks a style up by scanning the styles part
    for child in _flatten(body):
        if ctx.out_of_time():
            return
        if child.tag == f"{_W}p":
            para = Paragraph(child, document)
            kind, level = _paragraph_kind(para, styles)
            yield kind, paragraph_text(child), level
            for box in _text_boxes(child):
                yield "paragraph", box, 0
        elif child.tag == f"{_W}tbl":
            for row_text in _table_rows(Table(child, document)):
                yield "table_row", row_text, 0


def _flatten(element) -> Iterator:
    """Body paragraphs and tables, looking inside content controls (w:sdt) that wrap them."""
    for child in element.iterchildren():
        if child.tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _flatten(content)
        elif child.tag in (f"{_W}p", f"{_W}tbl"):
            yield child


def _paragraph_kind(para, styles: dict[str | None, str]) -> tuple[BlockKind, int]:
    style_id = para._p.style  # the pStyle id; its name depends on nothing else
    if style_id not in styles:
        try:
            styles[style_id] = (para.style.name or "") if para.style is not None else ""
        except Exception:  # noqa: BLE001 - a dangling style id is common in generated files
            styles[style_id] = ""
    style = styles[style_id]
    lowered = style.lower()
    if lowered == "title":
        return "title", 0
    if lowered.startswith("heading"):
        digits = "".join(ch for ch in lowered if ch.isdigit())
        return "heading", int(digits) if digits else 1
    if lowered == "subtitle":
        return "heading", 1
    if lowered.startswith("list") or "bullet" in lowered:
        return "list_item", 0
    ppr = para._p.pPr
    if ppr is not None and ppr.numPr is not None:
        return "list_item", 0
    outline = ppr.find(f"{_W}outlineLvl") if ppr is not None else None
    if outline is not None:
        value = outline.get(f"{_W}val", "9")
        if value.isdigit() and int(value) < 9:  # 9 means body text
            return "heading", int(value) + 1
    if _looks_like_bold_heading(para):
        return "heading", 3
    return "paragraph", 0


def _looks_like_bold_heading(para) -> bool:
    """A short all-bold Normal paragraph without a final stop: many schools make headings that way."""
    text = para.text.strip()
    words = text.split()
    if not words or len(words) > 12 or text[-1] in ".,;:" or text[0].islower():
        return False
    runs = [r for r in para.runs if r.text.strip()]
    return bool(runs) and all(r.bold for r in runs)


_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_SKIP_INSIDE = {f"{_W}del", f"{_W}moveFrom", f"{_W}txbxContent", f"{_MC}Fallback"}
_TEXT_TAGS = (f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}noBreakHyphen")


def paragraph_text(p) -> str:
    """A paragraph's visible text, including what python-docx's ``Paragraph.text`` leaves out.

    ``Paragraph.text`` only reads direct runs and hyperlinks, so text in tracked insertions
    (``w:ins``, common in "v2" drafts nobody accepted), inline content controls, simple fields and
    smart tags would vanish. Deleted text, text boxes (read separately) and the legacy copy that
    ``mc:Fallback`` repeats are left out.
    """
    parts: list[str] = []
    for el in p.iter(*_TEXT_TAGS):
        parent = el.getparent()
        hidden = False
        while parent is not None and parent is not p:
            if parent.tag in _SKIP_INSIDE:
                hidden = True
                break
            parent = parent.getparent()
        if hidden:
            continue
        if el.tag == f"{_W}t":
            parts.append(el.text or "")
        elif el.tag == f"{_W}noBreakHyphen":
            parts.append("-")
        else:
            parts.append(" ")
    return "".join(parts)


def _text_boxes(p) -> Iterator[str]:
    """Paragraphs inside text boxes anchored in ``p`` (flyers and posters put content there)."""
    for box in p.iter(f"{_W}txbxContent"):
        if any(a.tag == f"{_MC}Fallback" for a in box.iterancestors()):
            continue
        for inner in box.iter(f"{_W}p"):
            text = paragraph_text(inner)
            if text.strip():
                yield text


def _table_rows(table) -> Iterator[str]:
    for row in table.rows:
        seen: list = []  # keep the cell elements alive so identity checks stay valid
        cells: list[str] = []
        for cell in row.cells:
            if any(cell._tc is tc for tc in seen):
                continue  # a merged cell is repeated once per grid column it spans
            seen.append(cell._tc)
            text = clean(" ".join(paragraph_text(p._p) for p in cell.paragraphs))
            nested = [r for t in cell.tables for r in _table_rows(t)]
            if nested:
                text = clean(" ".join([text, *nested]))
            if text:
                cells.append(text)
        if cells:
            yield " | ".join(cells)
