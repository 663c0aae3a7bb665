"""``triage review``: open the terminal review UI on a pack or a saved session.

The UI is imported inside the command so the core never loads textual.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from triage.records import PROVIDER_TYPES

SESSION_SUFFIXES = (".sqlite", ".sqlite3", ".db")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "review",
        help="review a pack in the terminal UI (default: the bundled sample pack)",
        description=(
            "Open the review UI. A pack (folder, files or .zip) starts a new session that is triaged in "
            "the background; a .sqlite session file resumes it. With no argument the bundled sample pack "
            "opens, resuming its most recent session (so does naming the sample pack, as `make run` does; "
            "--new starts afresh)."
        ),
    )
    p.add_argument(
        "target", nargs="*", metavar="PACK_OR_SESSION", help="pack folder/files/zip, or a session file"
    )
    p.add_argument("--session", type=Path, help="where to keep the new session (resumed if it exists)")
    p.add_argument("--provider-type", choices=PROVIDER_TYPES, help="school, special_school, college or wbl")
    p.add_argument("--new", action="store_true", help="start a new session even for the sample pack")
    p.add_argument("--provider-name", default="", help="the provider's name for the report (new sessions)")
    p.add_argument("--assessor", default="", help="the assessor's name for the report (new sessions)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from triage.cli import UserError

    session, inputs = open_or_create(
        [Path(t) for t in args.target],
        session_path=args.session,
        provider_type=args.provider_type,
        provider_name=args.provider_name,
        assessor=args.assessor,
        new=args.new,
    )
    try:
        from tui.app import ReviewApp
    except ImportError as exc:
        session.close()
        raise UserError(f"the review UI is not installed ({exc})") from exc
    app = ReviewApp(session, triage_inputs=inputs)
    # Our own loop, so that quitting does not wait in asyncio.run() for a worker thread stuck in a
    # step it cannot interrupt (loading the model, parsing one big file).
    loop = asyncio.new_event_loop()
    try:
        app.run(loop=loop)
    finally:
        session.close()  # every write is already committed; this releases the session's lock
    code = int(app.return_code or 0)
    if app.background_busy:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()
    return code


def open_or_create(
    targets: list[Path],
    *,
    session_path: Path | None = None,
    provider_type: str | None = None,
    provider_name: str = "",
    assessor: str = "",
    new: bool = False,
) -> tuple[Any, list[Path]]:
    """Resolve the command line to (open session, pack inputs still to triage)."""
    from triage.cli import EXIT_USAGE, UserError
    from triage.config import data_dir, sample_pack_dir
    from triage.session import Session

    if len(targets) == 1 and targets[0].suffix.lower() in SESSION_SUFFIXES:
        if not targets[0].is_file():
            raise UserError(f"no session file at {targets[0]}", EXIT_USAGE)
        session = _open(Session, targets[0])
        if provider_type and provider_type != session.provider_type:
            session.set_provider_type(provider_type)
        return session, []

    if targets:
        for t in targets:
            if not t.exists():
                raise UserError(f"{t} does not exist", EXIT_USAGE)
        inputs = [t.resolve() for t in targets]
    else:
        pack = sample_pack_dir()
        if not pack.exists():
            raise UserError(f"the bundled sample pack is missing ({pack}); pass a pack folder instead")
        inputs = [pack.resolve()]
    # The sample pack (no argument, or `make run`, which names it) resumes its latest session.
    if inputs == [sample_pack_dir().resolve()] and session_path is None and not new:
        previous = latest_session_for(data_dir() / "sessions", inputs)
        if previous is not None:
            return _open(Session, previous), []

    if session_path is not None and session_path.exists():
        session = _open(Session, session_path)
        return session, []
    pack_path = os.pathsep.join(str(p) for p in inputs)
    if session_path is not None:
        session_path.parent.mkdir(parents=True, exist_ok=True)
    session = Session.create(
        session_path,
        pack_path=pack_path,
        provider_type=provider_type or "school",
        provider_name=provider_name,
        assessor=assessor,
    )
    return session, inputs


def latest_session_for(folder: Path, inputs: list[Path]) -> Path | None:
    """The most recently used session created from exactly these inputs, if any."""
    from triage.session import Session

    if not folder.is_dir():
        return None
    wanted = os.pathsep.join(str(p) for p in inputs)
    candidates = sorted(folder.glob("*.sqlite"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in candidates:
        try:
            s = Session.open(path, read_only=True)
        except Exception:
            continue  # locked by another window or not a session: not ours to resume
        try:
            if s.meta.pack_path == wanted:
                return path
        finally:
            s.close()
    return None


def _open(session_cls: Any, path: Path) -> Any:
    from triage.cli import UserError

    try:
        return session_cls.open(path)
    except Exception as exc:
        # SessionLocked / SessionError carry a message meant for the assessor.
        raise UserError(f"cannot open session {path}: {exc}") from exc
