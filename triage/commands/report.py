"""``triage report`` (the assessment report) and ``triage request`` (the evidence request alone)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from triage.cli import EXIT_USAGE, UserError

REPORT_FORMATS = ("docx", "html", "md", "json", "csv")
REQUEST_FORMATS = ("md", "txt")
BINARY_FORMATS = frozenset({"docx"})


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "report",
        help="write the assessment report (docx, html, md, json or csv)",
        description=(
            "Write the assessment report for a review session: the Required Assessment Summary Grid, "
            "the Recording Grid with key evidence, the outcome with its reasons, areas for development, "
            "the evidence request and a reproducibility manifest. The same session always gives the "
            "same report apart from the generation time."
        ),
    )
    p.add_argument("session", metavar="SESSION", help="session .sqlite file, or a session id")
    p.add_argument(
        "--format",
        "-f",
        choices=REPORT_FORMATS,
        default=None,
        help="output format (default: from the --out file name, else html)",
    )
    p.add_argument(
        "--out",
        "-o",
        metavar="PATH",
        help="file to write ('-' for standard output); default: report-<session id>.<format> here",
    )
    p.set_defaults(func=run_report)

    q = subparsers.add_parser(
        "request",
        help="write the evidence request for the provider (md or txt)",
        description=(
            "Write the evidence request alone: one entry per code with no confirmed evidence, saying "
            "what the Standard asks and what documents would show it."
        ),
    )
    q.add_argument("session", metavar="SESSION", help="session .sqlite file, or a session id")
    q.add_argument(
        "--format",
        "-f",
        choices=REQUEST_FORMATS,
        default=None,
        help="md or txt (default: from --out, else md)",
    )
    q.add_argument("--out", "-o", metavar="PATH", help="file to write (default: standard output)")
    q.set_defaults(func=run_request)


def _resolve(ref: str) -> Path:
    from triage.commands.session import resolve_session_path

    return resolve_session_path(ref)


def _model(ref: str):
    from triage.report import build_report
    from triage.session import Session, SessionError

    path = _resolve(ref)
    try:
        # The report only reads, so it works while the review UI holds the session open.
        session = Session.open(path, read_only=True)
    except SessionError as exc:
        raise UserError(str(exc)) from None
    try:
        return build_report(session)
    except SessionError as exc:
        raise UserError(str(exc)) from None
    except (KeyError, ValueError) as exc:
        raise UserError(f"cannot build the report for {path}: {exc}") from None
    finally:
        session.close()


def _write(data: bytes, out: str | None, default_name: str | None) -> None:
    if out == "-" or (out is None and default_name is None):
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = Path(out).expanduser() if out else Path(default_name or "report")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror or exc}") from None
    print(f"wrote {target}", file=sys.stderr)


_SUFFIX_FORMATS = {".docx": "docx", ".html": "html", ".htm": "html", ".md": "md", ".json": "json", ".csv": "csv"}


def _implied_format(out: str | None, formats: dict[str, str]) -> str | None:
    """The format the --out name's suffix names; a suffix of another kind (.pdf, say) is a usage
    error, so a file is never written under a name that promises what it does not hold."""
    suffix = Path(out).suffix.lower() if out and out != "-" else ""
    if suffix and suffix not in formats:
        known = ", ".join(sorted(set(formats)))
        raise UserError(f"cannot write {out}: its name should end in one of {known}", EXIT_USAGE)
    return formats.get(suffix)


def _chosen_format(fmt: str | None, out: str | None, formats: dict[str, str], default: str) -> str:
    """The --format, else the one the --out name implies, else ``default``; a clash is a usage error."""
    implied = _implied_format(out, formats)
    if fmt and implied and fmt != implied:
        raise UserError(f"--format {fmt} does not match the file name {out}; change one of them", EXIT_USAGE)
    return fmt or implied or default


def _report_format(fmt: str | None, out: str | None) -> str:
    return _chosen_format(fmt, out, _SUFFIX_FORMATS, "html")


def run_report(args: argparse.Namespace) -> int:
    from triage.report import render

    args.format = _report_format(args.format, args.out)
    if args.out == "-" and args.format in BINARY_FORMATS and sys.stdout.isatty():
        raise UserError("a Word document cannot be shown in the terminal; give --out FILE.docx", EXIT_USAGE)
    model = _model(args.session)
    data = render(model, args.format)
    _write(data, args.out, f"report-{model.manifest.session_id}.{args.format}")
    return 0


def run_request(args: argparse.Namespace) -> int:
    from triage.report import render_request

    fmt = _chosen_format(args.format, args.out, {".md": "md", ".txt": "txt"}, "md")
    model = _model(args.session)
    _write(render_request(model, fmt), args.out, None)
    # Said to the assessor only (stderr), never written into what goes to the provider.
    waiting = [c.code for s in model.sections for c in s.codes if c.code in model.missing and c.unreviewed]
    if waiting:
        print(
            f"triage: warning: {len(waiting)} of the {len(model.missing)} requested codes still have suggested "
            f"passages awaiting review ({', '.join(waiting)}); review them first, or the provider will be "
            "asked for evidence that may already be in the pack",
            file=sys.stderr,
        )
    return 0
