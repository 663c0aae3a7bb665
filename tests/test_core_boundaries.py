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
