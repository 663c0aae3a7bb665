"""``triage ingest``: table and JSON output, totals, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from test_ingest_factories import make_docx, make_pdf

from triage.cli import main


def _pack(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    make_pdf(pack / "policy.pdf", pages=2)
    make_docx(pack / "plan.docx")
    (pack / "zero.txt").write_bytes(b"")
    (pack / "photo.xyz").write_bytes(b"data")
    return pack


def test_json_output_and_exit_zero(tmp_path, capsys):
    code = main(["ingest", "--json", str(_pack(tmp_path))])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    docs = {d["name"]: d for d in out["documents"]}
    assert set(docs) == {"photo.xyz", "plan.docx", "policy.pdf", "zero.txt"}
    assert docs["policy.pdf"]["status"] == "ok" and docs["policy.pdf"]["pages"] == 2
    assert docs["policy.pdf"]["chunks"] > 0 and docs["policy.pdf"]["words"] > 100
    assert docs["zero.txt"] == {**docs["zero.txt"], "status": "error", "message": "empty file", "chunks": 0}
    assert docs["photo.xyz"]["status"] == "skipped"
    assert set(docs["plan.docx"]) >= {"name", "status", "message", "pages", "chunks", "words", "type", "id"}
    totals = out["totals"]
    assert totals["documents"] == 4 and totals["ok"] == 2 and totals["error"] == 1 and totals["skipped"] == 1
    assert totals["chunks"] == sum(d["chunks"] for d in out["documents"])


def test_table_output_one_line_per_document(tmp_path, capsys):
    code = main(["ingest", str(_pack(tmp_path))])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert len(lines) == 1 + 4 + 1
    zero = next(line for line in lines if line.startswith("zero.txt"))
    assert zero.split()[1:5] == ["txt", "0", "0", "0"]
    assert zero.endswith("error: empty file")
    assert lines[-1].startswith("4 documents (2 ok, 0 with warnings, 1 unreadable, 1 skipped)")


def test_exit_one_when_nothing_could_be_read(tmp_path, capsys):
    (tmp_path / "zero.txt").write_bytes(b"")
    (tmp_path / "x.xyz").write_bytes(b"x")
    assert main(["ingest", str(tmp_path)]) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["ingest", str(empty)]) == 1
    assert "no files found" in capsys.readouterr().err


def test_usage_errors_exit_two_without_traceback(tmp_path):
    # The installed console script, as the user runs it (``python -m triage.cli`` re-imports cli as
    # __main__, so its UserError is a different class from the one commands raise).
    triage = str(Path(sys.executable).parent / "triage")
    out = subprocess.run([triage, "ingest", str(tmp_path / "nope")], capture_output=True, text=True)
    assert out.returncode == 2
    assert "no such file or folder" in out.stderr and "Traceback" not in out.stderr
    bad = subprocess.run([triage, "ingest", "--max-mb", "0", str(tmp_path)], capture_output=True, text=True)
    assert bad.returncode == 2 and "--max-mb" in bad.stderr


def test_max_mb_and_password_options(tmp_path, capsys):
    (tmp_path / "big.txt").write_text("careers " * 200_000, encoding="utf-8")
    main(["ingest", "--json", "--max-mb", "1", str(tmp_path)])
    (doc,) = json.loads(capsys.readouterr().out)["documents"]
    assert doc["message"] == "file is 1.5 MB, over the 1 MB limit; raise it with --max-mb"
