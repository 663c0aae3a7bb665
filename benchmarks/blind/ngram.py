#!/usr/bin/env python3
"""Share of a new pack's 12-word runs that already occur in a labelled pack (sample packs and the dev pack).

    python3 benchmarks/blind/ngram.py PACK_DIR [N]

Prints the share and the first shared runs. Headers, dates and HTML boilerplate are expected;
a shared sentence of substance should be reworded. Standard library only, so pack writers can run it.
"""

import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("TRIAGE_SHARED_DIR", REPO.parent / "shared"))
WORD = re.compile(r"[a-z0-9']+")


def grams(text: str, n: int) -> set[tuple[str, ...]]:
    words = WORD.findall(re.sub(r"\[\[[^\]]*\]\]", " ", text.lower()))
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def pack_text(pack: Path) -> str:
    files = sorted((pack / "src").glob("*")) or sorted(f for f in pack.rglob("*") if f.suffix in (".txt", ".md", ".html"))
    return "\n".join(f.read_text(errors="ignore") for f in files if f.is_file())


def main() -> int:
    new = Path(sys.argv[1]).resolve()
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    seen: set[tuple[str, ...]] = set()
    for root in (REPO / "sample_evidence", SHARED / "eval" / "packs"):
        for pack in root.iterdir() if root.is_dir() else []:
            if pack.is_dir() and pack.resolve() != new:
                seen |= grams(pack_text(pack), n)
    mine = grams(pack_text(new), n)
    shared = mine & seen
    print(f"{len(shared)} of {len(mine)} {n}-word runs shared ({100 * len(shared) / max(len(mine), 1):.2f}%)")
    for g in sorted(shared)[:10]:
        print("  ", " ".join(g))
    return 0


if __name__ == "__main__":
    sys.exit(main())
