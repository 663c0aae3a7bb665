#!/usr/bin/env python3
"""Every labelled quote of the given packs that shares an 8-word run with a query exemplar.

    .venv/bin/python benchmarks/blind/exemplar_overlap.py PACK_DIR [PACK_DIR ...]

The same rule as ``tests/test_match_queries.py::test_exemplars_are_not_copied_from_labelled_packs``,
which stops at the first hit; this lists them all, with the run and the quote, so a new batch's
sentences can be reworded in ``src/`` and the pack rebuilt before it joins the fits. Exit 1 if any.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from triage.match.pack_classifier import read_jsonl  # noqa: E402
from triage.match.queries import load_queries, word_runs  # noqa: E402


def main() -> int:
    runs = set().union(*(word_runs(text) for text in load_queries().written_texts()))
    found = 0
    for pack in map(Path, sys.argv[1:]):
        for name in ("gold.jsonl", "near_misses.jsonl"):
            for row in read_jsonl(pack / name):
                quote = row["quote"]
                hits = sorted(runs & word_runs(quote))
                if hits:
                    found += 1
                    print(f"{pack.name} {name}: {hits}\n    {quote[:300]}")
    print(f"{found} quotes share an 8-word run with an exemplar")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
