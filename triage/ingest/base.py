"""The one small interface every format loader implements, and the text builder they share.

A loader is a function ``load(path, data, ctx) -> Extracted``. It receives the file's bytes (already
size-checked) and returns the text it built, with page and block spans into that text. Anything
that goes wrong for a person to fix is raised as ``LoadError`` with a readable message; any other
exception is turned into an error status by ``triage.ingest`` so one broken file never stops a pack.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from triage.records import Block, BlockKind, DocStatus, Page

_WS = re.compile(r"\s+")


class LoadError(Exception):
    """A file could not be read; the message is shown to the assessor as is."""


@dataclass(frozen=True)
class LoadContext:
    password: str | None = None
    deadline: float = float("inf")  # time.monotonic() value after which a loader stops early
    max_pages: int = 2000
    max_rows: int = 5000  # spreadsheet rows per sheet

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline


@dataclass(frozen=True)
class Extracted:
    text: str
    pages: tuple[Page, ...]
    blocks: tuple[Block, ...]
    title: str = ""
    status: DocStatus = "ok"
    message: str = ""


Loader = Callable[[object, bytes, LoadContext], Extracted]


def clean(text: str) -> str:
    """One line of text: whitespace runs (tabs, line breaks, NBSP) collapsed to single spaces."""
    return _WS.sub(" ", text.replace("\u00ad", "")).strip()


class TextBuilder:
    """Builds a document's text block by block, recording exact spans for blocks and pages.

    Blocks are separated by a blank line so that the text reads naturally in the UI and the
    chunker can rely on block spans rather than on guessing where paragraphs end.
    """

    SEP = "\n\n"

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._pos = 0
        self._blocks: list[Block] = []
        self._pages: list[Page] = []
        self._page_start: int | None = None

    def start_page(self) -> None:
        self.end_page()
        self._page_start = self._pos + (len(self.SEP) if self._pos else 0)

    def end_page(self) -> None:
        if self._page_start is None:
            return
        start = min(self._page_start, self._pos)
        self._pages.append(Page(number=len(self._pages) + 1, start=start, end=self._pos))
        self._page_start = None

    def add(self, kind: BlockKind, text: str, level: int = 0) -> Block | None:
        text = clean(text)
        if not text:
            return None
        if self._pos:
            self._parts.append(self.SEP)
            self._pos += len(self.SEP)
        start = self._pos
        self._parts.append(text)
        self._pos += len(text)
        block = Block(kind=kind, start=start, end=self._pos, level=level)
        self._blocks.append(block)
        return block

    @property
    def has_text(self) -> bool:
        return self._pos > 0

    def build(self, *, title: str = "", status: DocStatus = "ok", message: str = "") -> Extracted:
        self.end_page()
        text = "".join(self._parts)
        pages = tuple(self._pages) or (Page(number=1, start=0, end=len(text)),)
        if not title:
            title = next((text[b.start : b.end] for b in self._blocks if b.kind in ("title", "heading")), "")
        return Extracted(
            text=text, pages=pages, blocks=tuple(self._blocks), title=title, status=status, message=message
        )


MAX_PACKAGE_BYTES = 512 * 2**20  # uncompressed size of all parts of one .docx/.pptx/.xlsx
MAX_PACKAGE_RATIO = 500  # XML compresses 10-50x; hundreds of times more is a zip bomb


def check_package(data: bytes, what: str, *, max_total: int = MAX_PACKAGE_BYTES) -> None:
    """Refuse an Office package (a zip) that is damaged or would expand to absurd sizes when parsed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            infos = package.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise LoadError(f"not {what}: the package is damaged or incomplete") from exc
    total = sum(i.file_size for i in infos)
    bomb = any(
        i.file_size > 10 * 2**20 and i.file_size > MAX_PACKAGE_RATIO * max(i.compress_size, 1) for i in infos
    )
    if total > max_total or bomb:
        raise LoadError(
            f"suspicious file: it claims to expand to {total / 2**20:.0f} MB when opened (a zip bomb?), so it was not read"
        )
