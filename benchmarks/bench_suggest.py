"""Speed of ``triage suggest``: cold start, cached re-run, a 120,000-word pack, bare model throughput.

    .venv/bin/python benchmarks/bench_suggest.py [--pack DOCS_DIR] [--words 120000] [--json OUT]
    .venv/bin/python benchmarks/bench_suggest.py --ablation     # quality per idea, every labelled pack
    .venv/bin/python benchmarks/bench_suggest.py --lopo [--folds 10]  # leave-one-pack-out choice of the thresholds

Every measurement runs in a fresh Python process (so "cold" includes interpreter start, imports
and model load) with its own empty embedding cache; peak memory is the child's max RSS.
The machine is shared, so the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from triage.config import shared_dir

REPO = Path(__file__).resolve().parent.parent
DEV_DOCS = shared_dir() / "eval" / "packs" / "hollins_park_school" / "docs"

CHILD = r"""
import json, os, resource, sys, time
t0 = time.perf_counter()
mode, pack, out = sys.argv[1], sys.argv[2], sys.argv[3]
stages = {}
def progress(stage, done, total):
    stages.setdefault(stage, [time.perf_counter() - t0, 0.0, total])
    stages[stage][1] = time.perf_counter() - t0
result = {}
if mode == "cli":
    from triage.cli import main
    rc = main(["suggest", pack, "--json", out, "-q"])
    result["rc"] = rc
