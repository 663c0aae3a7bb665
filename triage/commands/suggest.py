"""``triage suggest`` (evidence per code for a pack) and ``triage eval`` (the same, scored)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from triage.cli import EXIT_FAILED, EXIT_USAGE, UserError
from triage.config import shared_dir
from triage.records import PROVIDER_TYPES, MatchResult

SCORER_ENV = "TRIAGE_SCORER"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "suggest",
        help="suggest evidence passages for every code and flag missing evidence",
        description="Read a pack, suggest the passages that evidence each code 1.1-8.4, and flag "
        "codes with no evidence (MISSING) or only just enough (WEAK). Runs locally.",
    )
    p.add_argument("pack", help="a folder, a zip or a file of the provider's evidence")
    p.add_argument(
        "--provider-type",
        choices=PROVIDER_TYPES,
        default="school",
        help="changes what counts for 4.1, 5.1, 6.1, 7.1 and 8.2 (default: school)",
    )
    p.add_argument(
        "--json",
        type=Path,
        metavar="OUT",
        help="write suggestions in the evaluation format (../shared/eval/README.md)",
    )
    p.add_argument(
        "--top", type=int, default=5, metavar="N", help="at most N passages per code in the JSON (default 5)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no per-code summary")
    p.add_argument("--password", help="password for protected PDFs in the pack")
    p.add_argument(
        "--max-mb", type=float, default=50.0, metavar="N", help="skip files larger than N MB (default 50)"
    )
    p.set_defaults(func=run_suggest)

    e = sub.add_parser(
        "eval",
        help="run suggest on a labelled pack and score it with ../shared/eval/score.py",
        description="PACK_DIR is a pack root holding docs/, gold.jsonl and gold_summary.json, or "
        "the docs folder itself with GOLD_DIR naming where the gold files are.",
    )
    e.add_argument("pack_dir", metavar="PACK_DIR")
    e.add_argument("gold_dir", metavar="GOLD_DIR", nargs="?")
    e.add_argument(
        "--provider-type",
        choices=PROVIDER_TYPES,
        help="override the provider type given in gold_summary.json",
    )
    e.add_argument("--json", type=Path, metavar="OUT", help="also keep the suggestions file here")
    e.add_argument("--per-code", action="store_true", help="print the scorer's per-code rows")
    e.set_defaults(func=run_eval)


def _progress_printer(enabled: bool):
    if not enabled:
        return None
    last: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        pct = int(100 * done / total) if total else 100
        if last.get(stage) == pct:
            return
        last[stage] = pct
        print(f"\r{stage:<7} {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    return progress


def _triage(
    pack: Path, provider_type: str, show_progress: bool, *, password: str | None = None, max_mb: float = 50.0
):
    from triage.pipeline import triage_pack

    if not pack.exists():
        raise UserError(f"no such pack: {pack}", EXIT_USAGE)
    if not max_mb > 0:
        raise UserError("--max-mb must be a positive number of megabytes", EXIT_USAGE)
    try:
        return triage_pack(
            [pack],
            provider_type=provider_type,
            progress=_progress_printer(show_progress),
            password=password,
            max_bytes=int(max_mb * 2**20),
        )
    except RuntimeError as exc:  # model missing or weights not matching the manifest
        raise UserError(str(exc)) from None


def _payload(result: MatchResult, top: int) -> dict:
    from triage.match import scorer_payload

    return scorer_payload(result, top_k=top)


def _excerpt(text: str, width: int = 150) -> str:
    return textwrap.shorten(" ".join(text.split()), width=width, placeholder=" ...")


def print_summary(result: MatchResult, documents, out=sys.stdout) -> None:
    """One line per code: its evidence score (the best passage once passages that read like a
    near-miss for the code are discounted; it decides MISSING and WEAK), the flag, and the top
    passage with its own ranking score ([plan/absence?] before it when it reads like a plan or
    an absence, as in the review queue). The two scores differ by design: a top passage that
    reads like a distractor ranks first yet leaves the evidence score low."""
    from triage.match.modality import caution

    failed = [d for d in documents if d.status in ("error", "skipped")]
    for d in failed:
        print(f"! {d.name}: {d.status} - {d.message}", file=out)
    print(
        f"provider type {result.provider_type}; threshold {result.threshold:.2f} "
        f"(weak below {result.threshold + result.weak_margin:.2f}); model {result.model_id} "
        f"{result.model_hash[:12]}; criteria {result.criteria_version}",
        file=out,
    )
    print(
        "evidence: the code's best passage with likely near-misses discounted (decides MISSING and"
        " WEAK); top: the first passage and its own ranking score",
        file=out,
    )
    print(f"{'code':<4} evidence {'flag':<7}  top", file=out)
    for code, best in result.best_score.items():
        flag = "MISSING" if code in result.missing else "WEAK" if code in result.weak else ""
        top = result.for_code(code)[:1]
        print(f"{code:<4} {best:8.2f} {flag:<7}", end="", file=out)
        if top:
            s = top[0]
            mark = "[plan/absence?] " if caution(s.signals) else ""
            print(f"  {s.score:4.2f} {mark}{s.doc_name} p.{s.page}: {_excerpt(s.text)}", file=out)
        else:
            print("  (no passage)", file=out)
    print(
        f"missing: {', '.join(result.missing) or 'none'}; weak: {', '.join(result.weak) or 'none'}", file=out
    )


def run_suggest(args: argparse.Namespace) -> int:
    if args.top < 1:
        raise UserError("--top must be at least 1", EXIT_USAGE)
    triaged = _triage(
        Path(args.pack),
        args.provider_type,
        sys.stderr.isatty() and not args.quiet,
        password=args.password,
        max_mb=args.max_mb,
    )
    if not triaged.chunks:
        raise UserError(f"no readable text in {args.pack}")
    if not args.quiet:
        print_summary(triaged.result, triaged.documents)
    if args.json:
        try:
            args.json.write_text(
                json.dumps(_payload(triaged.result, args.top), indent=1) + "\n", encoding="utf-8"
            )
        except OSError as exc:
            raise UserError(f"cannot write {args.json}: {exc.strerror}") from None
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


def find_scorer() -> Path:
    """../shared/eval/score.py next to the repo (TRIAGE_SCORER overrides)."""
    override = os.environ.get(SCORER_ENV)
    path = Path(override) if override else shared_dir() / "eval" / "score.py"
    if not path.is_file():
        raise UserError(
            f"the evaluation scorer is not at {path}; it ships in the shared folder beside the repo "
            f"(../shared/eval/score.py), or set {SCORER_ENV} to its path"
        )
    return path


def resolve_eval_dirs(pack_dir: Path, gold_dir: Path | None) -> tuple[Path, Path]:
    """(folder of documents, folder holding gold.jsonl and gold_summary.json)."""
    if gold_dir is None:
        if (pack_dir / "gold.jsonl").is_file() and (pack_dir / "docs").is_dir():
            return pack_dir / "docs", pack_dir
        if (pack_dir.parent / "gold.jsonl").is_file():
            return pack_dir, pack_dir.parent
        raise UserError(
            f"{pack_dir} is neither a pack root (docs/ plus gold.jsonl) nor a docs folder beside "
            f"gold files; give GOLD_DIR",
            EXIT_USAGE,
        )
    docs = pack_dir / "docs" if (pack_dir / "docs").is_dir() else pack_dir
    for name in ("gold.jsonl", "gold_summary.json"):
        if not (gold_dir / name).is_file():
            raise UserError(f"no {name} in {gold_dir}", EXIT_USAGE)
    return docs, gold_dir


def run_eval(args: argparse.Namespace) -> int:
    scorer = find_scorer()
    pack_dir = Path(args.pack_dir)
    if not pack_dir.is_dir():
        raise UserError(f"no such folder: {pack_dir}", EXIT_USAGE)
    docs, gold = resolve_eval_dirs(pack_dir, Path(args.gold_dir) if args.gold_dir else None)
    provider_type = args.provider_type
    if provider_type is None:
        try:
            summary = json.loads((gold / "gold_summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UserError(f"cannot read {gold / 'gold_summary.json'}: {exc}") from None
        provider_type = summary.get("provider_type", "school")
        if provider_type not in PROVIDER_TYPES:
            raise UserError(f"gold_summary.json names an unknown provider type {provider_type!r}")
    triaged = _triage(docs, provider_type, sys.stderr.isatty())
    payload = _payload(triaged.result, 5)
    with tempfile.TemporaryDirectory(prefix="triage-eval-") as tmp:
        out = args.json or Path(tmp) / "suggestions.json"
        out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
        cmd = [sys.executable, str(scorer), str(gold), str(out)]
        if args.per_code:
            cmd.append("--per-code")
        proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise UserError(f"the scorer failed ({proc.returncode}): {proc.stderr.strip()[-800:]}", EXIT_FAILED)
    print(
        f"pack {gold.name} ({provider_type}); model {triaged.result.model_id} "
        f"{triaged.result.model_hash[:12]}; criteria {triaged.result.criteria_version}"
    )
    print(proc.stdout.rstrip())
    return 0
