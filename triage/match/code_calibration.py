"""Per-code calibration: one evidence threshold that means the same for every code.

Evidence for some codes scores lower than for others wherever it is found. Learner involvement
(1.7), employer feedback (5.3) or assessing career learning (4.3) is usually one partial
passage; personal guidance (8.2) or a matrix-accredited provider (8.4) is named outright. With one
centre for all codes, the first kind is flagged missing when it is there and the second is passed
when only a distractor names it.

So each code's raw scores are shifted by how high its *evidence* typically scores, measured on
the labelled sample packs, each scored by a matcher fitted without it (the classifier and the
plan/absence model are refitted for each one, so the margins are those of an unseen pack):

    offset(code) = SHRINK * (q-quantile of the code's best margin over the packs that evidence it
                             - the same quantile over every evidenced code of every pack)
                   * n / (n + PRIOR_N)

where a pack's margin for a code is its best raw score less the pack's own shift. Only packs
that evidence the code count, so which codes the pack writers left as gaps does not enter the
fit. Leave-one-pack-out over 48 packs: 0.706 -> 0.717 (benchmarks/results/matching.md, seventh
pass). The packs are scored in ``FOLDS`` groups, each by a matcher fitted on the other groups:
one fit per group instead of one per pack, which cut ``precompute`` from about 25 minutes for 71
packs to about 5 for 89 (ninth pass). The fit is made offline by
``python -m triage.match.precompute`` into ``models/code_offsets.json``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from triage.config import REPO_ROOT
from triage.embed.base import Embedder
from triage.embed.cache import EmbeddingCache
from triage.match.pack_classifier import packs_digest, read_jsonl

STORED = REPO_ROOT / "models" / "code_offsets.json"
QUANTILE = 0.25  # the lower part of a code's evidence scores is where false "missing" flags come from
SHRINK = 0.3  # chosen by leave-one-pack-out among 0.3, 0.5 and 1.0 (with quantiles 0.1, 0.25, 0.5)
PRIOR_N = 5  # pseudo-packs pulling a rarely evidenced code's offset towards 0
# The pack shift used for the margins: the settings the offsets were fitted under.
FIT_PACK_RELATIVE = 0.6
FIT_REFERENCE_MEDIAN = 3.55
FOLDS = 10


def margins(raw: np.ndarray) -> np.ndarray:
    """Each code's best raw score less the pack's shift (how far the pack's median is off)."""
    from triage.match.suggest import DEFAULT_PARAMS, pack_centre

    fit = dataclasses.replace(
        DEFAULT_PARAMS, centre=0.0, pack_relative=FIT_PACK_RELATIVE, reference_median=FIT_REFERENCE_MEDIAN
    )
    return raw.max(axis=0) - pack_centre(raw, fit)


def fit(
    pack_margins: Sequence[np.ndarray], evidenced: Sequence[set[str]], codes: Sequence[str]
) -> dict[str, float]:
    """Offsets from per-pack margins (one row per pack) and each pack's evidenced codes."""
    m = np.asarray(pack_margins, dtype=np.float64)
    ev = np.array([[c in e for c in codes] for e in evidenced], dtype=bool)
    if not ev.any():
        return {c: 0.0 for c in codes}
    overall = float(np.quantile(m[ev], QUANTILE))
    out: dict[str, float] = {}
    for j, code in enumerate(codes):
        vals = m[ev[:, j], j]
        if len(vals) == 0:
            out[code] = 0.0
            continue
        out[code] = round(SHRINK * (float(np.quantile(vals, QUANTILE)) - overall) * len(vals) / (len(vals) + PRIOR_N), 4)
    return out


def evidenced_codes(pack: Path) -> set[str]:
    return {c for row in read_jsonl(pack / "gold.jsonl") for c in row["codes"]}


def fold_of(pack: Path, folds: int = FOLDS) -> int:
    """A pack's group, from a hash of its name: adding a pack moves no other pack's group."""
    return int(hashlib.sha256(pack.name.encode("utf-8")).hexdigest(), 16) % folds


def held_out_groups(
    packs: Sequence[Path], pool: Sequence[Path], folds: int = FOLDS
) -> list[tuple[list[Path], list[Path]]]:
    """(held-out packs, packs to fit on) for every pack in ``packs``. A pack of ``pool`` is held
    out with its group (``fold_of``) and fitted on the rest of the pool; a pack outside the pool
    (the dev pack) is fitted on the whole pool. ``folds`` of 0, or at least the pool's size, gives
    leave-one-pack-out."""
    in_pool = set(pool)
    by_group = 0 < folds < len(pool)

    def group(p: Path) -> object:
        return fold_of(p, folds) if by_group and p in in_pool else p

    return [
        ([p for p in packs if group(p) == g], [p for p in pool if group(p) != g])
        for g in dict.fromkeys(group(p) for p in packs)
    ]


def fit_learned_parts(fit_on: Sequence[Path], codes: Sequence[str], embedder: Embedder, cache: EmbeddingCache | None):
    """The parts of the matcher learned from labelled packs, fitted on ``fit_on`` only: the flag's
    network, the plan/absence model and the ranking network."""
    from triage.match import modality, pack_classifier

    return (
        pack_classifier.fit(fit_on, list(codes), embedder, cache),
        modality.fit(fit_on),
        pack_classifier.fit(fit_on, list(codes), embedder, cache, with_layer=True),
    )


def held_out_scores(
    pack: Path,
    fit_on: Sequence[Path],
    codes: Sequence[str],
    embedder: Embedder,
    cache: EmbeddingCache | None,
    parts: tuple | None = None,
) -> tuple[np.ndarray, np.ndarray, list, tuple[str, ...]]:
    """(raw scores, flag scores, chunks, codes) of ``pack`` by a matcher whose classifier and plan/absence
    model were fitted on ``fit_on`` only (or are ``parts``, already fitted so), with no per-code
    offsets (an unseen pack's scores)."""
    from triage.chunking import chunk_documents
    from triage.ingest import ingest_pack
    from triage.match.suggest import DEFAULT_PARAMS, evidence_model, raw_scores

    provider_type = json.loads((pack / "gold_summary.json").read_text(encoding="utf-8"))["provider_type"]
    model, _ = evidence_model(provider_type, embedder, cache)
    pack_clf, modal, rank_clf = parts or fit_learned_parts(fit_on, codes, embedder, cache)
    model = dataclasses.replace(
        model, pack=pack_clf, pack_rank=rank_clf, modality=modal, code_offsets=None, flag_offsets=None
    )
    chunks = [c for c in chunk_documents(ingest_pack([pack / "docs"])) if c.text.strip()]
    raw, flag, _ = raw_scores(model, chunks, embedder, cache, DEFAULT_PARAMS)
    return raw, flag, chunks, tuple(model.codes)


def held_out_margins(
    packs: Sequence[Path],
    codes: Sequence[str],
    embedder: Embedder,
    cache: EmbeddingCache | None,
    progress: Callable[[str], None] | None = None,
    folds: int = FOLDS,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each pack's margins for the ranking scores and for the missing flag's, scored by a matcher
    whose learned parts were fitted without its group (``folds`` = len(packs) gives
    leave-one-pack-out)."""
    out: dict[Path, tuple[np.ndarray, np.ndarray]] = {}
    for held, fit_on in held_out_groups(packs, packs, folds):
        parts = fit_learned_parts(fit_on, codes, embedder, cache)
        for pack in held:
            raw, flag, _, _ = held_out_scores(pack, fit_on, codes, embedder, cache, parts=parts)
            out[pack] = (margins(raw), margins(flag))
            if progress:
                progress(pack.name)
    return [out[p] for p in packs]


def save(
    offsets: dict[str, float], packs: Sequence[Path], path: Path = STORED, flag_offsets: dict[str, float] | None = None
) -> None:
    body = {
        "quantile": QUANTILE,
        "shrink": SHRINK,
        "prior_n": PRIOR_N,
        "packs": [p.name for p in packs],
        "digest": packs_digest(packs),
        "offsets": offsets,
        "flag_offsets": flag_offsets if flag_offsets is not None else offsets,
    }
    path.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")


_LOADED: dict[str, dict | None] = {}


def load(path: Path = STORED) -> dict | None:
    """The stored fit (offsets, packs, digest), or None when there is none (no shift then)."""
    key = str(path)
    if key not in _LOADED:
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            for field in ("offsets", "flag_offsets"):
                body[field] = {str(k): float(v) for k, v in body.get(field, body["offsets"]).items()}
            _LOADED[key] = body
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            _LOADED[key] = None
    return _LOADED[key]


def offsets_for(codes: Sequence[str], path: Path = STORED, key: str = "offsets") -> np.ndarray | None:
    """Per-code shifts for the ranking scores (``key`` "offsets") or the missing flag's ("flag_offsets")."""
    body = load(path)
    if body is None:
        return None
    return np.array([body[key].get(c, 0.0) for c in codes], dtype=np.float32)
