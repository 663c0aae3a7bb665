#!/usr/bin/env python3
"""Check a built sample pack against its own documents.

    python sample_evidence/check_pack.py sample_evidence/<pack> [more packs ...]
    python sample_evidence/check_pack.py            # every pack under sample_evidence/ with gold.jsonl

Text is extracted the way an ingester would see it: pypdf page by page, python-docx body
paragraphs and table cells, HTML with scripts, styles and tags removed, TXT/MD as they are.
Each gold and near-miss quote must occur, after normalisation (NFKC, straight quotes, ASCII
hyphens, collapsed whitespace, lower case), inside one page, paragraph, cell or file. Quotes
must be 60-400 characters with valid codes, and gold_summary.json must agree with gold.jsonl.
Exit status 0 means every check passed.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build_pack import CODES, PROVIDER_TYPES, QUOTE_MAX, QUOTE_MIN, STRENGTHS  # noqa: E402

_TRANSLATE = {ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u2032`\u00b4"}
_TRANSLATE.update({ord(c): '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"})
_TRANSLATE.update({ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})
_TRANSLATE.update({ord(c): None for c in "\u00ad\u200b\u200c\u200d\u2060\ufeff"})
_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    return _WS.sub(" ", text).strip().lower()


def html_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style|noscript)\b.*?</\1\s*>", " ", markup)
    markup = re.sub(r"(?s)<!--.*?-->", " ", markup)
    markup = re.sub(r"(?s)<[^>]+>", " ", markup)
    return html.unescape(markup)


def extract_units(path: Path) -> list[str]:
    """The document's text in the units a quote must not cross: pages, paragraphs and cells, or the file."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        from pypdf import PdfReader

        return [page.extract_text() or "" for page in PdfReader(path).pages]
    if suffix == ".docx":
        import docx

        document = docx.Document(str(path))
        units = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                units += [cell.text for cell in row.cells]
        return units
    if suffix in (".html", ".htm"):
        return [html_text(path.read_text(encoding="utf-8"))]
    return [path.read_text(encoding="utf-8")]


def word_count(units: list[str]) -> int:
    return sum(len(u.split()) for u in units)


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def check_pack(pack: Path, *, verbose: bool = True) -> list[str]:
    """All problems found in one pack (an empty list means it passed)."""
    problems: list[str] = []
    gold = _read_jsonl(pack / "gold.jsonl")
    near = _read_jsonl(pack / "near_misses.jsonl")
    if not gold:
        return [f"{pack}: no gold.jsonl or it is empty"]
    docs_dir = pack / "docs"
    cache: dict[str, list[str]] = {}

    def units_of(name: str) -> list[str] | None:
        if name not in cache:
            path = docs_dir / name
            if not path.is_file():
                return None
            cache[name] = [normalise(u) for u in extract_units(path)]
        return cache[name]

    for kind, rows in (("gold", gold), ("near-miss", near)):
        for i, row in enumerate(rows, 1):
            where = f"{kind} {i} ({row.get('doc')})"
            quote = row.get("quote", "")
            codes = row.get("codes") or []
            if not QUOTE_MIN <= len(quote) <= QUOTE_MAX:
                problems.append(f"{where}: quote length {len(quote)} outside {QUOTE_MIN}-{QUOTE_MAX}")
            if not codes or any(c not in CODES for c in codes):
                problems.append(f"{where}: invalid codes {codes}")
            if kind == "gold" and row.get("strength") not in STRENGTHS:
                problems.append(f"{where}: invalid strength {row.get('strength')!r}")
            units = units_of(row.get("doc", ""))
            if units is None:
                problems.append(f"{where}: document not found in docs/")
                continue
            q = normalise(quote)
            if not any(q in u for u in units):
                problems.append(f"{where}: quote not found in one page/paragraph/cell: {quote[:80]!r}")

    problems += _check_summary(pack, gold)
    if verbose:
        total = 0
        for path in sorted(p for p in docs_dir.iterdir() if p.is_file()):
            n = word_count(extract_units(path))
            total += n
            passages = sum(1 for g in gold if g["doc"] == path.name)
            print(f"  {path.name:55} {n:6,} words {passages:3} passages")
        print(f"  {'total':55} {total:6,} words {len(gold):3} passages, {len(near)} near-misses")
    return problems


def _check_summary(pack: Path, gold: list[dict]) -> list[str]:
    path = pack / "gold_summary.json"
    if not path.exists():
        return [f"{pack}: no gold_summary.json"]
    summary = json.loads(path.read_text(encoding="utf-8"))
    strong = {c for g in gold if g.get("strength") == "strong" for c in g.get("codes", [])}
    partial = {c for g in gold if g.get("strength") == "partial" for c in g.get("codes", [])} - strong
    expected = {
        "codes_evidenced": [c for c in CODES if c in strong],
        "codes_partial": [c for c in CODES if c in partial],
        "codes_missing": [c for c in CODES if c not in strong and c not in partial],
    }
    problems = [f"gold_summary.json: {key} is {summary.get(key)}, gold.jsonl gives {value}"
                for key, value in expected.items() if summary.get(key) != value]
    if summary.get("provider_type") not in PROVIDER_TYPES:
        problems.append(f"gold_summary.json: provider_type {summary.get('provider_type')!r} is not valid")
    return problems


def packs_under(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if (p / "gold.jsonl").is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check sample packs' gold labels against their documents.")
    parser.add_argument("packs", nargs="*", type=Path)
    args = parser.parse_args(argv)
    packs = args.packs or packs_under(HERE)
    failed = False
    for pack in packs:
        print(pack)
        problems = check_pack(pack)
        for problem in problems:
            print(f"  FAIL {problem}")
        print("  PASS" if not problems else f"  {len(problems)} problem(s)")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
