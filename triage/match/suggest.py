"""Suggest evidence passages for every code and flag the codes with no evidence.

How a chunk is scored for a code (each step was measured; see benchmarks/results/matching.md):

1. The chunk is split into sentence units (and table cells), because evidence usually sits in
   one or two sentences and a plan or an absence ("the post is vacant") usually sits in its own.
2. Each unit gets a classifier logit (logistic regression per code over exemplar embeddings),
   its similarity to the code's positive exemplars, a penalty when it carries a hand-written
   intention, absence or former-practice cue, and a penalty in proportion to how much it reads
   like a plan, an absence or an aside, learned from the labelled packs' near-misses
   (modality.py). A unit also takes the next unit's plan/absence probability when that is
   higher: "Pupils used to keep a record folder." reads as practice until "The folders were
   dropped in 2019." (twenty-second pass). The chunk keeps its best unit.
3. BM25 over the code's keyword list adds the lexical signal at chunk level; a network (one
   hidden layer; per code, an evidence output and a near-miss output) learned from the labelled
   sample packs' passages adds its best unit's clipped evidence logit (the near-miss output is
   for step 6); the network reads each unit beside the vector of its chunk's innermost heading
   (twenty-seventh pass), and BM25 over the words learned from those passages adds a second lexical
   signal (pack_classifier.py).
4. Codes compete: a chunk that scores much higher for another code is pulled down for this
   one, which is what turns "the external provider's advisers are Level 6" away from 8.3.
   Then each code's scores move by its own offset (code_calibration.py): evidence for some
   codes scores lower than for others wherever it is found, and one threshold should mean the
   same for every code.
5. A logistic maps the raw score to [0, 1]; the same threshold then applies to every code.
   Its centre moves with the pack: by ``pack_relative`` times the gap between the median of
   the pack's per-code best scores and ``reference_median`` (clipped to ``max_shift``),
   because whole packs score higher or lower depending on how their provider writes.
   ``pack_relative`` stays below 1, so the centre moves only part of the way with the pack (a
   design rule here, guarded by tests/test_match_calibration.py).
6. The missing flag has its own score. It is built the same way, but with the network's
   evidence logit lowered by its "near-miss for this code" logit (``flag_near_miss_weight``),
   with its own per-code offsets and its own centre. A code is ``missing`` when its best chunk
   on that score is below the threshold, and ``weak`` when it is within ``weak_margin`` above.
   Discounting distractors in the ranking as well cost precision; in the flag alone it raised
   95-pack leave-one-pack-out missing F1 from 0.62 to 0.65 (benchmarks/results/matching.md,
   eleventh pass). The thresholds are chosen by leave-one-pack-out as those that come nearest
   the issue's bars plus a margin of 0.03 (thirteenth pass): aimed at the bars themselves,
   recall sat just over its bar on average and fell under it on about half the blind batches.
7. The flag and the list are separate: a code flagged missing still lists its best two
   candidates when the flag is borderline, so a wrong flag costs the assessor one glance, not
   the evidence. A clear flag (``missing_listed_margin`` under the cut) lists none: a real
   gap's best candidates are its distractors (matching.md, twenty-third pass).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from triage.embed.base import Embedder, has_layer_view
from triage.embed.cache import EmbeddingCache, encode_cached
from triage.match import code_calibration, modality, pack_classifier
from triage.match.cues import hedge_score
from triage.match.features import _topk_mean, bm25_scores
from triage.match.model import EvidenceModel, build_model
from triage.match.queries import QuerySet, load_queries
from triage.records import PROVIDER_TYPES, Chunk, Document, MatchResult, Suggestion

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ScoringParams:
    query_weight: float = 0.0  # max cosine to the code's wording and queries (ablation baseline only)
    classifier_weight: float = 0.25  # on the classifier's logit
    exemplar_weight: float = 3.0
    hedge_penalty: float = 2.0  # subtracted from a unit whose sentences are all plans/absences
    modality_penalty: float = 3.0  # times the learned probability that a unit is a plan/absence
    # A unit takes this share of its neighbours' plan/absence probability when that is higher than
    # its own: "We used to run a careers fair." reads as practice until "It was dropped in 2019."
    # The next unit's, in full: shares of 0.5 / 0.75 / 1 of either neighbour or the next were
    # compared by leave-one-pack-out over 270 packs, then 0.75 and 1 on blind batches 46 and 47
    # (matching.md, twenty-second pass).
    modality_context: float = 1.0
    modality_next_only: bool = True  # only the next unit counts as a neighbour
    lexical_weight: float = 2.0
    pack_weight: float = 0.3  # on the clipped logit of the classifier learned from labelled packs
    learned_terms_weight: float = 1.0  # on BM25 over the words learned from labelled packs
    document_prior: float = 0.4  # added when the file name says what kind of document it is
    requires_penalty: float = 1.5  # subtracted when a passage lacks every one of the code's required terms
    competition: float = 0.6  # pull-down per unit of another code's lead on the same chunk
    sibling_competition: float = 1.0  # share of that pull-down when the leader is in the same section
    # Centres, reference medians and pack_relative chosen by leave-one-pack-out over 270 packs with
    # the next unit's plan/absence felt (matching.md, twenty-second pass).
    centre: float = 2.24  # raw score that maps to the threshold in a pack whose median is the reference
    pack_relative: float = 0.6  # how far the centre follows the pack's median best score
    reference_median: float = 3.74  # median per-code best raw score of a typical pack
    # The missing flag: the same score but with the pack network's evidence logit lowered by this
    # weight times its "near-miss for this code" logit where positive, against its own centre.
    flag_near_miss_weight: float = 1.0
    # The flag's score mixes the two networks' (pack_classifier.py): this share from the one that
    # reads the layer view, the rest from the sentence-vector one (nineteenth pass).
    flag_layer_share: float = 0.75
    flag_centre: float = 1.53
    flag_reference_median: float = 3.33
    max_shift: float = 0.5  # bound on that move, so a tiny or odd pack cannot drag it far
    slope: float = 2.0
    threshold: float = 0.5  # calibrated evidence threshold
    weak_margin: float = 0.1
    # What the scorer JSON lists for each code.
    # Floor 0.01 and four always listed: recall stayed under its bar while precision had room
    # (held out over 353 packs 0.824 -> 0.853; blind batch 62 0.808 -> 0.831, precision 0.796 ->
    # 0.728, near-miss share 4.0% -> 4.4%; matching.md, thirtieth pass).
    floor: float = 0.01  # calibrated score below which a passage is not listed
    relative: float = 0.9  # nor when this far below the code's best passage (twenty-sixth pass)
    always: int = 4  # the first passages listed regardless of the relative cut (if above the floor)
    missing_listed: int = 2  # a code flagged missing still lists this many of them
    # ... but only when the flag is borderline: a code whose flag score falls this far (raw units)
    # below the cut lists nothing, since its candidates are then mostly the pack's near-miss
    # distractors (a plan, a vacant post). None: every flagged code lists missing_listed. 1.0 was
    # chosen by leave-one-pack-out over 270 packs and passed blind batch 48 (matching.md,
    # twenty-third pass).
    missing_listed_margin: float | None = 1.0


DEFAULT_PARAMS = ScoringParams()

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\u2018'\"(])|\n+")
_RULE_CELL = re.compile(r"[\s:\-]*")  # a pipe table's "| --- | :---: |" row, as plain text keeps it


def split_units(text: str, min_words: int = 4) -> list[str]:
    """Sentences, lines and table cells of a chunk; fragments under ``min_words`` join the
    previous unit. Cells are split because every labelled quote the models learn from is one
    cell, while the readers give a table row as one line ("cell | cell")."""
    units: list[str] = []
    parts = (cell for line in _SENTENCE.split(text) if line for cell in line.split("|"))
    for part in parts:
        part = part.strip()
        if not part or _RULE_CELL.fullmatch(part):
            continue
        if units and len(part.split()) < min_words:
            units[-1] = f"{units[-1]} {part}"
        else:
            units.append(part)
    return units or [text.strip() or text]


_MODELS: dict[tuple[str, str, str, str, str, bool], EvidenceModel] = {}


def evidence_model(
    provider_type: str,
    embedder: Embedder,
    cache: EmbeddingCache | None,
    queries: QuerySet | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[EvidenceModel, str]:
    """The per-code model for this provider type (built once per process) and the criteria version."""
    from criteria_index import load_index

    idx = load_index()
    queries = queries or load_queries()
    # Whether the embedder gives the layer view decides which fitted networks it can use.
    key = (embedder.model_id, embedder.model_hash, queries.digest, idx.version, provider_type, has_layer_view(embedder))
    if key not in _MODELS:
        code_texts = {c.code: idx.text_for(c.code, provider_type) for c in idx.codes}
        model = build_model(queries, code_texts, provider_type, embedder, cache, cancelled=cancelled)
        _MODELS[key] = dataclasses.replace(
            model,
            pack=pack_classifier.load(embedder),
            pack_rank=pack_classifier.load(embedder, pack_classifier.RANK_STORED),
            modality=modality.load(),
            code_offsets=code_calibration.offsets_for(model.codes),
            flag_offsets=code_calibration.offsets_for(model.codes, key="flag_offsets"),
        )
    model = _MODELS[key]
    # The labelled-pack fit changes suggestions too, so it is part of the provenance.
    packs = f"+packs-{model.pack.digest[:12]}" if model.pack is not None else ""
    return model, f"{idx.version}+queries-{queries.version}{packs}"


class RawScores(NamedTuple):
    raw: np.ndarray  # (n_chunks, n_codes): ranks and lists the passages
    flag: np.ndarray  # the same with likely near-misses discounted: decides missing and weak
    signals: dict[str, np.ndarray]  # the per-signal arrays behind them, for the assessor


def _inputs(
    net: pack_classifier.PackClassifier, pack_in: np.ndarray, dim: int, heads: np.ndarray | None = None
) -> np.ndarray:
    """What ``net`` reads: the sentence vector, or that and the layer view beside it, then the
    heading's vector when the net reads it."""
    x = pack_in if net.with_layer else pack_in[:, :dim]
    return np.hstack([x, heads]) if net.with_heading and heads is not None else x