else:
    from triage.pipeline import triage_pack
    from triage.match import split_units
    tp = triage_pack([pack], provider_type="school", progress=progress)
    from triage.embed import load_default_embedder
    result["backend"] = load_default_embedder().backend
    result["chunks"] = len(tp.chunks)
    result["units"] = sum(len(split_units(c.text)) for c in tp.chunks)
    result["words"] = sum(d.word_count for d in tp.documents)
    result["pipeline_s"] = time.perf_counter() - t0
    result["pipeline_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if mode == "big+bare":
        # The bare model on 64 chunks of 256 word pieces: the runtime the pipeline used, and
        # sentence-transformers on torch (the issue's reference figure) in the same run.
        from triage.embed import SentenceTransformerEmbedder
        from triage.embed.onnx_minilm import OnnxMiniLMEmbedder
        runtime = OnnxMiniLMEmbedder()
        tok = runtime.tokenizer
        words = " ".join(c.text for c in tp.chunks).split()
        texts, i = [], 0
        while len(texts) < 64:
            piece = " ".join(words[i:i + 240]); i += 240
            ids = tok.encode(piece).ids  # truncated to 256 with [CLS] and [SEP]
            texts.append(tok.decode(ids[1:-1]))
        for key, emb in (("bare_chunks_per_s", runtime),
                         ("bare_torch_chunks_per_s", SentenceTransformerEmbedder(verify=False))):
            emb.encode(texts[:4])
            t = time.perf_counter(); emb.encode(texts); dt = time.perf_counter() - t
            result[key] = len(texts) / dt
        result["bare_tokens"] = len(tok.encode(texts[0]).ids)
result["wall_in_child_s"] = time.perf_counter() - t0
result["stages"] = stages
result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("BENCH " + json.dumps(result))
"""


def run_child(mode: str, pack: Path, cache_dir: Path, out: Path) -> dict:
    env = dict(os.environ, TRIAGE_CACHE_DIR=str(cache_dir), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(pack), str(out)],
        env=env,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    wall = time.perf_counter() - start
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"benchmark child failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    data = json.loads(line[6:])
    data["wall_s"] = wall
    return data


def make_big_pack(src: Path, dest: Path, words: int, seed: int = 7) -> int:
    """Distinct sentences (so the cache cannot help) shaped like a provider's paperwork."""
    from triage.ingest import ingest_pack

    sentences: list[str] = []
    for doc in ingest_pack([src]):
        sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", doc.text) if len(s.split()) >= 6]
    rng = random.Random(seed)
    dest.mkdir(parents=True, exist_ok=True)
    total, n_file = 0, 0
    while total < words:
        paras = []
        for _ in range(30):
            picked = rng.sample(sentences, k=rng.randint(2, 5))
            paras.append(" ".join(f"{s} (ref {rng.randint(1000, 99999)})" for s in picked))
        text = "\n\n".join(paras) + "\n"
        total += len(text.split())
        (dest / f"generated_{n_file:03d}.txt").write_text(text, encoding="utf-8")
        n_file += 1
    return total


LABELLED = [
    shared_dir() / "eval" / "packs" / "hollins_park_school",
    REPO / "sample_evidence" / "northfield_academy",
    REPO / "sample_evidence" / "riverside_college",
    REPO / "sample_evidence" / "brookfield_special_school",
]
# Fourth and fifth passes: every labelled pack. Each batch written blind was run once before
# anything was fitted to it (matching.md).
ALL_LABELLED = [LABELLED[0], *sorted(p.parent for p in (REPO / "sample_evidence").glob("*/gold.jsonl"))]
OFF = dict(floor=-1.0, relative=99.0, threshold=-1.0, weak_margin=0.0, pack_relative=0.0)  # nothing missing
ABLATION = [
    (
        "dense: code wording + queries (max cosine)",
        dict(
            query_weight=1.0,
            classifier_weight=0.0,
            exemplar_weight=0.0,
            lexical_weight=0.0,
            hedge_penalty=0.0,
            competition=0.0,
            document_prior=0.0,
            requires_penalty=0.0,
            **OFF,
        ),
    ),
    (
        "+ BM25 over keyword lists",
        dict(
            query_weight=1.0,
            classifier_weight=0.0,
            exemplar_weight=0.0,
            hedge_penalty=0.0,
            competition=0.0,
            document_prior=0.0,
            requires_penalty=0.0,
            **OFF,
        ),
    ),
    (
        "exemplars instead of queries (top-2 cosine) + BM25",
        dict(
            classifier_weight=0.0,
            hedge_penalty=0.0,
            competition=0.0,
            document_prior=0.0,
            requires_penalty=0.0,
            **OFF,
        ),
    ),
    (
        "+ classifier on exemplar embeddings",
        dict(hedge_penalty=0.0, competition=0.0, document_prior=0.0, requires_penalty=0.0, **OFF),
    ),
    (
        "+ plan/absence cues (sentence units)",
        dict(competition=0.0, document_prior=0.0, requires_penalty=0.0, **OFF),
    ),
    ("+ codes compete for a passage", dict(document_prior=0.0, requires_penalty=0.0, **OFF)),
    ("+ document-type priors, required terms", dict(**OFF)),
    (
        "+ fixed calibrated threshold: missing list (all claimed top 5)",
        dict(floor=-1.0, relative=99.0, pack_relative=0.0),
    ),
    (
        "+ old claim rule (floor 0.25, within 0.45 of the best)",
        dict(floor=0.25, relative=0.45, pack_relative=0.0),
    ),
    ("threshold follows the pack's median (old claim rule)", dict(floor=0.25, relative=0.45)),
    ("+ claim rule chosen by leave-one-pack-out (third-pass tool)", dict()),
]
# Rows up to the third pass run without the labelled-pack signals of the fourth and fifth passes
# (their thresholds are today's, so their figures differ from the tables of the time); the last row
# is the shipped tool.
_NO_PACK = dict(pack_weight=0.0, learned_terms_weight=0.0, modality_penalty=0.0)
ABLATION = [(label, {**_NO_PACK, **overrides}) for label, overrides in ABLATION] + [
    ("+ labelled-pack classifier and learned words (fourth pass)", dict(modality_penalty=0.0)),
    ("+ plan/absence model learned from near-misses (fifth pass)", dict(modality_context=0.0)),
    ("+ the next sentence's plan/absence felt (twenty-second pass, shipped)", dict()),
]


def ablation() -> list[dict]:
    """Quality per idea, cumulative, on every labelled pack (the scorer's own functions)."""
    import dataclasses
    import importlib.util

    from triage.chunking import chunk_documents
    from triage.embed import EmbeddingCache, load_default_embedder
    from triage.ingest import ingest_pack
    from triage.match import DEFAULT_PARAMS, scorer_payload, suggest

    spec = importlib.util.spec_from_file_location("score", shared_dir() / "eval" / "score.py")
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)  # type: ignore[union-attr]
    emb = load_default_embedder()
    packs = []
    for pack in LABELLED:
        if (pack / "gold.jsonl").exists():
            docs = ingest_pack([pack / "docs"])
            pt = json.loads((pack / "gold_summary.json").read_text())["provider_type"]
            packs.append((pack, docs, chunk_documents(docs), pt))
    rows = []
    with (
        tempfile.TemporaryDirectory(prefix="ablation-") as tmp,
        EmbeddingCache(Path(tmp) / "e.sqlite") as cache,
    ):
        for label, overrides in ABLATION:
            params = dataclasses.replace(DEFAULT_PARAMS, **overrides)
            for pack, docs, chunks, pt in packs:
                result = suggest(docs, chunks, provider_type=pt, embedder=emb, cache=cache, params=params)
                out = Path(tmp) / f"{pack.name}.json"
                out.write_text(json.dumps(scorer_payload(result, params, top_k=5)), encoding="utf-8")
                res = score.score_pack(pack, out)
                rows.append(
                    {
                        "idea": label,
                        "pack": pack.name,
                        **{
                            k: res[k]
                            for k in (
                                "recall_at_5_macro",
                                "hit_at_5",
                                "precision_at_5",
                                "mrr",
                                "missing_f1",
                                "near_miss_rate_at_5",
                            )
                        },
                    }
                )
                r = rows[-1]
                nm = r["near_miss_rate_at_5"]
                print(
                    f"{label[:46]:<46} {pack.name[:22]:<22} R@5m {r['recall_at_5_macro']:.3f} "
                    f"hit@5 {r['hit_at_5']:.3f} P@5 {r['precision_at_5']:.3f} MRR {r['mrr']:.3f} "
                    f"missF1 {r['missing_f1']:.3f} near {'n/a' if nm is None else f'{nm:.3f}'}",
                    flush=True,
                )
    return rows


