"""Review-session commands: everything the review UI does, scriptable (issue 5).

``session new``, ``suggestions``, ``decide``, ``undo``, ``evidence``, ``rate``, ``override``,
``gatsby``, ``outcome`` and ``log``. SESSION is a path to a .sqlite file or a bare session id
under data_dir()/sessions.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from triage.cli import EXIT_FAILED, EXIT_USAGE, UserError
from triage.records import OUTCOME_IDS, PROVIDER_TYPES
from triage.rules import OUTCOME_LABELS, OVERALL_LABELS, RulesError
from triage.session import (
    EVIDENCE_KINDS,
    GATSBY_STATUSES,
    Session,
    SessionError,
    SessionLocked,
    sessions_dir,
)

READ_ONLY_NOTE = "session is open in another process; opened read-only"


# ---- opening sessions ----------------------------------------------------------------------


def resolve_session_path(ref: str) -> Path:
    """A path to a session file, or a bare session id found under data_dir()/sessions."""
    path = Path(ref).expanduser()
    if path.is_file():
        return path
    if "/" not in ref:
        for candidate in (sessions_dir() / ref, sessions_dir() / f"{ref}.sqlite"):
            if candidate.is_file():
                return candidate
    where = f" or in {sessions_dir()}" if "/" not in ref else ""
    raise UserError(
        f"no session at {ref}{where} (a bare session id is looked up only in that folder;"
        " otherwise give the .sqlite path printed by 'triage session new')",
        EXIT_FAILED,
    )


def open_for_reading(ref: str) -> Session:
    path = resolve_session_path(ref)
    try:
        return Session.open(path)
    except SessionLocked:
        print(f"triage: {READ_ONLY_NOTE}", file=sys.stderr)
        try:
            return Session.open(path, read_only=True)
        except SessionError as exc:
            raise UserError(str(exc)) from None
    except SessionError as exc:
        raise UserError(str(exc)) from None


def open_for_writing(ref: str) -> Session:
    path = resolve_session_path(ref)
    try:
        return Session.open(path)
    except SessionLocked:
        raise UserError(
            "session is open in another process; changes are refused (close it there first)", EXIT_FAILED
        ) from None
    except SessionError as exc:
        raise UserError(str(exc)) from None


def _run_write(ref: str, action: Callable[[Session], str]) -> int:
    with open_for_writing(ref) as s:
        try:
            message = action(s)
        except (ValueError, KeyError) as exc:
            raise UserError(str(exc.args[0] if exc.args else exc), EXIT_FAILED) from None
    print(message)
    return 0


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _snippet(text: str, width: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


# ---- session new / info --------------------------------------------------------------------


def _run_pipeline(
    pack: Path,
    provider_type: str,
    embedder_name: str,
    *,
    password: str | None = None,
    max_mb: float | None = None,
):
    """triage.pipeline.triage_pack with stage names printed to stderr."""
    try:
        from triage.pipeline import triage_pack
    except ModuleNotFoundError as exc:
        if exc.name != "triage.pipeline":
            raise
        raise UserError(
            "the triage pipeline is not installed in this build (triage.pipeline missing)"
        ) from None
    embedder = None
    if embedder_name == "hashing":  # plumbing tests only: no model load
        from triage.embed import HashingEmbedder

        embedder = HashingEmbedder()
    last_stage = [""]

    def progress(stage: str, done: int, total: int) -> None:
        if stage != last_stage[0]:
            last_stage[0] = stage
            print(f"triage: {stage}…", file=sys.stderr)

    from triage.ingest import DEFAULT_MAX_BYTES

    max_bytes = int(max_mb * 2**20) if max_mb is not None else DEFAULT_MAX_BYTES
    return triage_pack(
        [pack],
        provider_type=provider_type,
        progress=progress,
        embedder=embedder,
        password=password,
        max_bytes=max_bytes,
    )


def _pipeline_options(args: argparse.Namespace) -> dict[str, Any]:
    if args.max_mb is not None and not args.max_mb > 0:
        raise UserError("--max-mb must be a positive number of megabytes", EXIT_USAGE)
    return {"password": args.password, "max_mb": args.max_mb}


def _nothing_read(documents) -> bool:
    return not any(d.status in ("ok", "warning") for d in documents)


def _cmd_session_new(args: argparse.Namespace) -> int:
    pack = Path(args.pack).expanduser()
    if not pack.exists():
        raise UserError(f"no evidence pack at {pack}", EXIT_FAILED)
    target = Path(args.session).expanduser() if args.session else None
    if target is not None and target.exists() and target.stat().st_size > 0:
        raise UserError(f"{target} already exists; choose another --session path", EXIT_FAILED)
    triaged = _run_pipeline(pack, args.provider_type, args.embedder, **_pipeline_options(args))
    if _nothing_read(triaged.documents):
        for d in triaged.documents:
            print(f"triage:   {d.name}: {d.status} {d.message}", file=sys.stderr)
        raise UserError(
            f"no document in {pack} could be read, so no session was created"
            + (" (the folder holds no files)" if not triaged.documents else ""),
            EXIT_FAILED,
        )
    try:
        s = Session.create(
            target,
            pack_path=str(pack.resolve()),
            provider_type=args.provider_type,
            provider_name=args.provider_name or "",
            assessor=args.assessor or "",
        )
    except SessionError as exc:
        raise UserError(str(exc)) from None
    with s:
        s.record_triage(triaged.documents, triaged.chunks, triaged.result)
        n_docs = len(triaged.documents)
        problems = [d for d in triaged.documents if d.status in ("error", "skipped")]
        print(
            f"triage: {n_docs} document(s), {len(triaged.chunks)} passage(s), "
            f"{len(triaged.result.suggestions)} suggestion(s); {len(problems)} document(s) not read",
            file=sys.stderr,
        )
        for d in problems:
            print(f"triage:   {d.name}: {d.status} {d.message}", file=sys.stderr)
        print(s.path)
    return 0


def _cmd_session_retriage(args: argparse.Namespace) -> int:
    with open_for_writing(args.session_ref) as s:
        pack = Path(args.pack or s.meta.pack_path).expanduser()
        if not pack.exists():
            raise UserError(f"the pack is no longer at {pack}; give its new place with --pack", EXIT_FAILED)
        triaged = _run_pipeline(pack, s.provider_type, args.embedder, **_pipeline_options(args))
        if _nothing_read(triaged.documents):
            # Re-triaging against an unreadable pack would retire every decision at once.
            raise UserError(
                f"no document in {pack} could be read; the session was left as it was", EXIT_FAILED
            )
        summary = s.retriage(triaged.documents, triaged.chunks, triaged.result)
    print(
        f"saved: re-triaged {pack}: {summary.kept} suggestion(s) unchanged ({summary.kept_decided} with decisions "
        f"kept), {summary.new} new or changed (need review), {summary.retired} retired"
    )
    if summary.lost_decisions:
        # A confirmed passage that left the pack no longer counts as evidence: say which, loudly.
        print(
            f"triage: warning: {len(summary.lost_decisions)} decision(s) no longer count because their "
            "passage changed or left the pack; review these codes again:",
            file=sys.stderr,
        )
        for sid, code, decision in summary.lost_decisions:
            print(f"triage:   suggestion {sid} for code {code} (was {decision})", file=sys.stderr)
    return 0


def _cmd_session_set(args: argparse.Namespace) -> int:
    if args.provider_name is None and args.assessor is None and args.provider_type is None:
        raise UserError("give --provider-name, --assessor or --provider-type to change", EXIT_USAGE)

    def action(s: Session) -> str:
        done = []
        if args.provider_name is not None or args.assessor is not None:
            s.set_meta(provider_name=args.provider_name, assessor=args.assessor)
            done += [k for k in ("provider_name", "assessor") if getattr(args, k) is not None]
        if args.provider_type is not None and args.provider_type != s.provider_type:
            s.set_provider_type(args.provider_type)
            done.append("provider_type")
        message = "saved: " + (", ".join(k.replace("_", " ") for k in done) or "nothing changed")
        if "provider_type" in done:
            message += (
                f"\nthe suggestions were made for the old provider type; run 'triage session retriage "
                f"{args.session_ref}' so they use the {args.provider_type} wording"
            )
        return message

    return _run_write(args.session_ref, action)


def _cmd_session_info(args: argparse.Namespace) -> int:
    if args.session_ref is None:
        return _list_sessions(args.json)
    with open_for_reading(args.session_ref) as s:
        m = s.meta
        rows = s.suggestions()
        decided = sum(1 for r in rows if r.decision)
        info = {
            "path": str(s.path),
            **{k: getattr(m, k) for k in m.__dataclass_fields__},
            "documents": len(s.documents()),
            "chunks": len(s.chunks()),
            "suggestions": len(rows),
            "decided": decided,
            "needs_review": sum(1 for r in rows if r.needs_review),
            "manual_evidence": len(s.manual_evidence()),
            "ratings": len(s.ratings()),
            "overrides": len(s.overrides()),
            "read_only": s.read_only,
        }
    if args.json:
        _print_json(info)
    else:
        width = max(len(k) for k in info)
        for key, value in info.items():
            print(f"{key:<{width}}  {value}")
    return 0


def _list_sessions(as_json: bool) -> int:
    """Where sessions live by default, and the ones there, newest first."""
    folder = sessions_dir()
    found = sorted(folder.glob("*.sqlite"), key=lambda f: f.stat().st_mtime, reverse=True) if folder.is_dir() else []
    if as_json:
        _print_json({"sessions_dir": str(folder), "sessions": [str(f) for f in found]})
        return 0
    print(f"sessions are saved in {folder} unless 'session new --session PATH' says otherwise")
    for f in found:
        print(f"  {f.stem}")
    if not found:
        print("  (none there yet)")
    return 0


# ---- suggestions / decide / undo -----------------------------------------------------------


def _cmd_suggestions(args: argparse.Namespace) -> int:
    with open_for_reading(args.session_ref) as s:
        rows = s.suggestions(args.code)
    if args.json:
        _print_json(
            {
                "suggestions": [
                    {
                        "id": r.id,
                        "code": r.code,
                        "rank": r.rank,
                        "score": round(r.score, 4),
                        "doc": r.doc_name,
                        "page": r.page,
                        "start": r.start,
                        "end": r.end,
                        "text": r.text,
                        "decision": r.decision,
                        "note": r.note,
                        "needs_review": r.needs_review,
                    }
                    for r in rows
                ]
            }
        )
        return 0
    if not rows:
        print("no suggestions" + (f" for code {args.code}" if args.code else ""))
        return 0
    for r in rows:
        flag = "  needs review" if r.needs_review else ""
        print(
            f"{r.id:>5}  {r.code:<4} #{r.rank:<2} {r.score:.2f}  {r.decision or 'undecided':<9}  "
            f"{r.doc_name} p.{r.page}{flag}"
        )
        print(f"       {_snippet(r.text)}")
    return 0


def _cmd_decide(args: argparse.Namespace) -> int:
    def action(s: Session) -> str:
        s.decide(args.suggestion_id, args.decision, note=args.note)  # no --note keeps the old one
        row = s.suggestion(args.suggestion_id)
        return f"saved: suggestion {row.id} {row.decision} for code {row.code}"

    return _run_write(args.session_ref, action)


def _cmd_undo(args: argparse.Namespace) -> int:
    def action(s: Session) -> str:
        before = s.suggestion(args.suggestion_id)
        s.undo_decision(args.suggestion_id)
        if before.decision is None:
            return f"suggestion {before.id} had no decision; nothing to undo"
        return (
            f"saved: suggestion {before.id} for code {before.code} is undecided again (was {before.decision})"
        )

    return _run_write(args.session_ref, action)


# ---- manual evidence -----------------------------------------------------------------------


def _find_document(s: Session, name: str):
    docs = s.documents()
    exact = [d for d in docs if d.name == name or d.id == name]
    if len(exact) > 1:
        # Same file name in two folders of the pack: quoting the wrong one would cite the wrong page.
        choices = "; ".join(f"{d.id[:12]} ({d.path})" for d in exact)
        raise UserError(f"{len(exact)} documents are named {name!r}; give the id instead: {choices}", EXIT_FAILED)
    if exact:
        return exact[0]
    partial = [d for d in docs if d.id.startswith(name) or d.name.lower() == name.lower()]
    if len(partial) == 1:
        return partial[0]
    names = ", ".join(d.name for d in docs) or "none"
    raise UserError(f"no document named {name!r} in this session (documents: {names})", EXIT_FAILED)


def _locate(haystack: str, quote: str) -> tuple[int, int] | None:
    """Offsets of ``quote`` in ``haystack``, tolerant of line breaks and runs of spaces."""
    quote = quote.strip()
    if not quote:
        return None
    at = haystack.find(quote)
    if at >= 0:
        return at, at + len(quote)
    pattern = r"\s+".join(re.escape(word) for word in quote.split())
    found = re.search(pattern, haystack)
    return (found.start(), found.end()) if found else None


def _cmd_evidence_add(args: argparse.Namespace) -> int:
    warnings: list[str] = []

    def action(s: Session) -> str:
        doc_id = None
        text = args.text
        if args.doc:
            doc = _find_document(s, args.doc)
            doc_id = doc.id
            if (args.start is None) != (args.end is None):
                raise ValueError("give both --start and --end with --doc")
            if args.start is not None and args.start > args.end:
                raise ValueError(f"--end ({args.end}) must not come before --start ({args.start})")
            if args.start is not None and not 0 <= args.start <= args.end <= len(doc.text):
                raise ValueError(f"--start/--end must lie within the document (0-{len(doc.text)})")
            if text is None and args.start is not None:
                text = doc.text[args.start : args.end]
            elif text is not None and args.start is None:
                # Find the quote so the report can give its page; a quote not in the document is
                # kept (the assessor may be paraphrasing) but said so.
                span = _locate(doc.text, text)
                if span is None:
                    warnings.append(
                        f"the text was not found in {doc.name}, so no page can be given for it "
                        "(quote the document exactly, or give --start and --end)"
                    )
                else:
                    args.start, args.end = span
                    text = doc.text[args.start : args.end]  # the document's own words, verbatim
        elif args.start is not None or args.end is not None:
            raise ValueError("--start and --end need --doc")
        if not text or not text.strip():
            raise ValueError("give --text (or --doc with --start and --end to quote a passage)")
        kind = args.kind or ("document" if doc_id else "other")
        if kind == "document" and doc_id is None:
            raise ValueError(
                "--kind document needs --doc NAME, the document the passage comes from "
                "(for something seen or heard, use --kind observation, learner_voice, ... or other)"
            )
        evidence_id = s.add_manual_evidence(
            args.code,
            kind=kind,
            text=text,
            doc_id=doc_id,
            start=args.start,
            end=args.end,
            note=args.note or "",
        )
        return f"saved: evidence m:{evidence_id} ({kind}) for code {args.code}"

    code = _run_write(args.session_ref, action)
    for warning in warnings:
        print(f"triage: warning: {warning}", file=sys.stderr)
    return code


def _cmd_evidence_list(args: argparse.Namespace) -> int:
    with open_for_reading(args.session_ref) as s:
        rows = s.manual_evidence(args.code)
    if args.json:
        _print_json(
            {
                "evidence": [
                    {
                        "id": e.id,
                        "code": e.code,
                        "kind": e.kind,
                        "text": e.text,
                        "doc_id": e.doc_id,
                        "start": e.start,
                        "end": e.end,
                        "note": e.note,
                        "who": e.who,
                        "at": e.at,
                    }
                    for e in rows
                ]
            }
        )
        return 0
    if not rows:
        print("no manual evidence")
    for e in rows:
        print(f"m:{e.id:<4} {e.code:<4} {e.kind:<17} {e.who} {e.at}")
        print(f"       {_snippet(e.text)}")
    return 0


def _cmd_evidence_remove(args: argparse.Namespace) -> int:
    evidence_id = args.evidence_id.removeprefix("m:")
    if not evidence_id.isdigit():
        raise UserError(f"evidence id should look like m:3 or 3, not {args.evidence_id!r}", EXIT_USAGE)

    def action(s: Session) -> str:
        s.remove_manual_evidence(int(evidence_id))
        return f"saved: evidence m:{evidence_id} removed"

    return _run_write(args.session_ref, action)


# ---- rate / override / gatsby --------------------------------------------------------------


def _cmd_rate(args: argparse.Namespace) -> int:
    level = None if args.level == "none" else args.level

    def action(s: Session) -> str:
        s.rate(args.code, level)
        message = f"saved: code {args.code} " + (f"rated {OUTCOME_LABELS[level]}" if level else "rating cleared")
        if level and args.code not in s.rules_input().evidence:
            message += (
                f"\nnote: code {args.code} has no confirmed evidence yet, so the rules count it as "
                f"{OUTCOME_LABELS['insufficient_progress']} until a passage or other evidence is confirmed"
            )
        return message

    return _run_write(args.session_ref, action)


def _cmd_override(args: argparse.Namespace) -> int:
    if args.clear:
        if args.outcome:
            raise UserError("give either an OUTCOME with --why, or --clear", EXIT_USAGE)

        def clear(s: Session) -> str:
            if not s.clear_override(args.section):
                return f"section {args.section} has no override; nothing changed"
            return f"saved: section {args.section} override cleared"

        return _run_write(args.session_ref, clear)
    if not args.outcome:
        raise UserError("give the OUTCOME for the section (or --clear)", EXIT_USAGE)
    if not args.why or not args.why.strip():
        raise UserError(
            'an override needs --why "..." (the justification for the best-fit judgement)', EXIT_USAGE
        )

    def action(s: Session) -> str:
        s.override(args.section, args.outcome, args.why)
        return f"saved: section {args.section} overridden to {OUTCOME_LABELS[args.outcome]}"

    return _run_write(args.session_ref, action)


def _cmd_gatsby(args: argparse.Namespace) -> int:
    status = None if args.status == "none" else args.status

    def action(s: Session) -> str:
        s.set_gatsby_status(args.benchmark, status)
        return f"saved: Gatsby Benchmark {args.benchmark} " + (
            status.replace("_", " ") if status else "cleared"
        )

    return _run_write(args.session_ref, action)


# ---- outcome / log -------------------------------------------------------------------------


def assessment_json(a) -> dict[str, Any]:
    return {
        "overall": a.overall,
        "overall_label": OVERALL_LABELS[a.overall],
        "provisional": a.provisional,
        "provisional_reasons": list(a.provisional_reasons),
        "sections": [
            {
                "section": r.section,
                "title": r.title,
                "outcome": r.outcome,
                "computed": r.computed,
                "overridden": r.overridden,
                "override_justification": r.override_justification,
                "reasons": list(r.reasons),
            }
            for r in a.sections
        ],
        "codes": [
            {
                "code": c.code,
                "section": c.section,
                "status": c.status,
                "level": c.level,
                "rated": c.rated,
                "evidence_ids": list(c.evidence_ids),
            }
            for c in a.codes
        ],
        "trace": [
            {
                "rule": t.rule,
                "target": t.target,
                "message": t.message,
                "citation": t.citation,
                "codes": list(t.codes),
                "evidence_ids": list(t.evidence_ids),
            }
            for t in a.trace
        ],
        "rules_version": a.rules_version,
        "criteria_version": a.criteria_version,
    }


def _cmd_outcome(args: argparse.Namespace) -> int:
    with open_for_reading(args.session_ref) as s:
        try:
            a = s.assessment()
        except RulesError as exc:
            raise UserError(f"cannot apply the outcome rules: {exc}") from None
    if args.json:
        _print_json(assessment_json(a))
        return 0
    print(f"Overall: {OVERALL_LABELS[a.overall]}" + (" (provisional)" if a.provisional else ""))
    for reason in a.provisional_reasons:
        print(f"  provisional: {reason}")
    print()
    for r in a.sections:
        mark = " (override)" if r.overridden else ""
        print(f"Section {r.section}. {r.title}: {OUTCOME_LABELS[r.outcome]}{mark}")
        for reason in r.reasons:
            print(textwrap.fill(reason, width=100, initial_indent="  - ", subsequent_indent="    "))
        codes = [c for c in a.codes if c.section == r.section]
        summary = ", ".join(
            # "no confirmed evidence", not "missing": that word is the matcher's flag, a different verdict.
            f"{c.code} {'no confirmed evidence' if c.status == 'missing_evidence' else OUTCOME_LABELS[c.level]}"
            + ("" if c.rated or c.status == "missing_evidence" else " (not yet rated)")
            for c in codes
        )
        print(textwrap.fill(summary, width=100, initial_indent="  codes: ", subsequent_indent="         "))
    print()
    print(f"rules {a.rules_version}; criteria {a.criteria_version or 'unknown'}")
    return 0


def _cmd_log(args: argparse.Namespace) -> int:
    with open_for_reading(args.session_ref) as s:
        rows = s.audit_log()
    if args.json:
        _print_json(
            {
                "audit_log": [
                    {
                        "id": r.id,
                        "at": r.at,
                        "who": r.who,
                        "action": r.action,
                        "target": r.target,
                        "old": r.old,
                        "new": r.new,
                    }
                    for r in rows
                ]
            }
        )
        return 0
    for r in rows:
        change = f"{r.old} -> {r.new}" if r.old is not None else (r.new or "")
        print(f"{r.id:>5}  {r.at}  {r.who:<12} {r.action:<15} {r.target:<16} {change}")
    return 0


# ---- registration --------------------------------------------------------------------------


def _number_1_to_8(what: str):
    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {what} 1-8, got {value!r}") from None
        if not 1 <= n <= 8:
            raise argparse.ArgumentTypeError(f"expected a {what} 1-8, got {value!r}")
        return n

    return parse


_section_number = _number_1_to_8("section number")
_benchmark_number = _number_1_to_8("Gatsby Benchmark number")


def _code(value: str) -> str:
    """A code of the Standard, e.g. 3.4; anything else is a usage error (exit 2), as in ``criteria``."""
    from criteria_index import load_index

    code = value.strip()
    idx = load_index()
    if not idx.has_code(code):
        raise argparse.ArgumentTypeError(
            f"unknown code {value!r}; codes run {idx.codes[0].code}-{idx.codes[-1].code} "
            "(run 'triage criteria' to list them)"
        )
    return code


def _add_ingest_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--password", metavar="P", help="password for protected PDFs in the pack")
    p.add_argument("--max-mb", type=float, metavar="N", help="skip files larger than N MB (default 50)")


def register(subparsers: argparse._SubParsersAction) -> None:
    session_ref = {"metavar": "SESSION", "help": "session .sqlite path or session id"}

    p = subparsers.add_parser("session", help="create or inspect a review session")
    sub = p.add_subparsers(dest="session_command", metavar="ACTION")
    p.set_defaults(func=lambda a, p=p: (p.print_help(), EXIT_USAGE)[1])
    new = sub.add_parser("new", help="triage an evidence pack into a new review session")
    new.add_argument("pack", metavar="PACK", help="folder, zip or file(s) of the provider's evidence")
    new.add_argument(
        "--provider-type",
        choices=PROVIDER_TYPES,
        default="school",
        help="school, special_school, college or wbl (default school)",
    )
    new.add_argument("--session", metavar="PATH", help="where to write the session (default: data dir)")
    new.add_argument("--provider-name", default="", help="the provider's name, for the report")
    new.add_argument("--assessor", default="", help="the assessor's name(s), for the report")
    new.add_argument("--embedder", choices=("default", "hashing"), default="default", help=argparse.SUPPRESS)
    _add_ingest_options(new)
    new.set_defaults(func=_cmd_session_new)
    again = sub.add_parser("retriage", help="re-run triage after the pack changed; keeps unchanged decisions")
    again.add_argument("session_ref", **session_ref)
    again.add_argument("--pack", metavar="PATH", help="the pack's location if it moved")
    again.add_argument(
        "--embedder", choices=("default", "hashing"), default="default", help=argparse.SUPPRESS
    )
    _add_ingest_options(again)
    again.set_defaults(func=_cmd_session_retriage)
    change = sub.add_parser("set", help="change the provider's name, the assessor or the provider type")
    change.add_argument("session_ref", **session_ref)
    change.add_argument("--provider-name", help="the provider's name, for the report")
    change.add_argument("--assessor", help="the assessor's name(s), for the report")
    change.add_argument(
        "--provider-type", choices=PROVIDER_TYPES, help="school, special_school, college or wbl"
    )
    change.set_defaults(func=_cmd_session_set)
    info = sub.add_parser(
        "info", help="show a session's details and progress; with no SESSION, where sessions are saved"
    )
    info.add_argument("session_ref", nargs="?", **session_ref)
    info.add_argument("--json", action="store_true", help="print JSON instead of text")
    info.set_defaults(func=_cmd_session_info)

    p = subparsers.add_parser("suggestions", help="list suggested passages per code")
    p.add_argument("session_ref", **session_ref)
    p.add_argument("--code", type=_code, help="only this code, e.g. 3.4")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=_cmd_suggestions)

    p = subparsers.add_parser("decide", help="confirm or reject a suggestion")
    p.add_argument("session_ref", **session_ref)
    p.add_argument(
        "suggestion_id", type=int, metavar="SUGGESTION_ID", help="the id 'triage suggestions' shows"
    )
    p.add_argument("decision", choices=("confirm", "reject"), metavar="confirm|reject")
    p.add_argument("--note", default=None, help="why (kept if omitted when changing a decision)")
    p.set_defaults(func=_cmd_decide)

    p = subparsers.add_parser("undo", help="return a suggestion to undecided")
    p.add_argument("session_ref", **session_ref)
    p.add_argument(
        "suggestion_id", type=int, metavar="SUGGESTION_ID", help="the id 'triage suggestions' shows"
    )
    p.set_defaults(func=_cmd_undo)

    p = subparsers.add_parser(
        "evidence", help="manual evidence: passages or learner voice, partner statements…"
    )
    sub = p.add_subparsers(dest="evidence_command", metavar="ACTION")
    p.set_defaults(func=lambda a, p=p: (p.print_help(), EXIT_USAGE)[1])
    add = sub.add_parser("add", help="add evidence for a code")
    add.add_argument("session_ref", **session_ref)
    add.add_argument("code", type=_code, metavar="CODE", help="the code it evidences, e.g. 3.4")
    add.add_argument(
        "--kind",
        choices=EVIDENCE_KINDS,
        metavar="KIND",
        help=f"one of {', '.join(EVIDENCE_KINDS)} (default: document with --doc, else other)",
    )
    add.add_argument("--text", help="the quote or a summary of what was seen or heard")
    add.add_argument("--doc", metavar="NAME", help="document the passage comes from")
    add.add_argument("--start", type=int, help="character offset where the passage starts (with --doc)")
    add.add_argument("--end", type=int, help="character offset where it ends (with --doc)")
    add.add_argument("--note", default="", help="the assessor's note")
    add.set_defaults(func=_cmd_evidence_add)
    lst = sub.add_parser("list", help="list manual evidence")
    lst.add_argument("session_ref", **session_ref)
    lst.add_argument("--code", type=_code, help="only this code, e.g. 3.4")
    lst.add_argument("--json", action="store_true", help="print JSON instead of text")
    lst.set_defaults(func=_cmd_evidence_list)
    rm = sub.add_parser("remove", help="remove manual evidence (kept in the audit log)")
    rm.add_argument("session_ref", **session_ref)
    rm.add_argument("evidence_id", metavar="EVIDENCE_ID", help="e.g. m:3")
    rm.set_defaults(func=_cmd_evidence_remove)

    p = subparsers.add_parser("rate", help="set a code's level")
    p.add_argument("session_ref", **session_ref)
    p.add_argument("code", type=_code, metavar="CODE", help="e.g. 3.4")
    p.add_argument(
        "level",
        choices=(*OUTCOME_IDS, "none"),
        metavar="LEVEL",
        help="insufficient_progress, good_progress, fully_meeting, or none to clear the rating",
    )
    p.set_defaults(func=_cmd_rate)

    p = subparsers.add_parser("override", help="override a section's outcome with a justification")
    p.add_argument("session_ref", **session_ref)
    p.add_argument("section", type=_section_number, metavar="SECTION", help="section number 1-8")
    p.add_argument(
        "outcome",
        nargs="?",
        choices=OUTCOME_IDS,
        metavar="OUTCOME",
        help="insufficient_progress, good_progress or fully_meeting",
    )
    p.add_argument("--why", help="justification (required)")
    p.add_argument("--clear", action="store_true", help="remove the override")
    p.set_defaults(func=_cmd_override)

    p = subparsers.add_parser("gatsby", help="record the provider's Gatsby Benchmark indicator status")
    p.add_argument("session_ref", **session_ref)
    p.add_argument("benchmark", type=_benchmark_number, metavar="BENCHMARK", help="Gatsby Benchmark 1-8")
    p.add_argument(
        "status",
        choices=(*GATSBY_STATUSES, "none"),
        metavar="STATUS",
        help="not_met, partially_met, fully_met, or none to clear it",
    )
    p.set_defaults(func=_cmd_gatsby)

    p = subparsers.add_parser("outcome", help="apply the outcome rules and explain them")
    p.add_argument("session_ref", **session_ref)
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=_cmd_outcome)

    p = subparsers.add_parser("log", help="print the session's audit log")
    p.add_argument("session_ref", **session_ref)
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=_cmd_log)
