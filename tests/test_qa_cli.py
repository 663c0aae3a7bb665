"""Regressions from using the whole tool from the command line as an assessor would (QA pass)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from test_ingest_factories import make_pdf
from test_session import PACK_V1, make_pack

from triage.chat import answer
from triage.chunking import chunk_documents
from triage.cli import main
from triage.embed import HashingEmbedder
from triage.ingest import ingest_pack
from triage.llm import LLMClient, LLMConfig
from triage.session import Session

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def session_path(tmp_path):
    path = tmp_path / "review.sqlite"
    with Session.create(path, pack_path="/pack", provider_type="school") as s:
        s.record_triage(*make_pack(PACK_V1))
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def usage_error(capsys, *argv) -> str:
    with pytest.raises(SystemExit) as stop:
        main([str(a) for a in argv])
    assert stop.value.code == 2
    return capsys.readouterr().err


def test_damaged_pdf_leaves_no_library_noise_on_stderr(tmp_path):
    # pypdf logged "EOF marker not found" through Python's last-resort handler, beside our own
    # status line (and across the review UI's screen).
    pack = tmp_path / "pack"
    pack.mkdir()
    make_pdf(tmp_path / "whole.pdf", pages=1)
    data = (tmp_path / "whole.pdf").read_bytes()
    (pack / "truncated.pdf").write_bytes(data[: len(data) // 2])
    (pack / "notes.txt").write_text("Our Careers Leader meets governors each term.\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "triage.cli", "ingest", str(pack)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("truncated.pdf"))
    assert "error: damaged PDF" in line
    assert done.stderr == ""


def test_ingest_totals_are_singular_for_one(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("Careers fair in March with forty employers.\n", encoding="utf-8")
    code, out, _ = run(capsys, "ingest", tmp_path)
    assert code == 0
    assert out.splitlines()[-1] == (
        "1 document (1 ok, 0 with warnings, 0 unreadable, 0 skipped); 1 page, 7 words, 1 chunk"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ("suggestions", "{s}", "--code", "9.9"),
        ("suggestions", "{s}", "--code", "3,4"),
        ("rate", "{s}", "9.9", "good_progress"),
        ("evidence", "list", "{s}", "--code", "0.1"),
    ],
)
def test_unknown_code_is_a_usage_error_not_an_empty_list(capsys, session_path, argv):
    # `suggestions --code 3,4` used to print "no suggestions for code 3,4" and exit 0, which reads
    # as "the pack has nothing for this code".
    err = usage_error(capsys, *(a.format(s=session_path) for a in argv))
    assert "unknown code" in err and "1.1-8.4" in err and "Traceback" not in err


def test_changing_a_decision_keeps_its_note_unless_a_new_one_is_given(capsys, session_path):
    with Session.open(session_path) as s:
        sid = s.suggestions("1.2")[0].id
    assert run(capsys, "decide", session_path, sid, "reject", "--note", "names the wrong person")[0] == 0
    assert run(capsys, "decide", session_path, sid, "confirm")[0] == 0
    with Session.open(session_path) as s:
        row = s.suggestion(sid)
        assert row.decision == "confirmed" and row.note == "names the wrong person"
    assert run(capsys, "decide", session_path, sid, "confirm", "--note", "")[0] == 0
    with Session.open(session_path) as s:
        assert s.suggestion(sid).note == ""


def test_evidence_quoted_from_a_document_is_located_so_the_report_can_give_its_page(capsys, session_path):
    with Session.open(session_path) as s:
        doc = next(d for d in s.documents() if d.name == "employers.txt")
        words = doc.text.split("\n\n")[1].split()[:8]  # from the second paragraph, on page 2
    quote = "  ".join(words)  # the assessor's spacing differs from the document's
    code, out, err = run(
        capsys, "evidence", "add", session_path, "8.2", "--doc", "employers.txt", "--text", quote
    )
    assert code == 0 and err == ""
    with Session.open(session_path) as s:
        ev = s.manual_evidence("8.2")[-1]
        assert ev.doc_id == doc.id and ev.start is not None and ev.end is not None
        assert ev.text == doc.text[ev.start : ev.end] == " ".join(words)
        assert doc.page_at(ev.start) == 2
    code, out, _ = run(capsys, "report", session_path, "--format", "md", "--out", "-")
    assert code == 0 and f"employers.txt, p. 2] {' '.join(words)}" in out

    code, _, err = run(
        capsys, "evidence", "add", session_path, "8.2", "--doc", "employers.txt", "--text", "Not in the file."
    )
    assert code == 0 and "not found in employers.txt" in err
    with Session.open(session_path) as s:
        ev = s.manual_evidence("8.2")[-1]
        assert ev.text == "Not in the file." and ev.start is None


def test_help_texts_name_the_allowed_values(capsys):
    for argv, expected in (
        (["override", "--help"], "insufficient_progress, good_progress or fully_meeting"),
        (["gatsby", "--help"], "not_met, partially_met, fully_met"),
        (["rate", "--help"], "none to clear the rating"),
        (["session", "new", "--help"], "school, special_school, college or wbl"),
    ):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 0
        assert expected in " ".join(capsys.readouterr().out.split())


def test_llm_down_message_reads_as_one_sentence():
    folder_docs = ingest_pack([REPO / "sample_evidence" / "northfield_academy" / "docs"])
    chunks = chunk_documents([d for d in folder_docs if d.status in ("ok", "warning")])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    llm = LLMClient(LLMConfig(f"http://127.0.0.1:{port}/v1", timeout=2))
    result = answer(
        "Who is the Careers Leader?",
        chunks=chunks,
        documents=folder_docs,
        embedder=HashingEmbedder(),
        llm=llm,
    )
    first = result.text.splitlines()[0]
    assert result.status == "failed" and first.endswith("is it running?")
    assert "?." not in result.text


def test_fake_server_help_exits_without_serving():
    done = subprocess.run(
        [sys.executable, "-m", "triage.llm.fake_server", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0 and "usage:" in done.stdout and "TRIAGE_LLM_BASE_URL=" not in done.stdout


def test_outcome_json_keys_are_the_documented_ones(capsys, session_path):
    data = json.loads(run(capsys, "outcome", session_path, "--json")[1])
    assert {"overall", "provisional", "sections", "codes"} <= set(data)
    assert {"section", "outcome", "reasons"} <= set(data["sections"][0])
    assert {"code", "status", "level"} <= set(data["codes"][0])
    assert len(data["codes"]) == 32 and len(data["sections"]) == 8


def test_request_warns_the_assessor_not_the_provider_about_unreviewed_passages(capsys, session_path):
    code, out, err = run(capsys, "request", session_path)
    assert code == 0 and "Code 3.4" in out
    assert "awaiting review (1.2, 3.4, 5.1, 8.1, 8.2)" in err
    assert "awaiting review" not in out
    with Session.open(session_path) as s:
        for row in s.suggestions():
            s.decide(row.id, "reject")
    code, out, err = run(capsys, "request", session_path)
    assert code == 0 and "Code 3.4" in out and err == ""


def _encrypted_pdf(path: Path, password: str) -> None:
    from pypdf import PdfReader, PdfWriter

    plain = path.with_suffix(".plain.pdf")
    make_pdf(plain, pages=1)
    writer = PdfWriter()
    writer.append(PdfReader(plain))
    writer.encrypt(password)
    with path.open("wb") as fh:
        writer.write(fh)
    plain.unlink()


def test_session_new_refuses_a_pack_with_nothing_readable(capsys, tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "empty.txt").write_bytes(b"")
    _encrypted_pdf(pack / "policy.pdf", "s3cret")
    target = tmp_path / "s.sqlite"
    code, _, err = run(capsys, "session", "new", pack, "--session", target, "--embedder", "hashing")
    assert code == 1 and "no session was created" in err and "password-protected PDF" in err
    assert not target.exists()

    # The message tells the assessor to use --password: session new must accept it.
    code, out, err = run(
        capsys, "session", "new", pack, "--session", target, "--embedder", "hashing", "--password", "s3cret"
    )
    assert code == 0, err
    with Session.open(target) as s:
        docs = {d.name: d for d in s.documents()}
        assert docs["policy.pdf"].status == "ok" and docs["empty.txt"].status == "error"
        assert any(r.doc_name == "policy.pdf" for r in s.suggestions())


def test_session_new_max_mb_skips_big_files(capsys, tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "plan.txt").write_text("Our Careers Leader reports to governors every term.\n", encoding="utf-8")
    (pack / "big.txt").write_text("Careers fair news. " * 70_000, encoding="utf-8")  # about 1.3 MB
    target = tmp_path / "s.sqlite"
    argv = ("session", "new", pack, "--session", target, "--embedder", "hashing", "--max-mb", "1")
    code, _, err = run(capsys, *argv)
    assert code == 0, err
    assert "big.txt: error file is" in err and "over the 1 MB limit" in err
    with Session.open(target) as s:
        assert {d.name: d.status for d in s.documents()} == {"big.txt": "error", "plan.txt": "ok"}


def test_retriage_of_an_unreadable_pack_leaves_the_session_alone(capsys, tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "plan.txt").write_text("Our Careers Leader reports to governors every term.\n", encoding="utf-8")
    target = tmp_path / "s.sqlite"
    assert run(capsys, "session", "new", pack, "--session", target, "--embedder", "hashing")[0] == 0
    with Session.open(target) as s:
        sid = s.suggestions("1.2")[0].id
        s.decide(sid, "confirm")
    (pack / "plan.txt").write_bytes(b"")  # the provider's file got truncated to nothing
    code, _, err = run(capsys, "session", "retriage", target, "--embedder", "hashing")
    assert code == 1 and "left as it was" in err
    with Session.open(target) as s:
        assert s.suggestion(sid).decision == "confirmed" and s.documents()[0].status == "ok"


def test_criteria_names_the_provider_type_once(capsys):
    code, out, _ = run(capsys, "criteria", "5.1", "--provider-type", "college")
    assert code == 0
    assert "Wording for: College (sixth form or further education)\n" in out
    assert "College (College" not in out


def test_session_set_fixes_the_names_for_the_report_and_is_audited(capsys, session_path):
    code, out, _ = run(
        capsys, "session", "set", session_path, "--provider-name", "Hollins Park", "--assessor", "J Bloggs"
    )
    assert code == 0 and out.startswith("saved: provider name, assessor")
    code, out, _ = run(capsys, "session", "set", session_path, "--provider-type", "college")
    assert code == 0 and "session retriage" in out
    with Session.open(session_path) as s:
        assert (s.meta.provider_name, s.meta.assessor, s.provider_type) == (
            "Hollins Park",
            "J Bloggs",
            "college",
        )
        assert {"set_meta", "provider_type"} <= {r.action for r in s.audit_log()}
    code, out, _ = run(capsys, "report", session_path, "--format", "md", "--out", "-")
    assert "**Name of learning provider:** Hollins Park" in out and "J Bloggs" in out
    with pytest.raises(SystemExit) as stop:
        main(["session", "set", str(session_path), "--provider-type", "nursery"])
    assert stop.value.code == 2
    assert run(capsys, "session", "set", session_path)[0] == 2


def test_document_evidence_needs_its_document(capsys, session_path):
    code, _, err = run(capsys, "evidence", "add", session_path, "4.3", "--kind", "document", "--text", "x")
    assert code == 1 and "--kind document needs --doc" in err
    with Session.open(session_path) as s:
        assert s.manual_evidence("4.3") == []


def test_rating_a_code_without_evidence_says_it_does_not_count_yet(capsys, session_path):
    code, out, _ = run(capsys, "rate", session_path, "4.1", "fully_meeting")
    assert code == 0 and "no confirmed evidence yet" in out
    with Session.open(session_path) as s:
        sid = s.suggestions("1.2")[0].id
        s.decide(sid, "confirm")
    code, out, _ = run(capsys, "rate", session_path, "1.2", "fully_meeting")
    assert code == 0 and "no confirmed evidence" not in out


def test_markdown_report_keeps_the_unrated_asterisk_note_as_text(capsys, session_path):
    from markdown_it import MarkdownIt

    with Session.open(session_path) as s:
        s.decide(s.suggestions("1.2")[0].id, "confirm")  # evidenced, not rated: shown as ✓*
    code, out, _ = run(capsys, "report", session_path, "--format", "md", "--out", "-")
    assert code == 0 and "✓* " in out
    html = MarkdownIt().render(out)
    assert "<p>* Not rated by the assessor" in html
    assert "<li>Not rated by the assessor" not in html


def test_report_format_follows_the_out_file_name(capsys, session_path, tmp_path):
    # `triage report S -o report.docx` used to write HTML into a file named .docx.
    target = tmp_path / "report.docx"
    code, _, _ = run(capsys, "report", session_path, "--out", target)
    assert code == 0 and target.read_bytes()[:2] == b"PK"
    import docx

    assert any("Summary Grid" in p.text for p in docx.Document(str(target)).paragraphs)
    code, _, err = run(capsys, "report", session_path, "--format", "md", "--out", tmp_path / "r.docx")
    assert code == 2 and "does not match" in err and not (tmp_path / "r.docx").exists()
    code, _, _ = run(capsys, "report", session_path, "--out", tmp_path / "r.csv")
    assert code == 0 and (tmp_path / "r.csv").read_text(encoding="utf-8-sig").startswith("Codes,")
    # A name of a format the tool does not write is refused, not filled with HTML or Markdown.
    code, _, err = run(capsys, "report", session_path, "--out", tmp_path / "r.pdf")
    assert code == 2 and ".docx" in err and not (tmp_path / "r.pdf").exists()
    code, _, err = run(capsys, "request", session_path, "--out", tmp_path / "q.docx")
    assert code == 2 and ".md" in err and not (tmp_path / "q.docx").exists()
    code, _, err = run(capsys, "request", session_path, "--format", "md", "--out", tmp_path / "q.txt")
    assert code == 2 and "does not match" in err and not (tmp_path / "q.txt").exists()
    code, _, _ = run(capsys, "request", session_path, "--out", tmp_path / "q.txt")
    assert code == 0 and (tmp_path / "q.txt").read_text(encoding="utf-8").strip()


def test_evidence_doc_name_shared_by_two_files_asks_for_the_id(capsys, tmp_path):
    pack = tmp_path / "pack"
    for folder, text in (
        ("2024", "Governors reviewed careers in 2024."),
        ("2025", "Governors met the Careers Leader."),
    ):
        (pack / folder).mkdir(parents=True)
        (pack / folder / "minutes.txt").write_text(text + "\n", encoding="utf-8")
    target = tmp_path / "s.sqlite"
    assert run(capsys, "session", "new", pack, "--session", target, "--embedder", "hashing")[0] == 0
    code, _, err = run(
        capsys, "evidence", "add", target, "1.1", "--doc", "minutes.txt", "--text", "Governors"
    )
    assert code == 1 and "2 documents are named 'minutes.txt'" in err
    with Session.open(target) as s:
        doc = next(d for d in s.documents() if "2025" in d.path)
    quote = "Governors met the Careers Leader."
    code, _, err = run(capsys, "evidence", "add", target, "1.1", "--doc", doc.id[:12], "--text", quote)
    assert code == 0, err
    with Session.open(target) as s:
        ev = s.manual_evidence("1.1")[-1]
        assert ev.doc_id == doc.id and ev.text == quote