QUALITY = ("recall_at_5_macro", "hit_at_5", "precision_at_5", "mrr", "missing_f1")
BARS = {"recall_at_5_macro": 0.80, "hit_at_5": 0.95, "precision_at_5": 0.55, "mrr": 0.80, "missing_f1": 0.80}
# The bars rule aims this far over every bar: a setting whose held-out mean sits just over the
# recall bar fell under it on about half the blind six-pack batches (thirteenth pass, matching.md).
BAR_MARGIN = 0.03


def _pack_signals(pack: Path, fit_on: list[Path], codes: list[str], emb, cache, score, parts=None) -> dict:
    """Raw scores of a pack by a matcher fitted on ``fit_on`` only (no per-code offsets: the
    leave-one-pack-out run fits its own for each fold), the order of each code's top 5 and which
    gold passages each of them hits."""
    from triage.match import code_calibration

    raw, flag, chunks, model_codes = code_calibration.held_out_scores(pack, fit_on, codes, emb, cache, parts=parts)
    gold, summary, near = score.load_pack(pack)
    by_code: dict[str, list] = {}
    for g in gold:
        g["_norm"], g["_doc"] = score.normalise(g["quote"]), score.doc_key(g["doc"])
        for c in g["codes"]:
            by_code.setdefault(c, []).append(g)
    for m in near:
        m["_norm"], m["_doc"] = score.normalise(m["quote"]), score.doc_key(m["doc"])
    tops, hits, near_hit = {}, {}, {}
    for j, code in enumerate(model_codes):
        order = sorted(
            range(len(chunks)), key=lambda i: (-float(raw[i, j]), chunks[i].doc_name, chunks[i].start)
        )
        tops[code] = order[:5]
        for i in order[:5]:
            text, doc = score.normalise(chunks[i].text), score.doc_key(chunks[i].doc_name)
            ids = {
                g["_id"] for g in by_code.get(code, []) if g["_doc"] == doc and score.is_hit(g["_norm"], text)
            }
            if ids:
                hits[(i, code)] = ids
            if i not in near_hit:
                near_hit[i] = any(m["_doc"] == doc and score.is_hit(m["_norm"], text) for m in near)
    return {
        "name": pack.name,
        "raw": raw,
        "flag": flag,
        "codes": model_codes,
        "tops": tops,
        "hits": hits,
        "near_hit": near_hit,
        "gold_n": {c: len(v) for c, v in by_code.items()},
        "gold_missing": set(summary.get("codes_missing", [])),
        "has_near": bool(near),
    }


