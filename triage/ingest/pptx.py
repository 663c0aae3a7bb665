"""PowerPoint (.pptx) with python-pptx: one page per slide, the title as a heading, text as items.

Governors' and parents' evening slides carry evidence in short bullets, so each paragraph of a
text frame becomes a list item and each table row a table row; speaker notes are read too
because presenters often put the substance there.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from triage.ingest.base import Extracted, LoadContext, LoadError, TextBuilder, check_package, clean


def load(path: Path, data: bytes, ctx: LoadContext) -> Extracted:
    if not data.startswith(b"PK"):
        raise LoadError("not a PowerPoint file: the file is not a .pptx package (is it a renamed .ppt?)")
    check_package(data, "a PowerPoint file")
    from pptx import Presentation

    try:
        deck = Presentation(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError("not a PowerPoint file: the .pptx package is damaged or incomplete") from exc
    except Exception as exc:  # noqa: BLE001 - python-pptx raises package errors of several types
        raise LoadError("not a PowerPoint file: the .pptx package could not be opened") from exc

    builder = TextBuilder()
    notes: list[str] = []
    for number, slide in enumerate(deck.slides, start=1):
        if number > ctx.max_pages or ctx.out_of_time():
            notes.append(f"only the first {number - 1} slides were read")
            break
        builder.start_page()
        title_shape = slide.shapes.title
        if title_shape is not None and title_shape.has_text_frame:
            builder.add("heading", title_shape.text_frame.text, level=1)
        for shape in _shapes(slide.shapes):
            if title_shape is not None and shape.shape_id == title_shape.shape_id:
                continue
            if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
                for para in shape.text_frame.paragraphs:
                    builder.add("list_item", para.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                for row in shape.table.rows:
                    cells = [clean(cell.text) for cell in row.cells]
                    builder.add("table_row", " | ".join(c for c in cells if c))
        if slide.has_notes_slide:
            notes_frame = slide.notes_slide.notes_text_frame
            if notes_frame is not None:
                builder.add("paragraph", notes_frame.text)
        builder.end_page()
    if not builder.has_text:
        raise LoadError("no text found: the slides hold no text (only pictures?)")
    return builder.build(status="warning" if notes else "ok", message="; ".join(notes))


def _shapes(shapes):
    """Shapes in reading order, looking inside groups."""
    for shape in sorted(shapes, key=lambda s: ((s.top or 0), (s.left or 0))):
        if getattr(shape, "shape_type", None) is not None and hasattr(shape, "shapes"):
            yield from _shapes(shape.shapes)
        else:
            yield shape
