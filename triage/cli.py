"""The ``triage`` command line. Each subcommand lives in ``triage.commands.<name>``."""

from __future__ import annotations

import argparse
import importlib
import sys

from triage import __version__

# Order here is the order in ``triage --help``.
COMMAND_MODULES = (
    "review",
    "criteria",
    "ingest",
    "suggest",
    "session",
    "report",
    "ask",
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UserError(Exception):
    """An error whose message is meant for the user; printed without a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED):
        super().__init__(message)
        self.exit_code = exit_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="triage",
        description="Evidence triage for Quality in Careers Standard assessments (codes 1.1-8.4).",
    )
    parser.add_argument("--version", action="version", version=f"triage {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"triage.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"triage: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("triage: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    # Run through the imported module so ``except UserError`` sees the same class as the commands.
    from triage.cli import main as _main

    sys.exit(_main())