def _quality(
    sig: dict,
    centre: float,
    pack_relative: float,
    floor: float,
    relative: float,
    flag_centre: float | None = None,
    ref: float = 3.3,
    flag_ref: float = 3.0,
    missing_listed: int | None = None,
) -> dict:
    """The scorer's metrics for one setting, from the precomputed hits (same rules as score.py
    and as suggest.listed). Missing codes come from the flag's scores against ``flag_centre``
    (from the ranking scores against ``centre`` when it is None)."""
    import dataclasses

    import numpy as np

    from triage.match import DEFAULT_PARAMS
    from triage.match.suggest import flag_centre as flag_cut
    from triage.match.suggest import listed_count, pack_centre

    if missing_listed is None:
        missing_listed = DEFAULT_PARAMS.missing_listed
    margin = DEFAULT_PARAMS.missing_listed_margin

    params = dataclasses.replace(
        DEFAULT_PARAMS,
        floor=floor,
        relative=relative,
        missing_listed=missing_listed,
        centre=centre,
        pack_relative=pack_relative,
        reference_median=ref,
        flag_centre=flag_centre if flag_centre is not None else DEFAULT_PARAMS.flag_centre,
        flag_reference_median=flag_ref,
    )
    c = pack_centre(sig["raw"], params)
    if flag_centre is not None:
        best, cut = sig["flag"].max(axis=0), flag_cut(sig["flag"], params)
    else:
        best, cut = sig["raw"].max(axis=0), c
    missing = {code for j, code in enumerate(sig["codes"]) if best[j] < cut}
    per, given, good, n_top, n_near = [], 0, 0, 0, 0
    for j, code in enumerate(sig["codes"]):
        order = sig["tops"][code]
        cal = 1.0 / (1.0 + np.exp(-params.slope * (sig["raw"][order, j] - c)))
        clear = margin is not None and cut - best[j] > margin  # suggest.clear_flag, in raw units
        listed_ = order[: listed_count(cal, missing=code in missing, clear=clear, params=params)]
        n_top += len(listed_)
        n_near += sum(1 for i in listed_ if (i, code) not in sig["hits"] and sig["near_hit"].get(i))
        if code in sig["gold_n"]:
            ids: set = set()
            rr = 0.0
            for r, i in enumerate(listed_, 1):
                if (i, code) in sig["hits"]:
                    ids |= sig["hits"][(i, code)]
                    good += 1
                    rr = rr or 1.0 / r
            given += len(listed_)
            cap = min(sig["gold_n"][code], 5)
            per.append((min(len(ids), cap) / cap, 1.0 if ids else 0.0, rr))
    gm = sig["gold_missing"]
    tp = len(missing & gm)
    mp = tp / len(missing) if missing else float(not gm)
    mr = tp / len(gm) if gm else float(not missing)
    return {
        "recall_at_5_macro": sum(x[0] for x in per) / len(per),
        "hit_at_5": sum(x[1] for x in per) / len(per),
        "precision_at_5": good / given if given else 0.0,
        "mrr": sum(x[2] for x in per) / len(per),
        "missing_f1": 2 * mp * mr / (mp + mr) if mp + mr else 0.0,
        "near_miss_rate_at_5": (n_near / n_top if n_top else 0.0) if sig["has_near"] else None,
    }


