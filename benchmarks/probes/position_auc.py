# Probe: does a passage's place in its document tell near-misses from gold? (twenty-eighth pass)
#   python benchmarks/probes/position_auc.py [N_PACKS | PACK_DIR...]
# Each gold and near-miss quote is found in its chunk as the fit finds it (pack_classifier.quote_mark);
# its place is the chunk's index over the last index in its document. Prints AUCs, near-miss high.
import collections
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[2]


def main():
    sys.path.insert(0, str(ROOT))
    from triage.chat.citations import normalise
    from triage.chunking import chunk_documents
    from triage.ingest import ingest_pack
    from triage.match import pack_classifier

    args = sys.argv[1:]
    if args and not args[0].isdigit():
        packs = [Path(a) for a in args]
    else:
        packs = pack_classifier.labelled_packs()[: int(args[0]) if args else None]
    near_y, place, strength = [], [], []
    for pack in packs:
        chunks = chunk_documents(ingest_pack([pack / "docs"]))
        last = collections.Counter()
        for ch in chunks:
            last[ch.doc_id] = max(last[ch.doc_id], ch.index)
        normed = [(ch, normalise(ch.text)) for ch in chunks]
        for is_near, name in ((False, "gold.jsonl"), (True, "near_misses.jsonl")):
            path = pack / name
            if not path.exists():
                continue
            for q in pack_classifier.read_jsonl(path):
                m = pack_classifier.quote_mark(q["quote"])
                ch = next((c for c, t in normed if m in t), None)
                if ch is not None:
                    near_y.append(is_near)
                    place.append(ch.index / last[ch.doc_id] if last[ch.doc_id] else 0.0)
                    strength.append(q.get("strength", ""))
    y, x, st = np.array(near_y), np.array(place), np.array(strength)
    print(f"{len(packs)} packs, {(~y).sum()} gold and {y.sum()} near-miss quotes found in their chunks")
    if y.all() or not y.any():
        print("need both gold and near-miss quotes")
        return
    print(f"mean place: gold {x[~y].mean():.3f}, near-miss {x[y].mean():.3f}; AUC {roc_auc_score(y, x):.3f}")
    for s in ("strong", "partial"):
        keep = y | (st == s)
        print(f"  against {s} gold: AUC {roc_auc_score(y[keep], x[keep]):.3f}")


if __name__ == "__main__":
    main()
