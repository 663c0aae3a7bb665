"""Read an evidence pack into ``Document`` records, one per file, errors included.

``ingest_pack`` never raises for a bad file: a damaged, protected, empty, oversized or unknown
file becomes a Document with status ``error`` or ``skipped`` and a message an assessor can act on,
and the rest of the pack is still read. Only a missing input path raises (FileNotFoundError).

Each format has one loader module with ``load(path, data, ctx) -> Extracted`` (see ``base``).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from triage.ingest import base, pack
from triage.ingest.base import Extracted, LoadContext, LoadError
from triage.records import DocStatus, Document

DEFAULT_MAX_BYTES = 50 * 2**20
SECONDS_PER_FILE = 60.0  # a loader stops between pages/sheets after this and keeps what it has

Progress = Callable[[str, int, int], None]

# extension -> (document type, loader module name)
_FORMATS: dict[str, tuple[str, str]] = {
    ".pdf": ("pdf", "pdf"),
    ".docx": ("docx", "docx"),
    ".docm": ("docx", "docx"),
    ".html": ("html", "html"),
    ".htm": ("html", "html"),
    ".xhtml": ("html", "html"),
    ".txt": ("txt", "text"),
    ".text": ("txt", "text"),
    ".md": ("md", "text"),
    ".markdown": ("md", "text"),
    ".pptx": ("pptx", "pptx"),
    ".xlsx": ("xlsx", "xlsx"),
    ".xlsm": ("xlsx", "xlsx"),
    ".csv": ("csv", "text:load_csv"),
}
_ADVICE = {
    ".doc": "save it as .docx or PDF and add it again",
    ".xls": "save it as .xlsx and add it again",
    ".ppt": "save it as .pptx or PDF and add it again",
    ".rtf": "save it as .docx or PDF and add it again",
    ".odt": "save it as .docx or PDF and add it again",
    ".jpg": "images are not read: OCR is not available",
    ".jpeg": "images are not read: OCR is not available",
    ".png": "images are not read: OCR is not available",
    ".heic": "images are not read: OCR is not available",
    ".tif": "images are not read: OCR is not available",
    ".tiff": "images are not read: OCR is not available",
    ".msg": "save the e-mail as PDF or text and add it again",
    ".eml": "save the e-mail as PDF or text and add it again",
}


def supported_extensions() -> tuple[str, ...]:
    return tuple(sorted(_FORMATS))


def ingest_pack(
    inputs: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    password: str | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[Document]:
    """One Document per file of the pack, sorted by path inside the pack.

    Zip files are expanded into a private temporary folder that is deleted before returning,
    so no copy of learners' data is left behind; ``Document.path`` for a zip entry therefore
    reads ``<zip path>!/<entry>``.
    """
    documents: list[Document] = []
    with tempfile.TemporaryDirectory(prefix="qic-triage-") as tmp:
        files = pack.collect(inputs, Path(tmp), max_bytes)
        first_name: dict[str, str] = {}
        for done, item in enumerate(files):
            if cancelled is not None and cancelled():
                break
            if progress is not None:
                progress("ingest", done, len(files))
            doc = _read(item, max_bytes=max_bytes, password=password)
            if doc.id in first_name:
                doc = _as_duplicate(doc, first_name[doc.id], item.rel)
            else:
                first_name[doc.id] = doc.name
            documents.append(doc)
        if progress is not None and (cancelled is None or not cancelled()):
            progress("ingest", len(files), len(files))
    return documents


def ingest_file(
    path: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES, password: str | None = None
) -> Document:
    """One file outside any pack (tests and the UI's "add a file" use this)."""
    p = Path(path)
    return _read(
        pack.PackFile(rel=p.name, name=p.name, path=p, shown_path=str(p)),
        max_bytes=max_bytes,
        password=password,
    )


def _as_duplicate(doc: Document, original: str, rel: str) -> Document:
    # Document ids must be unique in a session; a second copy gets an id derived from its place.
    unique = hashlib.sha256(f"{doc.id}|{rel}".encode()).hexdigest()
    if doc.status in ("ok", "warning"):
        return Document(
            id=unique,
            name=doc.name,
            path=doc.path,
            type=doc.type,
            status="skipped",
            message=f"same content as {original}; read once",
            size_bytes=doc.size_bytes,
        )
    return Document(
        id=unique,
        name=doc.name,
        path=doc.path,
        type=doc.type,
        status=doc.status,
        message=doc.message,
        size_bytes=doc.size_bytes,
    )


def _read(item: pack.PackFile, *, max_bytes: int, password: str | None) -> Document:
    suffix = Path(item.name).suffix.lower()
    doc_type, loader_name = _FORMATS.get(suffix, (suffix.lstrip(".") or "unknown", ""))
    by_place = hashlib.sha256(item.rel.encode()).hexdigest()  # for entries whose bytes were never read

    def result(
        status: DocStatus,
        message: str,
        *,
        id: str = by_place,
        size: int = 0,
        extracted: Extracted | None = None,
    ) -> Document:
        if extracted is None:
            return Document(
                id=id,
                name=item.name,
                path=item.shown_path,
                type=doc_type,
                status=status,
                message=message,
                size_bytes=size,
            )
        return Document(
            id=id,
            name=item.name,
            path=item.shown_path,
            type=doc_type,
            status=status,
            message=message,
            text=extracted.text,
            pages=extracted.pages,
            blocks=extracted.blocks,
            title=extracted.title,
            size_bytes=size,
        )

    if item.path is None:
        return result(item.status, item.problem)
    try:
        size = item.path.stat().st_size
        if size > max_bytes:
            return result("error", pack.size_message(size, max_bytes), id=_hash_file(item.path), size=size)
        data = item.path.read_bytes()
    except OSError as exc:
        return result("error", f"could not be opened: {exc.strerror or exc}")
    digest = hashlib.sha256(data).hexdigest()
    if not loader_name:
        what = f"unsupported file type {suffix}" if suffix else "unsupported file type (no extension)"
        advice = _ADVICE.get(suffix)
        return result("skipped", f"{what} ({advice})" if advice else what, id=digest, size=len(data))
    if not data:
        return result("error", "empty file", id=digest)
    ctx = LoadContext(password=password, deadline=time.monotonic() + SECONDS_PER_FILE)
    try:
        extracted = _loader(loader_name)(item.path, data, ctx)
    except LoadError as exc:
        message = str(exc)
    except MemoryError:
        message = "could not be read: the file needs too much memory"
    except RecursionError:
        message = "could not be read: the file's structure is too deeply nested"
    except Exception as exc:  # noqa: BLE001 - a loader bug or hostile file must not stop the pack
        message = (
            f"could not be read ({exc.__class__.__name__}); the file may be damaged: "
            "open it and save it again, or ask the provider for a PDF"
        )
    else:
        return result(extracted.status, extracted.message, id=digest, size=len(data), extracted=extracted)
    return result("error", message, id=digest, size=len(data))


def _loader(name: str) -> base.Loader:
    import importlib

    module, _, function = name.partition(":")
    return getattr(importlib.import_module(f"triage.ingest.{module}"), function or "load")


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


__all__ = ["ingest_pack", "ingest_file", "supported_extensions", "DEFAULT_MAX_BYTES"]
