"""Pack input: a folder (recursive), one file, a list of files, or a .zip, as a sorted file list.

Zips are extracted with the standard library into a temporary folder the caller owns. Every
entry name is checked before anything is written: absolute names, drive letters, ``..`` parts
and symlinks are refused, sizes are checked against the per-file limit and a total budget, and
an entry whose compression ratio is absurd (a zip bomb) is not expanded. Bytes are counted while
copying, so a header that lies about its size cannot write more than the limit.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from triage.records import DocStatus

# Files that operating systems and office suites leave in folders; never evidence.
_CRUFT_NAMES = {"thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db", "icon\r"}
_CRUFT_DIRS = {"__macosx", ".git", ".svn", "$recycle.bin", ".trash", ".trashes"}
MAX_ZIP_ENTRIES = 5000
MAX_ZIP_TOTAL = 2 * 2**30  # bytes written out of one zip, all entries together
MAX_RATIO = 200  # uncompressed / compressed; text compresses ~5-10x, bombs ~1000x
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class PackFile:
    """One file of the pack, or a zip entry that was refused (``problem`` says why)."""

    rel: str  # path inside the pack, used for sorting
    name: str  # file name as the provider sent it
    path: Path | None  # where to read the bytes; None when the entry was refused
    shown_path: str  # what Document.path records
    problem: str = ""
    status: DocStatus = "error"


def is_cruft(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith((".", "~$", "._")) or lowered in _CRUFT_NAMES or lowered.endswith((".tmp", "~"))


def collect(
    inputs: str | os.PathLike | Iterable[str | os.PathLike], workdir: Path, max_bytes: int
) -> list[PackFile]:
    """Every file named by ``inputs``, with zips expanded into ``workdir``; sorted by ``rel``."""
    if isinstance(inputs, str | os.PathLike):
        inputs = [inputs]
    files: list[PackFile] = []
    for number, item in enumerate(inputs):
        root = Path(item)
        if not root.exists():
            raise FileNotFoundError(f"no such file or folder: {root}")
        if root.is_dir():
            for path, rel in _walk(root):
                files.extend(_expand(path, rel, workdir / f"z{number}-{len(files)}", max_bytes))
        else:
            files.extend(_expand(root, root.name, workdir / f"z{number}", max_bytes))
    files.sort(key=lambda f: (f.rel.casefold(), f.rel))
    return files


def _walk(root: Path) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d.lower() not in _CRUFT_DIRS]
        for name in names:
            if is_cruft(name):
                continue
            path = Path(folder) / name
            if path.is_file():
                found.append((path, path.relative_to(root).as_posix()))
    return found


def _expand(path: Path, rel: str, dest: Path, max_bytes: int) -> list[PackFile]:
    if path.suffix.lower() != ".zip":
        return [PackFile(rel=rel, name=path.name, path=path, shown_path=os.path.abspath(path))]
    try:
        return extract_zip(path, rel, dest, max_bytes)
    except zipfile.BadZipFile:
        return [
            PackFile(
                rel=rel,
                name=path.name,
                path=None,
                shown_path=str(path),
                problem="damaged zip file: it could not be opened (is it truncated?)",
            )
        ]
    except _ZipRefused as exc:
        return [PackFile(rel=rel, name=path.name, path=None, shown_path=str(path), problem=str(exc))]


class _ZipRefused(Exception):
    pass


def extract_zip(path: Path, rel: str, dest: Path, max_bytes: int) -> list[PackFile]:
    """Extract the safe entries of ``path`` into ``dest``; refused entries come back with a problem."""
    out: list[PackFile] = []
    prefix = "" if "/" not in rel and rel == path.name else rel + "/"
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    written = 0
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        # An Office file's own parts at the top: a renamed .docx/.xlsx, or a truncated zip of
        # uncompressed files whose last member's directory is all zipfile can find.
        if any(i.filename == "[Content_Types].xml" for i in infos):
            raise _ZipRefused(
                "damaged zip file or a renamed Office document: it holds the parts of one Word or Excel"
                " file, not a pack (is it truncated?)"
            )
        if len(infos) > MAX_ZIP_ENTRIES:
            raise _ZipRefused(
                f"zip holds {len(infos)} entries, more than {MAX_ZIP_ENTRIES}; unzip it and add the folder"
            )
        for info in infos:
            raw = info.filename.replace("\\", "/")
            parts = [p for p in raw.split("/") if p not in ("", ".")]
            if info.is_dir() or not parts:
                continue
            if any(p.lower() in _CRUFT_DIRS for p in parts[:-1]) or is_cruft(parts[-1]):
                continue
            entry_rel = prefix + "/".join(parts)
            shown = f"{path}!/{'/'.join(parts)}"

            def refuse(
                problem: str, status: DocStatus = "error", *, _rel=entry_rel, _name=parts[-1], _shown=shown
            ) -> None:
                out.append(
                    PackFile(
                        rel=_rel, name=_name, path=None, shown_path=_shown, problem=problem, status=status
                    )
                )

            if raw.startswith("/") or _DRIVE.match(raw) or ".." in parts:
                refuse(
                    f"unsafe name in zip ({info.filename!r}): it points outside the pack, so it was not extracted"
                )
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                refuse("symbolic link in zip: not followed, so it was not extracted")
                continue
            if info.flag_bits & 0x1:
                refuse("encrypted zip entry: unzip it with its password and add the file itself")
                continue
            if parts[-1].lower().endswith(".zip"):
                refuse("zip inside a zip: unzip it and add its files", status="skipped")
                continue
            if info.file_size > max_bytes:
                refuse(size_message(info.file_size, max_bytes))
                continue
            if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                refuse(
                    "suspicious zip entry: it expands more than 200 times (a zip bomb?), so it was not extracted"
                )
                continue
            if written + info.file_size > MAX_ZIP_TOTAL:
                refuse("zip is too large to expand: the files inside add up to more than 2 GB")
                continue
            target = root.joinpath(*parts).resolve()
            if not target.is_relative_to(root):
                refuse(
                    f"unsafe name in zip ({info.filename!r}): it points outside the pack, so it was not extracted"
                )
                continue
            try:
                written += _copy_entry(archive, info, target, max_bytes)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
                target.unlink(missing_ok=True)
                refuse(f"damaged zip entry: it could not be extracted ({exc.__class__.__name__})")
                continue
            except _ZipRefused as exc:
                target.unlink(missing_ok=True)
                refuse(str(exc))
                continue
            out.append(PackFile(rel=entry_rel, name=parts[-1], path=target, shown_path=shown))
    return out


def _copy_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, max_bytes: int) -> int:
    target.parent.mkdir(parents=True, exist_ok=True)
    limit = min(info.file_size, max_bytes)
    count = 0
    with archive.open(info) as src, open(target, "xb") as dst:
        while chunk := src.read(1 << 16):
            count += len(chunk)
            if count > limit:
                raise _ZipRefused("zip entry is larger than its header says, so it was not extracted")
            dst.write(chunk)
    return count


def size_message(size: int, max_bytes: int) -> str:
    return f"file is {_mb(size)} MB, over the {_mb(max_bytes)} MB limit; raise it with --max-mb"


def _mb(n: int) -> str:
    value = n / 2**20
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


__all__ = ["PackFile", "collect", "extract_zip", "is_cruft", "size_message"]
