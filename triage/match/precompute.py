"""Write models/exemplar_vectors.npz: the query and exemplar embeddings for every provider type.

    python -m triage.match.precompute

Run after changing criteria_index/queries/ so a cold start does not embed them again. Vectors
are keyed by text hash, so a stale file is still used for the texts that did not change.
"""

from __future__ import annotations

import sys

from criteria_index import load_index
from triage.embed.minilm import load_default_embedder
from triage.match.model import PRECOMPUTED, write_precomputed
from triage.match.queries import load_queries
from triage.records import PROVIDER_TYPES


def main() -> int:
    idx = load_index()
    by_type = {pt: {c.code: idx.text_for(c.code, pt) for c in idx.codes} for pt in PROVIDER_TYPES}
    n = write_precomputed(load_default_embedder(), load_queries(), by_type)
    print(f"wrote {n} vectors to {PRECOMPUTED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