def raw_scores(
    model: EvidenceModel,
    chunks: Sequence[Chunk],
    embedder: Embedder,
    cache: EmbeddingCache | None,
    params: ScoringParams = DEFAULT_PARAMS,
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> RawScores:
    """Raw scores for ranking and for the missing flag, and the signals behind them."""
    n, c = len(chunks), len(model.codes)
    units: list[str] = []
    owner: list[int] = []
    for i, chunk in enumerate(chunks):
        for unit in split_units(chunk.text):
            units.append(unit)
            owner.append(i)
    nets = [net for net in (model.pack, model.pack_rank) if net is not None]
    with_layer = any(net.with_layer for net in nets)
    pack_in = encode_cached(
        embedder,
        units,
        cache,
        cancelled=cancelled,
        progress=(lambda done, total: progress("embed", done, total)) if progress else None,
        with_layer=with_layer,
    )
    vecs = pack_in[:, : embedder.dim]  # the sentence vectors; a network reading the layer view takes both
    own = np.asarray(owner, dtype=np.int64)
    heads = None  # each unit's heading vector, for the networks that read it
    if any(net.with_heading for net in nets) and len(units):
        heads = pack_classifier.heading_vectors(embedder, [pack_classifier.heading_of(ch) for ch in chunks], cache)[own]
    logits = model.classifier_logits(vecs)
    exemplar = np.zeros((len(units), c), dtype=np.float32)
    for j, code in enumerate(model.codes):
        exemplar[:, j] = _topk_mean(vecs @ model.profiles[code].p_vecs.T, 2)
    hedge = np.array([hedge_score(u) for u in units], dtype=np.float32)
    modal = np.zeros(len(units), dtype=np.float32)
    if model.modality is not None and params.modality_penalty:
        modal = model.modality.proba(units)
    modal_felt = with_context(modal, own, params.modality_context, params.modality_next_only)
    unit_score = (
        params.classifier_weight * logits
        + params.exemplar_weight * exemplar
        - (params.hedge_penalty * hedge + params.modality_penalty * modal_felt)[:, None]
    )
    if params.query_weight:
        for j, code in enumerate(model.codes):
            unit_score[:, j] += params.query_weight * (vecs @ model.profiles[code].q_vecs.T).max(axis=1)
    best = np.full((n, c), -1e9, dtype=np.float32)
    if len(units):
        np.maximum.at(best, own, unit_score.astype(np.float32))
    # Remember which unit carried each chunk's score, for the signals an assessor sees.
    clf_best = np.full((n, c), -1e9, dtype=np.float32)
    ex_best = np.zeros((n, c), dtype=np.float32)
    hedge_chunk = np.zeros(n, dtype=np.float32)
    modal_chunk = np.zeros(n, dtype=np.float32)
    if len(units):
        np.maximum.at(modal_chunk, own, modal)
        np.maximum.at(clf_best, own, logits.astype(np.float32))
        np.maximum.at(ex_best, own, exemplar)
        np.maximum.at(hedge_chunk, own, hedge)
    pack_best = np.zeros((n, c), dtype=np.float32)
    pack_flag = np.zeros((n, c), dtype=np.float32)
    near_best = np.full((n, c), -pack_classifier.CLIP, dtype=np.float32)
    rank_flag: np.ndarray | None = None  # the ranking network's flag logit, when the flag mixes it in
    if model.pack is not None and len(units):
        pack_best[:] = -pack_classifier.CLIP
        pack_flag[:] = -pack_classifier.CLIP
        evidence, near = model.pack.outputs(_inputs(model.pack, pack_in, embedder.dim, heads), model.codes)
        np.maximum.at(pack_flag, own, pack_classifier.discounted(evidence, near, params.flag_near_miss_weight))
        np.maximum.at(near_best, own, near)
        ranker = model.pack_rank or model.pack
        if ranker is not model.pack:
            evidence, near = ranker.outputs(_inputs(ranker, pack_in, embedder.dim, heads), model.codes)
            if params.flag_layer_share:
                rank_flag = np.full((n, c), -pack_classifier.CLIP, dtype=np.float32)
                np.maximum.at(rank_flag, own, pack_classifier.discounted(evidence, near, params.flag_near_miss_weight))
        np.maximum.at(pack_best, own, pack_classifier.discounted(evidence, near, 0.0))
    # One BM25 index serves both keyword sets: the hand-written lists and the learned words.
    keywords = [model.profiles[code].keyword_tokens for code in model.codes]
    learned_terms = [model.pack.terms.get(code, ()) if model.pack is not None else () for code in model.codes]
    both = bm25_scores([ch.text for ch in chunks], keywords + learned_terms)
    lexical, learned = both[:, :c], both[:, c:]
    prior = document_priors(model, chunks)
    lacking = lacks_required(model, chunks)
    rest = (
        best
        + params.lexical_weight * lexical
        + params.learned_terms_weight * learned
        + params.document_prior * prior
        - params.requires_penalty * lacking
    )

    def assemble(pack_term: np.ndarray, offsets: np.ndarray | None) -> np.ndarray:
        raw = rest + params.pack_weight * pack_term
        if params.competition and c > 1 and n:
            raw = raw - params.competition * _lead_over(raw, model.codes, params.sibling_competition)
        return raw - offsets[None, :] if offsets is not None else raw

    raw = assemble(pack_best, model.code_offsets)
    flag = assemble(pack_flag, None)
    if rank_flag is not None:
        share = params.flag_layer_share
        flag = (1.0 - share) * flag + share * assemble(rank_flag, None)
    if model.flag_offsets is not None:
        flag = flag - model.flag_offsets[None, :]
    signals: dict[str, np.ndarray] = {
        "classifier": 1.0 / (1.0 + np.exp(-clf_best)),
        "exemplar": ex_best,
        "lexical": lexical,
        "pack": 1.0 / (1.0 + np.exp(-pack_best)),
        "near_miss": 1.0 / (1.0 + np.exp(-near_best)),
        "learned_terms": learned,
        "hedge": np.repeat(hedge_chunk[:, None], c, axis=1),
        "modality": np.repeat(modal_chunk[:, None], c, axis=1),
        "document": prior,
        "lacks_required": lacking,
    }
    return RawScores(raw, flag, signals)


def with_context(prob: np.ndarray, owner: np.ndarray, share: float, next_only: bool = False) -> np.ndarray:
    """Each unit's probability, raised to ``share`` times its neighbours' within the same chunk."""
    if not share or len(prob) < 2:
        return prob
    same = owner[1:] == owner[:-1]
    near = np.zeros_like(prob)
    near[:-1] = np.where(same, prob[1:], 0.0)
    if not next_only:
        near[1:] = np.maximum(near[1:], np.where(same, prob[:-1], 0.0))
    return np.maximum(prob, share * near).astype(prob.dtype)


def document_priors(model: EvidenceModel, chunks: Sequence[Chunk]) -> np.ndarray:
    """1 where the chunk's file name matches one of the code's document patterns, else 0."""
    out = np.zeros((len(chunks), len(model.codes)), dtype=np.float32)
    names = sorted({ch.doc_name for ch in chunks})
    for j, code in enumerate(model.codes):
        pats = [re.compile(p, re.I) for p in model.profiles[code].documents]
        if not pats:
            continue
        hits = {name for name in names if any(p.search(name) for p in pats)}
        for i, ch in enumerate(chunks):
            if ch.doc_name in hits:
                out[i, j] = 1.0
    return out


def lacks_required(model: EvidenceModel, chunks: Sequence[Chunk]) -> np.ndarray:
    """1 where a code has required terms and the chunk contains none of them."""
    out = np.zeros((len(chunks), len(model.codes)), dtype=np.float32)
    for j, code in enumerate(model.codes):
        pats = [re.compile(p, re.I) for p in model.profiles[code].requires]
        if pats:
            for i, ch in enumerate(chunks):
                if not any(p.search(ch.text) for p in pats):
                    out[i, j] = 1.0
    return out


def _lead_over(raw: np.ndarray, codes: Sequence[str], sibling_share: float) -> np.ndarray:
    """How far each chunk's best *other* code leads this code (0 when this code leads).

    A lead by a code of the same section counts ``sibling_share`` of its size: 6.1 and 6.2
    often share a passage, 1.2 and 5.1 rarely do.
    """
    section = np.array([int(c.split(".")[0]) for c in codes])
    lead = np.zeros_like(raw)
    for j in range(raw.shape[1]):
        others = np.delete(np.arange(raw.shape[1]), j)
        weight = np.where(section[others] == section[j], sibling_share, 1.0)
        gap = (raw[:, others] - raw[:, [j]]) * weight
        lead[:, j] = np.maximum(gap.max(axis=1), 0.0)
    return lead


def pack_centre(raw: np.ndarray, params: ScoringParams = DEFAULT_PARAMS) -> float:
    """The raw score that maps to the threshold for this pack.

    A missing code's best score is low against the pack's other codes as well as absolutely:
    the centre follows the median of the per-code best scores part of the way.
    """
    return _follow_pack(raw, params.centre, params.reference_median, params)


def flag_centre(flag: np.ndarray, params: ScoringParams = DEFAULT_PARAMS) -> float:
    """The same for the missing flag's scores (``RawScores.flag``), on their own scale."""
    return _follow_pack(flag, params.flag_centre, params.flag_reference_median, params)


def _follow_pack(raw: np.ndarray, centre: float, reference: float, params: ScoringParams) -> float:
    if not params.pack_relative or raw.size == 0:
        return centre
    gap = float(np.median(raw.max(axis=0))) - reference
    return centre + float(np.clip(params.pack_relative * gap, -params.max_shift, params.max_shift))


def calibrate(
    raw: np.ndarray, params: ScoringParams = DEFAULT_PARAMS, centre: float | None = None
) -> np.ndarray:
    """Raw scores to [0, 1]; ``centre`` (default: the pack's, see :func:`pack_centre`) maps to 0.5."""
    if centre is None:
        centre = pack_centre(raw, params)
    return 1.0 / (1.0 + np.exp(-params.slope * (raw - centre)))


def _code_key(code: str) -> tuple[int, ...]:
    return tuple(int(p) for p in code.split("."))


def suggest(
    documents: Sequence[Document],
    chunks: Sequence[Chunk],
    *,
    provider_type: str,
    embedder: Embedder | None = None,
    cache: EmbeddingCache | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    top_n: int = 10,
    params: ScoringParams = DEFAULT_PARAMS,
) -> MatchResult:
    """Top ``top_n`` passages per code, calibrated scores, and the missing and weak codes.

    Deterministic: the same chunks give the same suggestions in the same order; ties are
    broken by document name, then offset. ``cancelled`` is polled between embedding batches
    (an InterruptedError is raised when it returns True).
    """
    if provider_type not in PROVIDER_TYPES:
        raise ValueError(
            f"unknown provider type {provider_type!r}; expected one of {', '.join(PROVIDER_TYPES)}"
        )
    if embedder is None:
        from triage.embed.minilm import load_default_embedder

        embedder = load_default_embedder()
    own_cache = cache is None
    if cache is None:
        cache = EmbeddingCache()
    try:
        model, criteria_version = evidence_model(provider_type, embedder, cache, cancelled=cancelled)
        usable = [ch for ch in chunks if ch.text.strip()]
        raw, flag, signals = raw_scores(
            model, usable, embedder, cache, params, progress=progress, cancelled=cancelled
        )
    finally:
        if own_cache:
            cache.close()
    scores = calibrate(raw, params) if len(usable) else raw
    # A code's evidence score, which decides missing and weak: its best passage once passages
    # that read like a near-miss for it are discounted. Ranking and listing use ``scores``.
    flag_scores = calibrate(flag, params, flag_centre(flag, params)) if len(usable) else flag
    docs_by_id = {d.id: d for d in documents}
    suggestions: list[Suggestion] = []
    missing: list[str] = []
    weak: list[str] = []
    best_score: dict[str, float] = {}
    codes = sorted(model.codes, key=_code_key)
    for done, code in enumerate(codes, 1):
        j = model.codes.index(code)
        order = sorted(
            range(len(usable)), key=lambda i: (-float(scores[i, j]), usable[i].doc_name, usable[i].start)
        )
        best = round(float(flag_scores[:, j].max()), 6) if order else 0.0
        best_score[code] = best
        if best < params.threshold:
            missing.append(code)
        elif best < params.threshold + params.weak_margin:
            weak.append(code)
        for rank, i in enumerate(order[:top_n], 1):
            ch = usable[i]
            doc = docs_by_id.get(ch.doc_id)
            page = doc.page_at(ch.start) if doc is not None else ch.page_start
            suggestions.append(
                Suggestion(
                    code=code,
                    chunk_id=ch.id,
                    doc_id=ch.doc_id,
                    doc_name=ch.doc_name,
                    page=page,
                    start=ch.start,
                    end=ch.end,
                    text=ch.text,
                    score=round(float(scores[i, j]), 6),
                    rank=rank,
                    signals={name: round(float(arr[i, j]), 4) for name, arr in signals.items()}
                    | {"raw": round(float(raw[i, j]), 4), "flag_score": round(float(flag_scores[i, j]), 4)},
                )
            )
        if progress:
            progress("match", done, len(codes))
    return MatchResult(
        provider_type=provider_type,
        suggestions=tuple(suggestions),
        missing=tuple(missing),
        weak=tuple(weak),
        best_score=best_score,
        model_id=embedder.model_id,
        model_hash=embedder.model_hash,
        criteria_version=criteria_version,
        threshold=params.threshold,
        weak_margin=params.weak_margin,
    )


def clear_flag(params: ScoringParams = DEFAULT_PARAMS) -> float:
    """The evidence score below which a missing code is flagged clearly, not borderline: the
    calibrated value of a flag score ``missing_listed_margin`` under the pack's cut."""
    t = params.threshold
    margin = params.missing_listed_margin or 0.0
    return 1.0 / (1.0 + math.exp(params.slope * margin - math.log(t / (1.0 - t))))


def listed(
    result: MatchResult, code: str, params: ScoringParams = DEFAULT_PARAMS, top_k: int | None = None
) -> list[Suggestion]:
    """The passages the scorer JSON lists for ``code``, best first.

    Rank 1 always, the next ``params.always - 1`` when above the floor, then each passage above
    the floor and within ``params.relative`` of the best.
    A code flagged missing lists at most ``params.missing_listed`` of them: the flag is the
    verdict, and those candidates are what an assessor reads to overrule a wrong one. With
    ``params.missing_listed_margin`` set, a clearly flagged code (see :func:`clear_flag`) lists none.
    """
    items = sorted(result.for_code(code), key=lambda s: s.rank)
    clear = result.best_score.get(code, 0.0) < clear_flag(params)
    k = listed_count([s.score for s in items], missing=code in result.missing, clear=clear, params=params)
    keep = items[:k]
    return keep[:top_k] if top_k else keep


def listed_count(
    scores: Sequence[float], *, missing: bool, clear: bool, params: ScoringParams = DEFAULT_PARAMS
) -> int:
    """How many of a code's passages the scorer JSON lists, from their calibrated scores best
    first (the rule :func:`listed` documents). ``clear``: the code's flag is clear, not borderline.
    One function for the tool and for the benchmark, which applies it to precomputed matrices."""
    if len(scores) == 0:
        return 0
    best = scores[0]
    k = 1
    for rank, s in enumerate(scores[1:], 2):
        if s >= params.floor and (rank <= params.always or s >= best - params.relative):
            k += 1
    if missing:
        k = 0 if clear and params.missing_listed_margin is not None else min(k, params.missing_listed)
    return k


def scorer_payload(
    result: MatchResult, params: ScoringParams = DEFAULT_PARAMS, top_k: int | None = None
) -> dict[str, Any]:
    """The JSON the evaluation scorer reads (see ../shared/eval/README.md), plus provenance.

    ``suggestions`` holds what :func:`listed` gives for every code, missing or not; ``missing``
    is the tool's separate verdict.
    """

    def row(s: Suggestion) -> dict[str, Any]:
        return {
            "code": s.code,
            "doc": s.doc_name,
            "text": s.text,
            "score": s.score,
            "rank": s.rank,
            "page": s.page,
            "start": s.start,
            "end": s.end,
        }

    codes = sorted({s.code for s in result.suggestions} | set(result.best_score), key=_code_key)
    suggestions = [row(s) for code in codes for s in listed(result, code, params, top_k)]
    return {
        "suggestions": suggestions,
        "missing": list(result.missing),
        "weak": list(result.weak),
        "best_score": result.best_score,
        # A missing code whose best_score is under this lists nothing (see listed()).
        "clear_flag": round(clear_flag(params), 6) if params.missing_listed_margin is not None else None,
        "threshold": result.threshold,
        "weak_margin": result.weak_margin,
        "provider_type": result.provider_type,
        "model_id": result.model_id,
        "model_hash": result.model_hash,
        "criteria_version": result.criteria_version,
    }