def lopo_signals(folds: int = 0) -> list[dict]:
    """Every labelled pack scored by learned parts fitted without it: leave-one-pack-out, or with
    ``folds`` > 0 without its group (code_calibration.fold_of), one fit per group, about five
    times faster. The dev pack is scored by fits on every sample pack."""
    import importlib.util

    from criteria_index import load_index
    from triage.embed import EmbeddingCache, load_default_embedder
    from triage.match import code_calibration

    spec = importlib.util.spec_from_file_location("score", shared_dir() / "eval" / "score.py")
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)  # type: ignore[union-attr]
    emb = load_default_embedder()
    codes = [c.code for c in load_index().codes]
    samples = [p for p in ALL_LABELLED if p.parent.name == "sample_evidence"]
    sigs: dict[Path, dict] = {}
    with EmbeddingCache() as cache:
        for held, fit_on in code_calibration.held_out_groups(ALL_LABELLED, samples, folds):
            parts = code_calibration.fit_learned_parts(fit_on, codes, emb, cache)
            for pack in held:
                sigs[pack] = _pack_signals(pack, fit_on, codes, emb, cache, score, parts=parts)
                print(f"scored {pack.name} (classifier fitted on {len(fit_on)} other packs)", flush=True)
    return [sigs[p] for p in ALL_LABELLED]


def shift_by_held_out_offsets(sigs: list[dict], evidenced: list[set], usable: list[bool] | None = None) -> None:
    """In place: each pack's ranking and flag scores less the per-code offsets fitted on the other
    packs' held-out margins (only packs marked ``usable``), as ``precompute`` fits the shipped ones.
    A shift within a column leaves each code's top 5 (and so the hits) as they were."""
    import numpy as np

    from triage.match import code_calibration

    for key in ("raw", "flag"):
        margins = [code_calibration.margins(s[key]) for s in sigs]
        shifted = []
        for h, sig in enumerate(sigs):
            rows = [k for k in range(len(sigs)) if k != h and (usable is None or usable[k])]
            cols = list(sig["codes"])
            fold = code_calibration.fit([margins[k] for k in rows], [evidenced[k] for k in rows], cols)
            shifted.append(sig[key] - np.array([fold[c] for c in cols], dtype=np.float32)[None, :])
        for sig, scores in zip(sigs, shifted, strict=True):
            sig[key] = scores


