"""``triage ask`` end to end: a real session file, the real CLI, a real HTTP server for the LLM."""

from __future__ import annotations

import json
import os
import pty
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from triage.chunking import chunk_documents
from triage.cli import main
from triage.ingest import ingest_pack
from triage.llm.fake_server import FakeChatServer
from triage.records import MatchResult
from triage.session import Session

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DOCS = REPO / "sample_evidence" / "northfield_academy" / "docs"
GOVERNOR_Q = "Who is the link governor for careers?"


@pytest.fixture(scope="module")
def session_file(tmp_path_factory) -> Path:
    docs = ingest_pack([SAMPLE_DOCS])
    chunks = chunk_documents([d for d in docs if d.status in ("ok", "warning")])
    path = tmp_path_factory.mktemp("ask") / "northfield.sqlite"
    result = MatchResult("school", (), (), (), {}, "hashing-bow-256", "none", "test", 0.5, 0.05)
    with Session.create(path, pack_path=str(SAMPLE_DOCS), provider_type="school") as s:
        s.record_triage(docs, chunks, result)
    return path


def ask(*args: str) -> list[str]:
    return ["ask", *args, "--embedder", "hashing"]


def test_ask_prints_an_extracted_answer_with_numbered_citations(session_file, capsys):
    assert main(ask(str(session_file), GOVERNOR_Q)) == 0
    out = capsys.readouterr().out
    assert out.startswith("Extracted from the pack (no language model used).")
    assert "Okoye" in out.split("Citations:")[0]  # the best sentence comes first
    lines = [line.strip() for line in out.split("Citations:")[1].splitlines() if line.strip()]
    assert [line[:3] for line in lines] == ["[1]", "[2]", "[3]", "[4]", "[5]"]
    assert any("Okoye" in line and ("LGB_Minutes" in line or "Careers_Policy" in line) and ", p. " in line
               for line in lines)


def test_ask_json(session_file, capsys):
    assert main(ask(str(session_file), GOVERNOR_Q, "--json")) == 0
    data = json.loads(capsys.readouterr().out)
    with Session.open(session_file, read_only=True) as s:
        chunk = s.chunk(data["citations"][0]["chunk_id"])
    assert data["citations"][0]["section"] == (chunk.heading_path[-1] if chunk.heading_path else "")
    assert data["mode"] == "extractive" and data["status"] == "answered"
    assert len(data["citations"]) == 5 and len(data["passages"]) == 5
    first = data["citations"][0]
    passage = data["passages"][0]
    a, b = first["spans"][0]
    assert passage["text"][a:b] in first["quote"] and first["chunk_id"] == passage["chunk_id"]


def test_ask_with_a_local_llm_and_no_llm_flag(session_file, capsys, monkeypatch):
    with FakeChatServer() as server:
        monkeypatch.setenv("TRIAGE_LLM_BASE_URL", server.url)
        assert main(ask(str(session_file), GOVERNOR_Q)) == 0
        captured = capsys.readouterr()
        assert "Citations:" in captured.out and "[1] " in captured.out and "fake-model" in captured.out
        assert "leave this machine" not in captured.err
        assert server.requests[0]["stream"] is False  # captured stdout is not a terminal
        assert main(ask(str(session_file), GOVERNOR_Q, "--no-llm")) == 0
        assert len(server.requests) == 1
    # The answer was kept in the session as a draft with the model's name.
    with Session.open(session_file, read_only=True) as s:
        assert [(d.kind, d.model) for d in s.drafts()][-1] == ("chat", "fake-model")


def test_remote_llm_warning_comes_first(session_file):
    with FakeChatServer() as server:
        env = {**os.environ, "TRIAGE_LLM_BASE_URL": server.url, "TRIAGE_LLM_TREAT_AS_REMOTE": "1"}
        proc = subprocess.run(
            [sys.executable, "-m", "triage.cli", *ask(str(session_file), GOVERNOR_Q)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120,
        )
    assert proc.returncode == 0, proc.stdout
    first_line = proc.stdout.splitlines()[0]
    assert "pack text will leave this machine" in first_line and "redacted" in first_line


def test_streams_to_a_terminal(session_file):
    with FakeChatServer(chunk_chars=4) as server:
        env = {**os.environ, "TRIAGE_LLM_BASE_URL": server.url}
        main_fd, child_fd = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "triage.cli", *ask(str(session_file), GOVERNOR_Q)],
            env=env, stdout=child_fd, stderr=subprocess.PIPE,
        )
        os.close(child_fd)
        chunks = []
        while True:
            try:
                data = os.read(main_fd, 4096)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=120)
        os.close(main_fd)
    out = b"".join(chunks).decode("utf-8", errors="replace")
    assert proc.returncode == 0, out
    assert server.requests[0]["stream"] is True
    assert "The pack says" in out and "Citations:" in out and "Written by fake-model" in out
    assert out.count("The pack says") == 1  # streamed once, not printed again


def test_llm_down_is_a_clear_error_with_passages_as_fallback(session_file, capsys, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("TRIAGE_LLM_BASE_URL", f"http://127.0.0.1:{port}/v1")
    assert main(ask(str(session_file), GOVERNOR_Q)) == 1
    out = capsys.readouterr().out
    assert f"cannot reach the LLM server at http://127.0.0.1:{port}/v1: is it running?" in out
    assert "Extracted from the pack" in out and "Passages:" in out and "  [1] " in out


def test_user_errors_have_no_traceback(session_file, tmp_path, capsys, monkeypatch):
    assert main(ask(str(tmp_path / "missing.sqlite"), GOVERNOR_Q)) == 1
    assert "no session at" in capsys.readouterr().err
    monkeypatch.setenv("TRIAGE_LLM_BASE_URL", "localhost:11434")
    assert main(ask(str(session_file), GOVERNOR_Q)) == 1
    err = capsys.readouterr().err
    assert "[llm] settings are not usable" in err and "Traceback" not in err
