"""Write models/exemplar_vectors.npz (query and exemplar embeddings and the exemplar
classifiers for every provider type), models/pack_classifier.npz and pack_classifier_layer.npz
(the networks learned from the labelled sample packs: the flag's and the ranking's),
models/modality.npz (the plan/absence model) and models/code_offsets.json (the per-code
calibration, from each pack scored by a matcher fitted without it).

    python -m triage.match.precompute

Run after changing criteria_index/queries/ or any labelled pack under sample_evidence/; a test
fails when either file is stale. Vectors are keyed by text hash, so a stale file is still used
for the texts that did not change.
"""

from __future__ import annotations

import sys

from criteria_index import load_index
from triage.embed.cache import EmbeddingCache
from triage.embed.minilm import load_default_embedder
from triage.match import code_calibration, modality, pack_classifier
from triage.match.model import PRECOMPUTED, write_precomputed
from triage.match.queries import load_queries
from triage.records import PROVIDER_TYPES


def main() -> int:
    idx = load_index()
    by_type = {pt: {c.code: idx.text_for(c.code, pt) for c in idx.codes} for pt in PROVIDER_TYPES}
    embedder = load_default_embedder()
    n = write_precomputed(embedder, load_queries(), by_type)
    print(f"wrote {n} vectors to {PRECOMPUTED}")
    packs = pack_classifier.labelled_packs()
    with EmbeddingCache() as cache:
        clf, modal, ranker = code_calibration.fit_learned_parts(packs, [c.code for c in idx.codes], embedder, cache)
    pack_classifier.save(clf, embedder)
    pack_classifier.save(ranker, embedder, pack_classifier.RANK_STORED)
    print(
        f"wrote the networks learned from {len(packs)} labelled packs to {pack_classifier.STORED}"
        f" (missing flag) and {pack_classifier.RANK_STORED} (ranking)"
    )
    modality.save(modal)
    print(f"wrote the plan/absence model learned from the same packs to {modality.STORED}")
    codes = [c.code for c in idx.codes]
    print(
        f"scoring each of the {len(packs)} packs with a matcher fitted without its group of about"
        f" {len(packs) // code_calibration.FOLDS} (about 20 s a group, 1 s a pack)"
    )
    with EmbeddingCache() as cache:
        margins = code_calibration.held_out_margins(
            packs, codes, embedder, cache, progress=lambda name: print(f"  {name}", flush=True)
        )
    evidenced = [code_calibration.evidenced_codes(p) for p in packs]
    offsets = code_calibration.fit([m for m, _ in margins], evidenced, codes)
    flag_offsets = code_calibration.fit([f for _, f in margins], evidenced, codes)
    code_calibration.save(offsets, packs, flag_offsets=flag_offsets)
    print(f"wrote the per-code calibration learned from the same packs to {code_calibration.STORED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
