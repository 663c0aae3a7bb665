"""PDF with pypdf: text per page, rebuilt into paragraphs, list items, table rows and headings.

pypdf's plain ``extract_text`` gives one line per text line and no paragraph breaks, which would
glue a policy's paragraphs together and cut sentences at every wrap. Instead we collect each text
fragment with its position and font size (pypdf's ``visitor_text`` hook) and rebuild the layout:

- lines are fragments sharing a baseline; a wide horizontal gap inside a line marks a table cell;
- a new block starts where the vertical gap exceeds the usual line spacing, the font size changes,
  or a line starts with a bullet glyph; blocks whose lines hold several cells are table rows,
  rebuilt column by column so a wrapped cell stays one run of text;
- lines near the top or bottom edge that repeat on most pages (running headers, "Page 3 of 7")
  become ``furniture`` blocks: kept in the text so offsets stay exact, left out of chunks;
- short lines in a larger or bold font, without a final full stop, are headings;
- a page where most lines have a second text column starting at the same place mid-page is read
  down the left column and then the right (newsletters), so sentences are not cut line by line.

Known limits: no OCR; three or more text columns and rotated text are read in line order.
"""

from __future__ import annotations

import io
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from triage.ingest.base import Extracted, LoadContext, LoadError, TextBuilder, clean

PASSWORD_MESSAGE = (
    "password-protected PDF: supply the password with --password or ask the provider for an unlocked copy"
)
NO_TEXT_MESSAGE = "no text layer; OCR is not available"

# pypdf logs the damage it recovers from ("EOF marker not found"). With no handler configured,
# Python's last-resort handler prints that to stderr, beside our own status line and across the
# review UI's screen; the document's status already says what went wrong.
logging.getLogger("pypdf").addHandler(logging.NullHandler())

_BULLETS = (
    "\x7f\u2022\u25cf\u25aa\u25e6\u2023\u2043\u25a0\u25a1\uf0b7\uf0a7\uf076\uf0d8\u27a2\u2219\u00b7*-\u2013"
)
_PAGE_NUMBER = re.compile(
    r"^(page\s*)?\d{1,4}(\s*(of|/)\s*\d{1,4})?$|^[-\u2013]\s*\d{1,4}\s*[-\u2013]$", re.I
)
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(\.\d{1,2})*\.?|[A-Z]\.|Appendix [A-Z0-9]+[.:]?)\s+\S")
_NUMBERED_ITEM = re.compile(r"^(\d{1,2}|[a-z]|[ivx]{1,4})[.)]\s+\S")
_ROW_GAP = 1.4  # baseline gap, in font sizes, beyond which a table line starts a new row
_EDGE = 0.1  # share of the page height at top and bottom where running headers and footers sit


@dataclass
class _Fragment:
    x: float
    y: float
    size: float
    bold: bool
    text: str


@dataclass
class _Line:
    y: float
    size: float
    bold: bool
    cells: list[tuple[float, str]] = field(default_factory=list)  # (x, text) runs split at wide gaps
    frags: list[_Fragment] = field(default_factory=list)
    furniture: bool = False

    @property
    def x0(self) -> float:
        return self.cells[0][0]

    @property
    def text(self) -> str:
        return " | ".join(t for _, t in self.cells)


@dataclass
class _Page:
    height: float
    lines: list[_Line]
    width: float = 595.0