def lopo(rule: str = "bars", fit_groups: int = 0, sigs: list[dict] | None = None) -> dict:
    """Leave-one-pack-out over every labelled pack.

    Each sample pack is scored with a labelled-pack classifier, plan/absence model and per-code
    offsets fitted without it (``lopo_signals``, ``fit_groups`` as its ``folds``). Then for each
    pack the thresholds are chosen on the other packs and measured on the held-out pack. ``rule``
    says how they are chosen:

    - ``bars`` (shipped since the thirteenth pass): the setting whose fit-pack means come closest
      to the issue's bars plus ``BAR_MARGIN``, by the mean of min(metric / (bar + margin), 1)
      over the five quality metrics, ties broken by the plain mean; a metric already that far
      over its bar earns nothing more.
    - ``bars-exact`` (eighth to twelfth passes): the same with no margin.
    - ``objective``: the mean of the five metrics, smoothed over neighbouring centres and
      pack_relative values (the fourth to seventh passes).
    """
    import itertools

    import numpy as np

    from triage.match import DEFAULT_PARAMS, code_calibration

    sigs = [dict(s) for s in (sigs or lopo_signals(fit_groups))]
    is_sample = [p.parent.name == "sample_evidence" for p in ALL_LABELLED]
    shift_by_held_out_offsets(sigs, [code_calibration.evidenced_codes(p) for p in ALL_LABELLED], is_sample)
    ref = round(float(np.mean([np.median(s["raw"].max(axis=0)) for s in sigs])), 2)
    flag_ref = round(float(np.mean([np.median(s["flag"].max(axis=0)) for s in sigs])), 2)
    centres = [round(ref + x, 2) for x in np.arange(-1.5, -0.25, 0.1)]
    # Narrower than before the flag had its own centre (the eleventh pass), to keep the run to
    # minutes; the dropped values were chosen by no fold in the ninth and tenth passes' runs.
    grid = {
        "centre": centres,
        "pack_relative": [0.3, 0.6, 0.9],  # below 1: suggest.py's design rule
        "floor": [0.02, 0.05, 0.1, 0.15],
        "relative": [0.6, 0.8],
        "flag_centre": [round(flag_ref + x, 2) for x in np.arange(-1.9, -0.45, 0.1)],
    }
    keys = list(itertools.product(*grid.values()))
    table = {k: [_quality(s, *k, ref=ref, flag_ref=flag_ref) for s in sigs] for k in keys}
    obj = {k: np.array([np.mean([q[m] for m in QUALITY]) for q in v]) for k, v in table.items()}
    per_metric = {k: np.array([[q[m] for m in QUALITY] for q in v]) for k, v in table.items()}
    bars = np.array([BARS[m] for m in QUALITY])
    margin = BAR_MARGIN if rule == "bars" else 0.0
    prs = grid["pack_relative"]

    def smoothed(k: tuple, fit: list[int]) -> float:
        ci, pi = centres.index(k[0]), prs.index(k[1])
        near_k = [
            (centres[a], prs[b], *k[2:])
            for a in range(max(0, ci - 1), min(len(centres), ci + 2))
            for b in range(max(0, pi - 1), min(len(prs), pi + 2))
        ]
        return float(np.mean([obj[n][fit].mean() for n in near_k]))

    def criterion(k: tuple, fit: list[int]) -> tuple[float, float]:
        if rule == "objective":
            return smoothed(k, fit), float(obj[k][fit].mean())
        means = per_metric[k][fit].mean(axis=0)
        return float(np.minimum(means / (bars + margin), 1.0).mean()), float(means.mean())

    folds = []
    for hold, sig in enumerate(sigs):
        fit = [i for i in range(len(sigs)) if i != hold]
        k = max(keys, key=lambda k: criterion(k, fit))
        folds.append(
            {"held_out": sig["name"], "chosen": dict(zip(grid, k, strict=True)), **table[k][hold]}
        )
        q = folds[-1]
        nm = q["near_miss_rate_at_5"]
        print(
            f"held out {sig['name']:<29} chosen {tuple(float(x) for x in k)}  R@5m {q['recall_at_5_macro']:.3f} "
            f"hit@5 {q['hit_at_5']:.3f} P@5 {q['precision_at_5']:.3f} MRR {q['mrr']:.3f} "
            f"missF1 {q['missing_f1']:.3f} near {'n/a' if nm is None else f'{nm:.3f}'}",
            flush=True,
        )
    folds_obj = [float(np.mean([f[m] for m in QUALITY])) for f in folds]
    final = max(keys, key=lambda k: criterion(k, list(range(len(sigs)))))
    shipped = (
        DEFAULT_PARAMS.centre,
        DEFAULT_PARAMS.pack_relative,
        DEFAULT_PARAMS.floor,
        DEFAULT_PARAMS.relative,
        DEFAULT_PARAMS.flag_centre,
    )
    mean = {m: float(np.mean([f[m] for f in folds])) for m in QUALITY}
    near = [f["near_miss_rate_at_5"] for f in folds if f["near_miss_rate_at_5"] is not None]
    summary = {
        "rule": rule,
        "bar_margin": margin,
        "fit_groups": fit_groups or "one per pack",
        "missing_listed": DEFAULT_PARAMS.missing_listed,
        "reference_median": ref,
        "flag_reference_median": flag_ref,
        "folds": folds,
        "fold_objective": dict(zip([s["name"] for s in sigs], folds_obj, strict=True)),
        "lopo_objective_mean": float(np.mean(folds_obj)),
        "lopo_objective_worst": float(np.min(folds_obj)),
        "lopo_metric_mean": mean,
        "lopo_near_miss_mean": float(np.mean(near)),
        "chosen_on_all": dict(zip(grid, (float(x) for x in final), strict=True)),
        "shipped": dict(zip(grid, shipped, strict=True)),
    }
    print(
        f"LOPO over {len(sigs)} packs, objective (mean of the five quality metrics): mean "
        f"{summary['lopo_objective_mean']:.3f}, worst {summary['lopo_objective_worst']:.3f}; "
        + " ".join(f"{m} {v:.3f}" for m, v in mean.items())
        + f" near-miss {summary['lopo_near_miss_mean']:.3f}"
    )
    print(f"reference medians {ref} / {flag_ref} (flag); chosen on all: {summary['chosen_on_all']}; shipped: {summary['shipped']}")
    return summary


