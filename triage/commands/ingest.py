"""``triage ingest PACK...``: read a pack and show what was read from each file, and what was not."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from triage.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UserError

PROGRESS_MIN_FILES = 20  # smaller packs finish before a bar is worth drawing


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "ingest",
        help="read an evidence pack and report what was read from each file",
        description="Read an evidence pack (folders, files or .zip) and print, for each document, its type, "
        "pages, words, chunks and status. Nothing leaves this machine.",
    )
    p.add_argument("pack", nargs="+", metavar="PACK", help="a folder, a .zip or files of the evidence pack")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument(
        "--max-mb", type=float, default=50.0, metavar="N", help="skip files larger than N MB (default 50)"
    )
    p.add_argument("--password", default=None, metavar="P", help="password for protected PDFs in the pack")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from triage.chunking import chunk_document
    from triage.ingest import ingest_pack

    missing = [p for p in args.pack if not Path(p).exists()]
    if missing:
        raise UserError(f"no such file or folder: {missing[0]}", EXIT_USAGE)
    if not args.max_mb > 0:
        raise UserError("--max-mb must be a positive number of megabytes", EXIT_USAGE)

    bar = _ProgressBar()
    try:
        documents = ingest_pack(
            args.pack, max_bytes=int(args.max_mb * 2**20), password=args.password, progress=bar
        )
    except FileNotFoundError as exc:
        raise UserError(str(exc), EXIT_USAGE) from exc
    finally:
        bar.close()

    rows: list[dict[str, Any]] = []
    for doc in documents:
        rows.append(
            {
                "name": doc.name,
                "type": doc.type,
                "status": doc.status,
                "message": doc.message,
                "pages": doc.page_count,
                "words": doc.word_count,
                "chunks": len(chunk_document(doc)),
                "id": doc.id,
            }
        )
    totals = {
        "documents": len(rows),
        **{
            status: sum(1 for r in rows if r["status"] == status)
            for status in ("ok", "warning", "error", "skipped")
        },
        "pages": sum(r["pages"] for r in rows),
        "words": sum(r["words"] for r in rows),
        "chunks": sum(r["chunks"] for r in rows),
    }
    if args.json:
        json.dump({"documents": rows, "totals": totals}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _print_table(rows, totals)
    if not rows:
        print("triage: no files found in the pack", file=sys.stderr)
        return EXIT_FAILED
    read = totals["ok"] + totals["warning"]
    return EXIT_OK if read else EXIT_FAILED


def _print_table(rows: list[dict], totals: dict) -> None:
    width = min(max((len(r["name"]) for r in rows), default=8), 60)
    header = f"{'document':<{width}}  {'type':<5} {'pages':>5} {'words':>7} {'chunks':>6}  status"
    print(header)
    for r in rows:
        name = r["name"] if len(r["name"]) <= width else r["name"][: width - 1] + "\u2026"
        line = f"{name:<{width}}  {r['type'][:5]:<5} {r['pages']:>5} {r['words']:>7} {r['chunks']:>6}  {r['status']}"
        if r["message"]:
            line += f": {r['message']}"
        print(line)
    print(
        f"{_count(totals['documents'], 'document')} ({totals['ok']} ok, {totals['warning']} with warnings, "
        f"{totals['error']} unreadable, {totals['skipped']} skipped); "
        f"{_count(totals['pages'], 'page')}, {_count(totals['words'], 'word')}, "
        f"{_count(totals['chunks'], 'chunk')}"
    )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


class _ProgressBar:
    """tqdm on stderr for big packs, only when stderr is a terminal (never in pipes or CI logs)."""

    def __init__(self) -> None:
        self._bar: Any = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._bar is None:
            if total < PROGRESS_MIN_FILES or not sys.stderr.isatty():
                return
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc="reading", unit="file", file=sys.stderr, leave=False)
        bar = self._bar
        bar.n = done
        bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
