#!/usr/bin/env python3
"""Deal a blind batch: five gaps and five partial-only codes for each of six packs, and the writers' briefs.

    python3 benchmarks/blind/deal.py SEED OUT_DIR --first 8.2,3.7 --pack NAME:TYPE:"setting" (six times) [--deadline HH:MM]

The codes named by --first (the ones the previous batch left undealt) are dealt first, then 28 of
the other 30 at random; OUT_DIR gets deal.json and task1.md .. task6.md from writer_brief.md.
Write the batch's rule (what will be run, and what would count) before briefing the writers.
"""

import argparse
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "sample_evidence"))
from build_pack import CODES  # noqa: E402


def key(code: str) -> tuple[int, ...]:
    return tuple(int(p) for p in code.split("."))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("seed", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--first", default="")
    ap.add_argument("--pack", action="append", required=True, help="NAME:TYPE:setting")
    ap.add_argument("--deadline", default="in 40 minutes")
    args = ap.parse_args()
    packs = [p.split(":", 2) for p in args.pack]
    rng = random.Random(args.seed)
    first = [c for c in args.first.split(",") if c]
    deal = first + rng.sample([c for c in CODES if c not in first], 5 * len(packs) - len(first))
    out: dict[str, dict] = {}
    for i, (name, ptype, _) in enumerate(packs):
        gaps = sorted(deal[5 * i : 5 * i + 5], key=key)
        partial = sorted(rng.sample([c for c in CODES if c not in gaps], 5), key=key)
        out[name] = {"type": ptype, "missing": gaps, "partial": partial}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "deal.json").write_text(json.dumps(out, indent=1) + "\n")
    brief = (HERE / "writer_brief.md").read_text()
    for i, (name, ptype, setting) in enumerate(packs, 1):
        d = out[name]
        text = brief.replace("PACKNAME", name).replace("PTYPE", ptype).replace("SETTING", setting)
        text = text.replace("MISSING", ", ".join(d["missing"])).replace("PARTIAL", ", ".join(d["partial"]))
        (args.out / f"task{i}.md").write_text(text.replace("DEADLINE", args.deadline))
    undealt = [c for c in CODES if c not in deal]
    print(json.dumps(out, indent=1))
    print("undealt (deal these first next time):", ", ".join(undealt))
    return 0


if __name__ == "__main__":
    sys.exit(main())
