"""Plain text and Markdown: encoding detection, paragraphs, Markdown headings, list items and tables.

Providers send e-mail exports hard-wrapped at ~76 columns, Windows-1252 files with curly quotes
and pound signs, and UTF-16 files from Notepad. Paragraphs are separated by blank lines; the
lines of one paragraph are re-joined with spaces so a sentence is never cut by a wrap.
"""

from __future__ import annotations

import codecs
import io
import re
from pathlib import Path

from triage.ingest.base import Extracted, LoadContext, LoadError, TextBuilder

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+\u2022\u25aa\u25cf\u2013]|\d{1,3}[.)])\s+(.*)$")
_RULE = re.compile(r"^\s*([-*_=~#])\1{2,}\s*$")
# A pipe-table delimiter row: "| --- | :-: |" or "---|---".
_TABLE_DELIMITER = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$")
_LATIN_SINGLE_BYTE = re.compile(
    r"^(cp125[0247]|cp8[5-6]\d|iso8859_(1|2|3|4|9|10|13|14|15|16)|latin_1|mac_(roman|latin2|iceland))$"
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes) -> str:
    """Bytes to text, or LoadError when the bytes are not text in any encoding we can tell."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise LoadError("not a text file: it starts like Unicode text but does not decode") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _detect(data)
    if _looks_binary(text):
        raise LoadError("not a text file: it holds binary data (is it a renamed document or image?)")
    return text


def _detect(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 2**20]).best()
    if best is None:
        raise LoadError("not a text file: it holds binary data (is it a renamed document or image?)")
    encoding = best.encoding
    # Short English files give the detector little to go on: it may pick Central European or
    # Turkish code pages (turning a pound sign into an L with stroke) or latin-1 (turning curly
    # quotes into control characters). Files from English schools in any Latin-script single-byte
    # code page are far more likely Windows-1252, so prefer it whenever it decodes the bytes.
    if _LATIN_SINGLE_BYTE.match(encoding.lower()):
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return data.decode("cp1252", errors="replace")


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    if not sample:
        return False
    if "\x00" in sample:
        return True
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return controls / len(sample) > 0.02


def load(path: Path, data: bytes, ctx: LoadContext) -> Extracted:
    text = decode(data)
    markdown = Path(path).suffix.lower() in (".md", ".markdown")
    builder = TextBuilder()
    _parse(text, builder, markdown=markdown)
    if not builder.has_text:
        raise LoadError("no text found: the file holds only blank lines")
    return builder.build()


def load_csv(path: Path, data: bytes, ctx: LoadContext) -> Extracted:
    """A CSV export (destinations, encounter logs): one table row per line, cells joined with " | "."""
    import csv

    text = decode(data)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    builder = TextBuilder()
    message = ""
    try:
        for count, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
            if count > ctx.max_rows:
                message = f"only the first {ctx.max_rows} rows were read"
                break
            builder.add("table_row", " | ".join(cell.strip() for cell in row if cell.strip()))
    except csv.Error as exc:
        raise LoadError(f"not a readable CSV file: {exc}") from exc
    if not builder.has_text:
        raise LoadError("no text found: the CSV file has no values")
    return builder.build(status="warning" if message else "ok", message=message)


def _parse(text: str, builder: TextBuilder, *, markdown: bool) -> None:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    para: list[str] = []
    item: list[str] | None = None
    in_fence = False
    in_table = False

    def flush() -> None:
        nonlocal item
        if item is not None:
            builder.add("list_item", " ".join(item))
            item = None
        if para:
            builder.add("paragraph", " ".join(para))
            para.clear()

    for i, raw in enumerate(lines):
        line = raw.strip()
        if markdown and line.startswith("```"):
            flush()
            in_fence = not in_fence
            continue
        if not line:
            flush()
            in_table = False
            continue
        if in_fence:
            para.append(line)
            continue
        if markdown and _is_table_line(line, lines, i, in_table):
            # One block per row, as the PDF, DOCX and HTML readers give, so a suggestion points
            # at the row and not at the whole table.
            flush()
            in_table = True
            if not _TABLE_DELIMITER.match(line):
                cells = [c.strip() for c in line.strip("|").split("|")]
                builder.add("table_row", " | ".join(c for c in cells if c))
            continue
        in_table = False
        if markdown and (m := _MD_HEADING.match(line)):
            flush()
            builder.add("heading", m.group(2), level=len(m.group(1)))
            continue
        if markdown and para and len(para) == 1 and item is None and _SETEXT.match(line):
            heading = para.pop()
            builder.add("heading", heading, level=1 if line.startswith("=") else 2)
            continue
        if _RULE.match(line):
            flush()
            continue
        if m := _BULLET.match(raw):
            flush()
            item = [m.group(1)]
            continue
        if item is not None and raw[:1].isspace():
            item.append(line)  # an indented continuation of a wrapped list item
            continue
        if item is not None:
            flush()
        if not markdown and not para and _is_plain_heading(line, lines, i):
            builder.add("heading", line, level=2)
            continue
        para.append(line)
    flush()


def _is_table_line(line: str, lines: list[str], i: int, in_table: bool) -> bool:
    """A pipe-table row: inside a table, any line with a pipe; otherwise a line that starts with
    one, or a header line followed by a delimiter row."""
    if "|" not in line:
        return False
    if in_table or line.startswith("|"):
        return True
    nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
    return "|" in nxt and bool(_TABLE_DELIMITER.match(nxt))


def _is_plain_heading(line: str, lines: list[str], i: int) -> bool:
    """A short stand-alone line in capitals or Title Case, with a blank line after it."""
    nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
    underlined = bool(_RULE.match(nxt))
    if nxt and not underlined and not _BULLET.match(nxt):
        return False
    words = line.split()
    if not 1 <= len(words) <= 10 or line[-1] in ".,;:!?" or len(line) > 80:
        return False
    if line.isupper() and any(ch.isalpha() for ch in line):
        return True
    if underlined:
        return True
    caps = sum(1 for w in words if w[:1].isupper() or not w[:1].isalpha())
    return len(words) <= 8 and caps == len(words)
