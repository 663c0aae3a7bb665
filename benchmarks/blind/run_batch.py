#!/usr/bin/env python3
"""Run the shipped tool once on each pack of a blind batch and print the figures the matching log records.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/blind/run_batch.py OUT_DIR PACK_DIR...

Each pack is triaged once; the same result is written as scorer JSON once for each listing in
``VARIANTS`` (the shipped one and the comparisons of the matching log), scored
by ../shared/eval/score.py, and summed up: the five quality metrics and the near-miss share, the
bar scores, gaps found and false flags, and one row per pack for the shipped listing.
"""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

from triage.config import shared_dir
from triage.match.suggest import DEFAULT_PARAMS, scorer_payload
from triage.pipeline import triage_pack

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The bars, kept in one place.
from bench_suggest import BARS as BAR_OF  # noqa: E402
from bench_suggest import QUALITY  # noqa: E402

VARIANTS = {
    "shipped": DEFAULT_PARAMS,
    "margin15": dataclasses.replace(DEFAULT_PARAMS, missing_listed_margin=1.5),
    "old": dataclasses.replace(DEFAULT_PARAMS, missing_listed_margin=None),
    # The listing of the twenty-fifth pass and before (one always listed, relative 0.8).
    "list1rel08": dataclasses.replace(DEFAULT_PARAMS, always=1, relative=0.8),
    # The listing of the twenty-sixth to twenty-ninth passes (floor 0.02, two always listed).
    "list2floor02": dataclasses.replace(DEFAULT_PARAMS, floor=0.02, always=2),
}
BARS = [(metric, BAR_OF[metric]) for metric in QUALITY]


def main() -> int:
    out = Path(sys.argv[1])
    packs = [Path(p) for p in sys.argv[2:]]
    scorer = shared_dir() / "eval" / "score.py"
    for pack in packs:
        summary = json.loads((pack / "gold_summary.json").read_text())
        result = triage_pack(pack / "docs", provider_type=summary["provider_type"]).result
        for name, params in VARIANTS.items():
            (out / name).mkdir(parents=True, exist_ok=True)
            (out / name / f"{pack.name}.json").write_text(json.dumps(scorer_payload(result, params)))
        print(pack.name, "done", flush=True)
    for name in VARIANTS:
        rows = []
        for pack in packs:
            scored = out / name / f"{pack.name}.score.json"
            subprocess.run([sys.executable, str(scorer), str(pack), str(out / name / f"{pack.name}.json"),
                            "--json", str(scored)], check=True, capture_output=True)
            rows.append(json.loads(scored.read_text())["packs"][0])
        mean = {k: sum(r[k] for r in rows) / len(rows) for k, _ in BARS}
        # A pack without near_misses.jsonl (the development pack) has no near-miss share.
        rates = [r["near_miss_rate_at_5"] for r in rows if r["near_miss_rate_at_5"] is not None]
        near = sum(rates) / len(rates) if rates else 0.0
        bar5 = sum(min(mean[k] / b, 1) for k, b in BARS) / 5
        six = (5 * bar5 + (min(0.05 / near, 1) if near else 1)) / 6
        found = sum(len(set(r["missing_predicted"]) & set(r["missing_gold"])) for r in rows)
        gaps = sum(len(r["missing_gold"]) for r in rows)
        false = sum(len(set(r["missing_predicted"]) - set(r["missing_gold"])) for r in rows)
        print(f"\n{name}: " + " / ".join(f"{mean[k]:.3f}" for k, _ in BARS)
              + f" / {100 * near:.1f}%  bar5 {bar5:.4f} six {six:.4f}  gaps {found} of {gaps}, false {false}")
        if name != "shipped":
            continue
        for pack, r in zip(packs, rows, strict=True):
            summary = json.loads((pack / "gold_summary.json").read_text())
            partial = set(summary["codes_partial"])
            missed = sorted(set(r["missing_gold"]) - set(r["missing_predicted"]))
            flags = sorted(set(r["missing_predicted"]) - set(r["missing_gold"]))
            print(f"| {pack.name} ({summary['provider_type']}) | " + " / ".join(f"{r[k]:.3f}" for k, _ in BARS)
                  + f" | {100 * (r['near_miss_rate_at_5'] or 0.0):.1f}% | {len(r['missing_gold']) - len(missed)} of"
                  f" {len(r['missing_gold'])} / {len(flags)} | {', '.join(missed) or 'none'};"
                  f" {', '.join(flags) or 'none'} ({', '.join(c for c in flags if c in partial) or 'none'}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
