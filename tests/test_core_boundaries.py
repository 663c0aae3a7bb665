"""The core must be usable without the UI: importing it never loads textual or tui."""

import subprocess
import sys

CORE_MODULES = [
    "triage",
    "triage.cli",
    "triage.records",
    "triage.config",
    "triage.embed",
    "criteria_index",
]


def test_core_does_not_import_textual():
    code = (
        "import importlib, pkgutil, sys, triage\n"
        f"for m in {CORE_MODULES!r}: importlib.import_module(m)\n"
        "for info in pkgutil.walk_packages(triage.__path__, 'triage.'):\n"
        "    importlib.import_module(info.name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'tui')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"core imported UI modules: {out.stdout}"


def test_cli_help_lists_commands():
    out = subprocess.run([sys.executable, "-m", "triage.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "Quality in Careers" in out.stdout


def _subparsers(parser):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def test_every_subcommand_has_help(capsys):
    import pytest

    from triage.cli import build_parser, main

    paths = []
    for name, sub in _subparsers(build_parser()):
        paths.append([name])
        paths.extend([name, child] for child, _ in _subparsers(sub))
    assert {"review", "criteria", "ingest", "suggest", "eval", "session", "report", "ask"} <= {p[0] for p in paths}
    assert ["session", "new"] in paths and ["evidence", "add"] in paths
    for path in paths:
        with pytest.raises(SystemExit) as exit_info:
            main([*path, "--help"])
        assert exit_info.value.code == 0, path
        out = capsys.readouterr().out
        assert out.startswith("usage: triage " + " ".join(path)), path