def machine() -> dict:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": sys.version.split()[0],
        "load_avg": os.getloadavg(),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pack", type=Path, default=DEV_DOCS)
    ap.add_argument("--words", type=int, default=120_000)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--ablation", action="store_true", help="quality per idea instead of speed")
    ap.add_argument("--lopo", action="store_true", help="leave-one-pack-out over every labelled pack")
    ap.add_argument(
        "--folds",
        type=int,
        default=0,
        help="with --lopo: fit without each pack's group of packs instead of without the pack (faster)",
    )
    ap.add_argument(
        "--rule",
        choices=("bars", "bars-exact", "objective"),
        default="bars",
        help="how --lopo chooses the thresholds: nearest the issue's bars plus a margin (shipped), "
        "nearest the bars themselves, or the plain mean",
    )
    args = ap.parse_args()
    if args.lopo:
        summary = lopo(args.rule, args.folds)
        if args.json:
            args.json.write_text(json.dumps(summary, indent=1, default=float) + "\n", encoding="utf-8")
        return 0
    if args.ablation:
        rows = ablation()
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
        return 0
    report: dict = {"machine_before": machine()}
    with tempfile.TemporaryDirectory(prefix="bench-suggest-") as tmp:
        t = Path(tmp)
        report["cold"] = run_child("cli", args.pack, t / "cache1", t / "s1.json")
        report["warm"] = run_child("cli", args.pack, t / "cache1", t / "s2.json")
        report["dev_pipeline_cold"] = run_child("pipe", args.pack, t / "cache2", t / "x.json")
        big = t / "big"
        report["big_words_generated"] = make_big_pack(args.pack, big, args.words)
        report["big"] = run_child("big+bare", big, t / "cache3", t / "s3.json")
    report["machine_after"] = machine()
    b = report["big"]
    embed = b["stages"].get("embed", [0, 0, 0])
    report["big_pipeline_chunks_per_s"] = b["chunks"] / b["pipeline_s"]
    report["big_embed_units_per_s"] = embed[2] / max(embed[1] - embed[0], 1e-9)
    m = report["machine_before"]
    print(
        f"machine: {m['nproc']} cores, {m['cpu']}, load avg before {m['load_avg']} "
        f"after {report['machine_after']['load_avg']}"
    )
    print(
        f"dev pack cold  (triage suggest, empty cache): {report['cold']['wall_s']:.1f} s wall, "
        f"peak {report['cold']['peak_rss_mb']:.0f} MB"
    )
    print(
        f"dev pack warm  (same cache):                  {report['warm']['wall_s']:.1f} s wall, "
        f"peak {report['warm']['peak_rss_mb']:.0f} MB"
    )
    print(
        f"{b['words']:,}-word pack (cold): {b['pipeline_s']:.1f} s pipeline, {b['chunks']} chunks, "
        f"{b['units']} sentence units, {report['big_pipeline_chunks_per_s']:.1f} chunks/s, "
        f"{report['big_embed_units_per_s']:.1f} units/s embedded ({b['backend']}), "
        f"peak {b['pipeline_peak_rss_mb']:.0f} MB ({b['peak_rss_mb']:.0f} MB after loading torch for the bare run)"
    )
    print(
        f"bare model, chunks/s of {b['bare_tokens']} word pieces: {b['bare_chunks_per_s']:.1f} on "
        f"{b['backend']}, {b['bare_torch_chunks_per_s']:.1f} on torch"
    )
    print(
        "stages (s from start, big pack): "
        + ", ".join(f"{k} {v[0]:.1f}-{v[1]:.1f}" for k, v in b["stages"].items())
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
