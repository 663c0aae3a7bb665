#!/usr/bin/env python3
"""Held-out signals: every sample pack scored by a matcher fitted without its group of about 30.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/heldout/signals.py OUT.pkl [--same-packs-as BASE.pkl]

The ten groups are the refit's (``code_calibration.held_out_groups``); each group's networks,
plan/absence model and exemplar parts are fitted once on the other groups, then each of its packs
is scored (``bench_suggest._pack_signals``). OUT.pkl ({pack name: signals}) is rewritten after
every group, so an interrupted run keeps what it finished. About 26-28 minutes for 305 packs on
the 2-core VM, alone. ``--same-packs-as`` restricts the run to the packs of an earlier file, so a
candidate is paired with the shipped tool's run on exactly the same packs and groups.

Run it from the worktree whose code is being measured: it imports that tree's ``triage``.
"""

import argparse
import importlib.util
import pickle
import sys
import time
from pathlib import Path

TREE = Path(__file__).resolve().parent.parent.parent
sys.path[:0] = [str(TREE), str(TREE / "benchmarks")]

import bench_suggest as bs  # noqa: E402

from criteria_index import load_index  # noqa: E402
from triage.config import shared_dir  # noqa: E402
from triage.embed import EmbeddingCache, load_default_embedder  # noqa: E402
from triage.match import code_calibration  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--same-packs-as", type=Path, help="an earlier signals file: score only its packs")
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("score", shared_dir() / "eval" / "score.py")
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    emb = load_default_embedder()
    codes = [c.code for c in load_index().codes]
    samples = [p for p in bs.ALL_LABELLED if p.parent.name == "sample_evidence"]
    if args.same_packs_as:
        names = set(pickle.loads(args.same_packs_as.read_bytes()))
        samples = [p for p in samples if p.name in names]
    groups = code_calibration.held_out_groups(samples, samples, code_calibration.FOLDS)
    print(f"{len(samples)} packs in {len(groups)} groups: {[len(h) for h, _ in groups]} (code from {TREE})", flush=True)
    sigs: dict[str, dict] = {}
    with EmbeddingCache() as cache:
        for gi, (held, fit_on) in enumerate(groups):
            t = time.time()
            parts = code_calibration.fit_learned_parts(fit_on, codes, emb, cache)
            for pack in held:
                sigs[pack.name] = bs._pack_signals(pack, fit_on, codes, emb, cache, score, parts=parts)
            args.out.write_bytes(pickle.dumps(sigs))
            print(f"group {gi}: {len(held)} packs, fitted on {len(fit_on)}, {time.time() - t:.0f} s; {len(sigs)} done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
