#!/usr/bin/env python3
"""Paired comparison of two held-out signal files on their common packs, shipped thresholds.

    .venv/bin/python benchmarks/heldout/compare.py BASE.pkl CANDIDATE.pkl [--only-not-in EARLIER.pkl]

For each file, every pack's per-code offsets are fitted on the other packs' held-out margins (as
``precompute`` does for the shipped offsets), then the shipped centres, flag and listing are
applied and the pack scored as ``../shared/eval/score.py`` would. Prints the five metrics, the
near-miss share, the bar score, gaps found and false flags (split into partial-only and evidenced
codes), and how many packs' missing F1 went up, down or stayed. ``--only-not-in``: the same
figures again on the packs not in an earlier file (a fresh test), offsets still fitted over all.
"""

import argparse
import json
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bench_suggest as bs  # noqa: E402

from triage.match import DEFAULT_PARAMS as P  # noqa: E402
from triage.match import code_calibration  # noqa: E402
from triage.match.suggest import flag_centre  # noqa: E402

ROOT = bs.REPO / "sample_evidence"
BARS = np.array([bs.BARS[m] for m in bs.QUALITY])


def with_held_out_offsets(sigs: dict, names: list[str]) -> list[dict]:
    out = [dict(sigs[n]) for n in names]
    bs.shift_by_held_out_offsets(out, [code_calibration.evidenced_codes(ROOT / n) for n in names])
    return out


def quality(sig: dict, partial: set[str]) -> np.ndarray:
    """R@5, hit@5, P@5, MRR, missing F1, near-miss share (``bench_suggest._quality`` with the
    shipped settings), then gaps found, false flags on partial-only and on evidenced codes, gaps."""
    m = bs._quality(
        sig,
        centre=P.centre,
        pack_relative=P.pack_relative,
        floor=P.floor,
        relative=P.relative,
        flag_centre=P.flag_centre,
        ref=P.reference_median,
        flag_ref=P.flag_reference_median,
    )
    best, cut = sig["flag"].max(axis=0), flag_centre(sig["flag"], P)
    missing = {code for j, code in enumerate(sig["codes"]) if best[j] < cut}
    gaps = sig["gold_missing"]
    false = missing - gaps
    metrics = [m[k] for k in bs.QUALITY] + [m["near_miss_rate_at_5"] or 0.0]
    return np.array([*metrics, len(missing & gaps), len(false & partial), len(false - partial), len(gaps)])


def report(label: str, arr: np.ndarray) -> None:
    m = arr.mean(axis=0)
    bar = float(np.mean(np.minimum(m[:5] / BARS, 1)))
    print(
        f"{label:>9}: " + " / ".join(f"{v:.4f}" for v in m[:5]) + f" / {100 * m[5]:.2f}%  bar score {bar:.4f}"
        f"  gaps {int(arr[:, 6].sum())} of {int(arr[:, 9].sum())}, false flags {int(arr[:, 7:9].sum())}"
        f" ({int(arr[:, 7].sum())} partial-only, {int(arr[:, 8].sum())} evidenced)"
    )


def compare(names: list[str], base: np.ndarray, cand: np.ndarray) -> None:
    print(f"{len(names)} packs")
    report("base", base)
    report("candidate", cand)
    d = cand[:, 4] - base[:, 4]
    print(
        f"missing F1 packs up / down / same: {int((d > 1e-9).sum())} / {int((d < -1e-9).sum())} / {int((abs(d) <= 1e-9).sum())}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("base", type=Path)
    ap.add_argument("candidate", type=Path)
    ap.add_argument("--only-not-in", type=Path, help="also report the packs not in this earlier signals file")
    args = ap.parse_args()
    files = [pickle.loads(p.read_bytes()) for p in (args.base, args.candidate)]
    names = sorted(set(files[0]) & set(files[1]))
    partial = {
        n: set(json.loads((ROOT / n / "gold_summary.json").read_text())["codes_partial"]) for n in names
    }
    base, cand = (
        np.array(
            [quality(s, partial[n]) for n, s in zip(names, with_held_out_offsets(sigs, names), strict=True)]
        )
        for sigs in files
    )
    print("all packs in both:", end=" ")
    compare(names, base, cand)
    if args.only_not_in:
        earlier = set(pickle.loads(args.only_not_in.read_bytes()))
        keep = [i for i, n in enumerate(names) if n not in earlier]
        print(f"\nnot in {args.only_not_in.name}:", end=" ")
        compare([names[i] for i in keep], base[keep], cand[keep])
    return 0


if __name__ == "__main__":
    sys.exit(main())