def load(path: Path, data: bytes, ctx: LoadContext) -> Extracted:
    from pypdf import PdfReader

    if b"%PDF" not in data[:1024]:
        raise LoadError("not a PDF file: the file does not start like a PDF (is it a renamed file?)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            _unlock(reader, ctx.password)
        page_objects = list(reader.pages)
    except LoadError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on damaged files
        raise LoadError("damaged PDF: it could not be opened (is the file truncated or incomplete?)") from exc
    if not page_objects:
        raise LoadError("damaged PDF: it has no pages (is the file truncated or incomplete?)")

    notes: list[str] = []
    pages: list[_Page] = []
    failed: list[int] = []
    for number, page in enumerate(page_objects, start=1):
        if number > ctx.max_pages:
            notes.append(f"only the first {ctx.max_pages} of {len(page_objects)} pages were read")
            break
        try:
            if ctx.out_of_time():
                raise _OutOfTime
            pages.append(_read_page(page, ctx))
        except _OutOfTime:
            if not pages:
                raise LoadError(
                    "the PDF took too long to read: it may be damaged or built to be hostile"
                ) from None
            notes.append(
                f"stopped after {len(pages)} of {len(page_objects)} pages: the file took too long to read"
            )
            break
        except Exception:  # noqa: BLE001 - one bad page must not lose the others
            failed.append(number)
            pages.append(_Page(height=842.0, lines=[]))

    empty = [i for i, p in enumerate(pages, start=1) if not p.lines and i not in failed]
    if len(failed) == len(pages):
        raise LoadError("damaged PDF: no page could be read (is the file truncated or incomplete?)")
    if len(empty) + len(failed) == len(pages):
        raise LoadError(NO_TEXT_MESSAGE + " (the PDF looks like a scan: ask the provider for a text copy)")
    if empty:
        notes.insert(
            0, f"no text layer on {_pages_phrase(empty)}; OCR is not available, so they were not read"
        )
    if failed:
        notes.insert(0, f"{_pages_phrase(failed)} could not be read (the file may be damaged)")

    _mark_furniture(pages)
    for read in pages:
        read.lines = _reading_order(read)
    builder = TextBuilder()
    title = _build(pages, builder)
    return builder.build(title=title, status="warning" if notes else "ok", message="; ".join(notes))


def _pages_phrase(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"page {numbers[0]}"
    shown = ", ".join(str(n) for n in numbers[:20]) + (" ..." if len(numbers) > 20 else "")
    return f"pages {shown}"


def _unlock(reader, password: str | None) -> None:
    from pypdf import PasswordType
    from pypdf.errors import DependencyError

    try:
        if reader.decrypt("") != PasswordType.NOT_DECRYPTED:
            return
        if password and reader.decrypt(password) != PasswordType.NOT_DECRYPTED:
            return
    except DependencyError as exc:
        raise LoadError(
            "encrypted PDF using AES, which needs the 'cryptography' package to open: "
            "install it or ask the provider for an unlocked copy"
        ) from exc
    if password:
        raise LoadError(
            "password-protected PDF: the password supplied does not open it; "
            "check it or ask the provider for an unlocked copy"
        )
    raise LoadError(PASSWORD_MESSAGE)


# ---- one page: fragments -> lines ----------------------------------------------------------


class _OutOfTime(Exception):
    pass


def _read_page(page, ctx: LoadContext) -> _Page:
    fragments: list[_Fragment] = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text or not text.strip():
            return
        if len(fragments) % 256 == 255 and ctx.out_of_time():
            raise _OutOfTime  # a page with millions of text operators must not hold the pack
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
        size = abs(float(font_size or 0) * scale) or 10.0
        base = str((font_dict or {}).get("/BaseFont", "")) if hasattr(font_dict, "get") else ""
        bold = any(mark in base.lower() for mark in ("bold", "black", "heavy", "semibold"))
        for k, piece in enumerate(p for p in text.split("\n") if p.strip()):
            fragments.append(_Fragment(x, y - k * size * 1.2, size, bold, piece))

    page.extract_text(visitor_text=visit)
    try:
        height = float(page.mediabox.height) or 842.0
        width = float(page.mediabox.width) or 595.0
        bottom = float(page.mediabox.bottom)
        left = float(page.mediabox.left)
    except Exception:  # noqa: BLE001 - a broken mediabox should not lose the page
        height, width, bottom, left = 842.0, 595.0, 0.0, 0.0
    for frag in fragments:
        frag.y -= bottom
    for frag in fragments:
        frag.x -= left
    return _Page(height=height, width=width, lines=_group_lines(fragments))


def _group_lines(fragments: list[_Fragment]) -> list[_Line]:
    fragments.sort(key=lambda f: (-round(f.y, 1), f.x))
    rows: list[list[_Fragment]] = []
    for frag in fragments:
        if rows and abs(rows[-1][0].y - frag.y) <= 0.35 * max(frag.size, rows[-1][0].size):
            rows[-1].append(frag)
        else:
            rows.append([frag])
    lines = []
    for row in rows:
        row.sort(key=lambda f: f.x)
        # The size most of the line's characters use: a larger bullet glyph must not make it a heading.
        size = max(row, key=lambda f: len(f.text.strip())).size
        line = _Line(
            y=row[0].y, size=size, bold=all(f.bold for f in row if len(f.text.strip()) > 1), frags=row
        )
        line.cells = _cells(row, line.size, ())
        if line.cells:
            lines.append(line)
    return lines


def _cells(row: list[_Fragment], size: float, column_starts: tuple[float, ...]) -> list[tuple[float, str]]:
    """Split a line's fragments into cells at wide gaps or at known column starts."""
    cells: list[tuple[float, str]] = []
    cell_x, parts = row[0].x, [row[0].text]
    end = row[0].x + _width(row[0])
    for frag in row[1:]:
        gap = frag.x - end
        at_column = any(abs(frag.x - c) <= 1.5 for c in column_starts) and gap > 0
        bullet_only = "".join(parts).strip() in tuple(_BULLETS)  # a hanging bullet, not a table cell
        if bullet_only:
            parts.append(" ")
        elif gap > max(1.2 * size, 8.0) or at_column:
            cells.append((cell_x, clean("".join(parts))))
            cell_x, parts = frag.x, []
        elif parts and gap > 0.15 * size and not parts[-1][-1:].isspace() and not frag.text[:1].isspace():
            parts.append(" ")
        parts.append(frag.text)
        end = max(end, frag.x + _width(frag))
    cells.append((cell_x, clean("".join(parts))))
    return [(x, t) for x, t in cells if t]


def _width(frag: _Fragment) -> float:
    # No font metrics at hand (the standard 14 fonts carry no widths): an average glyph of
    # running text in Helvetica or Times is a little under half the font size wide.
    return len(frag.text) * frag.size * 0.45


# ---- across pages: furniture ---------------------------------------------------------------


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower())


def _mark_furniture(pages: list[_Page]) -> None:
    def at_edge(line: _Line, page: _Page) -> bool:
        return line.y > page.height * (1 - _EDGE) or line.y < page.height * _EDGE

    counts: Counter[str] = Counter()
    for page in pages:
        counts.update({_furniture_key(line.text) for line in page.lines if at_edge(line, page)})
    with_text = sum(1 for p in pages if p.lines)
    need = max(2, math.ceil(0.5 * with_text))
    for page in pages:
        for line in page.lines:
            if not at_edge(line, page):
                continue
            bare = line.cells[-1][1] if len(line.cells) > 1 else line.text
            if _PAGE_NUMBER.match(line.text.strip()) or (
                with_text >= 2 and counts[_furniture_key(line.text)] >= need
            ):
                line.furniture = True
            elif len(line.cells) > 1 and _PAGE_NUMBER.match(bare.strip()) and len(line.text) < 200:
                line.furniture = True


# ---- two-column pages ----------------------------------------------------------------------


def _reading_order(page: _Page) -> list[_Line]:
    """Two-column pages (newsletters, leaflets) read down the left column, then down the right.

    Otherwise each printed line would join the left and right columns, cutting every sentence.
    """
    body = [line for line in page.lines if not line.furniture]
    split = _column_split(body, page.width)
    if split is None:
        return page.lines
    left: list[_Line] = []
    right: list[_Line] = []
    for line in body:
        for side, frags in (
            (left, [f for f in line.frags if f.x < split - 2]),
            (right, [f for f in line.frags if f.x >= split - 2]),
        ):
            if frags:
                size = max(frags, key=lambda f: len(f.text.strip())).size
                part = _Line(
                    y=line.y,
                    size=size,
                    bold=all(f.bold for f in frags if len(f.text.strip()) > 1),
                    frags=frags,
                )
                part.cells = _cells(frags, size, ())
                if part.cells:
                    side.append(part)
    top = [line for line in page.lines if line.furniture and line.y > page.height / 2]
    bottom = [line for line in page.lines if line.furniture and line.y <= page.height / 2]
    return top + left + right + bottom


def _column_split(body: list[_Line], width: float) -> float | None:
    """The x where a right-hand text column starts, when most lines have one there; else None."""
    if len(body) < 8:
        return None

    def in_band(frag: _Fragment, k: int) -> bool:
        # A fragment starts a right column when it is not the line's first, or the line starts there.
        return 0.35 * width <= frag.x <= 0.65 * width and (k > 0 or frag.x > 0.3 * width)

    starts: Counter[int] = Counter()
    for line in body:
        starts.update({round(f.x / 3) for k, f in enumerate(line.frags) if in_band(f, k)})
    if not starts:
        return None
    bucket, _ = starts.most_common(1)[0]
    lines_at = [line for line in body if any(abs(f.x - bucket * 3) <= 4 for f in line.frags)]
    if len(lines_at) < max(6, 0.5 * len(body)):
        return None
    split = min(f.x for line in lines_at for f in line.frags if abs(f.x - bucket * 3) <= 4)
    left_text = sorted(
        n for n in (len("".join(f.text for f in ln.frags if f.x < split - 2)) for ln in body) if n
    )
    right_text = sorted(len("".join(f.text for f in ln.frags if f.x >= split - 2)) for ln in lines_at)
    if not left_text or left_text[len(left_text) // 2] < 25 or right_text[len(right_text) // 2] < 25:
        return None  # short cells either side: a table, which the table rules read better
    return split


# ---- lines -> blocks -----------------------------------------------------------------------


def _build(pages: list[_Page], builder: TextBuilder) -> str:
    body = [line for page in pages for line in page.lines if not line.furniture]
    body_size = _body_size(body)
    leading = _typical_leading(pages, body_size)
    heading_sizes: list[float] = []
    planned: list[tuple[int, list[list[_Line]]]] = []
    for index, page in enumerate(pages):
        planned.append((index, _split_blocks(page.lines, leading)))
    for _, groups in planned:
        for group in groups:
            if not group[0].furniture and _is_heading(group, body_size):
                heading_sizes.append(round(max(line.size for line in group), 1))
    levels = {size: rank + 1 for rank, size in enumerate(sorted(set(heading_sizes), reverse=True))}
    title = ""
    for index, groups in planned:
        builder.start_page()
        known = tuple(
            sorted({x for line in pages[index].lines if len(line.cells) > 1 for x, _ in line.cells})
        )
        for group in groups:
            if group[0].furniture:
                for line in group:
                    builder.add("furniture", line.text)
                continue
            if _is_heading(group, body_size):
                size = round(max(line.size for line in group), 1)
                text = " ".join(line.text for line in group)
                is_title = index == 0 and not title and size >= body_size * 1.3 and levels.get(size) == 1
                if is_title:
                    title = clean(text)
                    builder.add("title", text)
                else:
                    builder.add("heading", text, level=min(levels.get(size, 1), 6))
            elif any(len(line.cells) > 1 for line in group):
                for row in _table_rows(group, known):
                    builder.add("table_row", row)
            else:
                text = _join_lines([line.text for line in group])
                if _starts_bullet(group[0]):
                    builder.add("list_item", text[2:])
                elif _NUMBERED_ITEM.match(text):
                    builder.add("list_item", text)
                else:
                    builder.add("paragraph", text)
        builder.end_page()
    return title


def _body_size(lines: list[_Line]) -> float:
    weights: Counter[float] = Counter()
    for line in lines:
        weights[round(line.size, 1)] += len(line.text)
    return weights.most_common(1)[0][0] if weights else 10.0


def _typical_leading(pages: list[_Page], body_size: float) -> dict[float, float]:
    """Usual baseline-to-baseline distance per font size, from the tighter gaps seen."""
    gaps: dict[float, list[float]] = {}
    for page in pages:
        for a, b in zip(page.lines, page.lines[1:], strict=False):
            size = round(b.size, 1)
            gap = a.y - b.y
            if abs(a.size - b.size) < 0.5 and 0.9 * size <= gap <= 2.5 * size:
                gaps.setdefault(size, []).append(gap)
    leading = {}
    for size, values in gaps.items():
        values.sort()
        leading[size] = values[len(values) // 4]
    return leading


def _starts_bullet(line: _Line) -> bool:
    text = line.cells[0][1]
    return len(text) > 1 and text[0] in _BULLETS and text[1] == " "


def _split_blocks(lines: list[_Line], leading: dict[float, float]) -> list[list[_Line]]:
    groups: list[list[_Line]] = []
    for line in lines:
        if groups:
            prev = groups[-1][-1]
            size = round(line.size, 1)
            usual = leading.get(size, 1.2 * size)
            gap = prev.y - line.y
            same = (
                not line.furniture
                and not prev.furniture
                and abs(prev.size - line.size) < 0.5
                and prev.bold == line.bold
                and 0 < gap <= 1.3 * usual + 0.5
                and not _starts_bullet(line)
                and not _NUMBERED_ITEM.match(line.cells[0][1])
            )
            if same:
                groups[-1].append(line)
                continue
        groups.append([line])
    return groups


def _is_heading(group: list[_Line], body_size: float) -> bool:
    if len(group) > 3 or any(len(line.cells) > 1 for line in group):
        return False
    text = " ".join(line.text for line in group).strip()
    words = text.split()
    if not words or len(words) > 15 or text[-1] in ".,;:" or _starts_bullet(group[0]):
        return False
    size = max(line.size for line in group)
    if size >= body_size + 1.0:
        return True
    if all(line.bold for line in group) and size >= body_size - 0.6 and len(words) <= 12:
        return True
    if len(group) == 1 and len(words) <= 8 and _NUMBERED_HEADING.match(text) and text[-1] not in ".;:,":
        alpha = [w for w in words[1:] if w[:1].isalpha()]
        return bool(alpha) and alpha[0][:1].isupper()
    return False


def _join_lines(texts: list[str]) -> str:
    out = ""
    for text in texts:
        if not out:
            out = text
        elif out.endswith("-") and out[-2:-1].isalpha():
            out += text  # keep "tutor-" + "time" as "tutor-time"
        else:
            out += " " + text
    return out


def _table_rows(group: list[_Line], known: tuple[float, ...]) -> list[str]:
    """Rows of a table block, each cell's wrapped lines joined, cells joined with " | ".

    Lines of one row sit at the font's normal line spacing (a wrapped cell); cell padding puts
    more space between rows. When there is no padding at all and every line fills every column,
    each line is a row of its own.
    """
    # Cells found by wide gaps on other lines of the page reveal the column starts; use them to
    # split the lines where a narrow column left too small a gap to see.
    for line in group:
        line.cells = _cells(line.frags, line.size, known)
    starts = sorted({round(x) for line in group for x, _ in line.cells})
    columns: list[float] = []
    for x in starts:
        if not columns or x - columns[-1] > 8:
            columns.append(x)
    placed_lines = [
        [(max((i for i, c in enumerate(columns) if c <= x + 8), default=0), text) for x, text in line.cells]
        for line in group
    ]
    wide = [a.y - b.y > _ROW_GAP * max(a.size, b.size) for a, b in zip(group, group[1:], strict=False)]
    dense_grid = not any(wide) and len(group) >= 3 and all(len(p) == len(columns) for p in placed_lines)
    rows: list[list[list[str]]] = []
    for i, placed in enumerate(placed_lines):
        if i == 0 or wide[i - 1] or dense_grid:
            rows.append([[] for _ in columns])
        for col, text in placed:
            rows[-1][col].append(text)
    return [" | ".join(_join_lines(cell) for cell in row if cell) for row in rows]
