"""Every review-session command against a real SQLite file, in-process through triage.cli.main."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from test_session import PACK_V1, REPO, make_pack

from triage.cli import main
from triage.session import Session


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


def suggestions_json(capsys, path, *extra):
    code, out, _ = run(capsys, "suggestions", path, "--json", *extra)
    assert code == 0
    return json.loads(out)["suggestions"]


def outcome_json(capsys, path):
    code, out, _ = run(capsys, "outcome", path, "--json")
    assert code == 0
    return json.loads(out)


def test_suggestions_lists_and_filters(capsys, session_path):
    rows = suggestions_json(capsys, session_path)
    assert [r["code"] for r in rows] == ["1.2", "3.4", "5.1", "8.1", "8.2"]
    for r in rows:
        assert set(r) >= {"id", "code", "rank", "score", "doc", "page", "text", "decision"}
        assert r["decision"] is None
    (only,) = suggestions_json(capsys, session_path, "--code", "3.4")
    assert only["doc"] == "careers_plan.txt" and only["page"] == 2 and "destinations" in only["text"]
    code, out, _ = run(capsys, "suggestions", session_path, "--code", "3.4")
    assert code == 0 and "careers_plan.txt p.2" in out and "undecided" in out


def test_decide_undo_and_log(capsys, session_path):
    sid = suggestions_json(capsys, session_path, "--code", "1.2")[0]["id"]
    code, out, _ = run(capsys, "decide", session_path, sid, "confirm", "--note", "Careers Leader named")
    assert code == 0 and out.strip() == f"saved: suggestion {sid} confirmed for code 1.2"
    assert suggestions_json(capsys, session_path, "--code", "1.2")[0]["decision"] == "confirmed"
    code, out, _ = run(capsys, "undo", session_path, sid)
    assert code == 0 and "undecided again" in out
    assert suggestions_json(capsys, session_path, "--code", "1.2")[0]["decision"] is None
    code, out, _ = run(capsys, "log", session_path)
    assert code == 0
    lines = out.splitlines()
    assert [ln.split()[3] for ln in lines] == ["create", "triage", "decide", "undo"]
    code, out, _ = run(capsys, "log", session_path, "--json")
    assert json.loads(out)["audit_log"][2]["target"] == f"suggestion {sid}"


def test_decide_unknown_suggestion_is_a_user_error(capsys, session_path):
    code, _, err = run(capsys, "decide", session_path, 999, "confirm")
    assert code == 1 and "no suggestion 999" in err and "Traceback" not in err


def test_evidence_add_list_remove(capsys, session_path):
    code, out, _ = run(
        capsys,
        "evidence",
        "add",
        session_path,
        "8.2",
        "--kind",
        "learner_voice",
        "--text",
        "Year 11 focus group: everyone had a guidance interview.",
    )
    assert code == 0 and out.startswith("saved: evidence m:1 (learner_voice) for code 8.2")
    # A passage the assessor marks in a document: the text is taken from the offsets.
    code, out, _ = run(
        capsys, "evidence", "add", session_path, "1.2", "--doc", "careers_plan.txt", "--start", 0, "--end", 18
    )
    assert code == 0 and "m:2 (document)" in out
    code, out, _ = run(capsys, "evidence", "list", session_path, "--json")
    rows = json.loads(out)["evidence"]
    assert [(e["code"], e["kind"]) for e in rows] == [("1.2", "document"), ("8.2", "learner_voice")]
    assert rows[0]["text"] == "Our Careers Leader" and rows[0]["start"] == 0
    code, out, _ = run(capsys, "evidence", "remove", session_path, "m:1")
    assert code == 0
    code, out, _ = run(capsys, "evidence", "list", session_path)
    assert "m:2" in out and "m:1 " not in out
    code, _, err = run(
        capsys, "evidence", "add", session_path, "1.2", "--doc", "nope.pdf", "--start", 0, "--end", 3
    )
    assert code == 1 and "no document named 'nope.pdf'" in err
    code, _, err = run(
        capsys, "evidence", "add", session_path, "1.2", "--doc", "careers_plan.txt", "--start", 18, "--end", 3
    )
    assert code == 1 and "--end (3) must not come before --start (18)" in err
    # An unknown code is a usage error (exit 2), as in `triage criteria 9.9`.
    with pytest.raises(SystemExit) as stop:
        run(capsys, "evidence", "add", session_path, "9.9", "--kind", "other", "--text", "x")
    assert stop.value.code == 2 and "unknown code '9.9'" in capsys.readouterr().err


def test_rate_override_gatsby_and_outcome(capsys, session_path):
    # Confirm 1.2 and evidence everything else by hand, rate all fully meeting: overall fully meeting.
    sid = suggestions_json(capsys, session_path, "--code", "1.2")[0]["id"]
    assert run(capsys, "decide", session_path, sid, "confirm")[0] == 0
    for s in suggestions_json(capsys, session_path):
        if s["code"] != "1.2":
            assert run(capsys, "decide", session_path, s["id"], "reject")[0] == 0
    with Session.open(session_path) as s:
        for c in (x.code for x in s.assessment().codes):
            s.add_manual_evidence(c, kind="staff_interview", text=f"Interview notes for {c}")
            s.rate(c, "fully_meeting")
    result = outcome_json(capsys, session_path)
    assert result["overall"] == "fully_meeting" and result["provisional"] is False
    assert result["rules_version"] == "qic-2023.1"
    assert {c["code"]: c["status"] for c in result["codes"]}["1.2"] == "evidenced"

    code, out, _ = run(capsys, "rate", session_path, "6.1", "good_progress")
    assert code == 0 and "rated making good progress" in out
    assert outcome_json(capsys, session_path)["overall"] == "good_progress"

    code, out, _ = run(capsys, "gatsby", session_path, 4, "not_met")
    assert code == 0
    result = outcome_json(capsys, session_path)
    sec4 = next(s for s in result["sections"] if s["section"] == 4)
    assert sec4["outcome"] == "insufficient_progress" and any("Gatsby" in r for r in sec4["reasons"])
    assert result["overall"] == "insufficient_progress"

    code, _, err = run(capsys, "override", session_path, 4, "good_progress")
    assert code == 2 and "--why" in err
    code, out, _ = run(
        capsys,
        "override",
        session_path,
        4,
        "good_progress",
        "--why",
        "Compass data is a year old; current indicators seen on visit",
    )
    assert code == 0
    result = outcome_json(capsys, session_path)
    sec4 = next(s for s in result["sections"] if s["section"] == 4)
    assert (sec4["outcome"], sec4["computed"], sec4["overridden"]) == (
        "good_progress",
        "insufficient_progress",
        True,
    )
    assert result["overall"] == "good_progress"
    assert any(t["rule"] == "R5-override" for t in result["trace"])

    code, out, _ = run(capsys, "outcome", session_path)
    assert code == 0
    assert out.startswith("Overall: Achieving the Standard, making good progress")
    assert "Section 4. Linking curriculum learning to careers: making good progress (override)" in out

    assert run(capsys, "override", session_path, 4, "--clear")[0] == 0
    code, out, err = run(capsys, "override", session_path, 4, "--clear")  # nothing left to clear
    assert code == 0 and "no override" in out + err and "cleared" not in out + err
    with pytest.raises(SystemExit) as stop:
        run(capsys, "gatsby", session_path, 9, "none")
    assert stop.value.code == 2 and "Gatsby Benchmark number 1-8" in capsys.readouterr().err
    assert run(capsys, "gatsby", session_path, 4, "none")[0] == 0
    assert run(capsys, "rate", session_path, "6.1", "none")[0] == 0
    result = outcome_json(capsys, session_path)  # evidenced but unrated: good progress, provisional
    assert (result["overall"], result["provisional"]) == ("good_progress", True)
    assert run(capsys, "rate", session_path, "6.1", "fully_meeting")[0] == 0
    assert outcome_json(capsys, session_path)["overall"] == "fully_meeting"


def test_outcome_text_says_no_confirmed_evidence_not_missing(capsys, session_path):
    # Before any decision no code has confirmed evidence; "missing" is the matcher's flag, not this.
    code, out, _ = run(capsys, "outcome", session_path)
    codes = [line for line in out.splitlines() if line.strip().startswith(("codes:", "1.", "2.", "8."))]
    assert code == 0 and "1.1 no confirmed evidence" in out
    assert codes and not any("missing" in line for line in codes)


def test_session_info_and_bare_id(capsys, session_path, tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(tmp_path / "data"))
    with Session.create(None, pack_path="/p", provider_type="wbl") as s:
        sid, path = s.id, s.path
    code, out, _ = run(capsys, "session", "info", sid, "--json")
    assert code == 0
    info = json.loads(out)
    assert info["path"] == str(path) and info["provider_type"] == "wbl" and info["suggestions"] == 0
    code, out, _ = run(capsys, "session", "info", session_path)
    assert code == 0 and "suggestions" in out
    code, _, err = run(capsys, "outcome", tmp_path / "missing.sqlite")
    assert code == 1 and "no session at" in err
    code, _, err = run(capsys, "outcome", "20200101-000000-abcdef")  # an id from elsewhere
    assert code == 1 and str(tmp_path / "data") in err
    # With no SESSION, info says where sessions are saved and lists those there.
    code, out, _ = run(capsys, "session", "info", "--json")
    listing = json.loads(out)
    assert code == 0 and listing["sessions_dir"].startswith(str(tmp_path / "data"))
    assert listing["sessions"] == [str(path)]
    code, out, _ = run(capsys, "session", "info")
    assert code == 0 and sid in out and "sessions are saved in" in out


HOLDER = textwrap.dedent("""
    import sys
    from triage.session import Session
    s = Session.open(sys.argv[1])
    print("open", flush=True)
    sys.stdin.readline()
""")


def test_commands_while_another_process_has_the_session(capsys, session_path):
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(session_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert proc.stdout.readline().strip() == "open"
        code, out, err = run(capsys, "suggestions", session_path, "--json")
        assert code == 0 and "opened read-only" in err and len(json.loads(out)["suggestions"]) == 5
        code, out, err = run(capsys, "outcome", session_path)
        assert code == 0 and "opened read-only" in err
        code, out, err = run(capsys, "rate", session_path, "1.1", "good_progress")
        assert code == 1 and "another process" in err and "refused" in err
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    with Session.open(session_path) as s:
        assert s.ratings() == {}


def test_session_new_runs_the_pipeline_into_a_new_session(capsys, tmp_path, sample_pack):
    pytest.importorskip("triage.pipeline", reason="triage.pipeline (issue 4) not merged yet")
    target = tmp_path / "new.sqlite"
    code, out, err = run(
        capsys,
        "session",
        "new",
        sample_pack / "docs",
        "--provider-type",
        "school",
        "--session",
        target,
        "--provider-name",
        "Northfield Academy",
        "--embedder",
        "hashing",
    )
    assert code == 0, err
    assert out.strip() == str(target)
    with Session.open(target) as s:
        assert s.meta.provider_name == "Northfield Academy"
        assert s.meta.model_id == "hashing-bow-256"
        assert len(s.documents()) >= 2 and s.suggestions()
        for ch in s.chunks()[:50]:
            assert ch.text == s.document(ch.doc_id).text[ch.start : ch.end]
    code, _, err = run(capsys, "session", "new", sample_pack / "docs", "--session", target)
    assert code == 1 and "already exists" in err


def test_session_retriage_after_the_pack_changed(capsys, tmp_path, sample_pack):
    pytest.importorskip("triage.pipeline", reason="triage.pipeline (issue 4) not merged yet")
    import shutil

    pack = tmp_path / "pack"
    shutil.copytree(sample_pack / "docs", pack)
    target = tmp_path / "s.sqlite"
    assert run(capsys, "session", "new", pack, "--session", target, "--embedder", "hashing")[0] == 0
    with Session.open(target) as s:
        rows = s.suggestions()
        for row in rows[:10]:
            s.decide(row.id, "confirm")
        decided = {r.id for r in rows[:10]}
        victim = rows[0].doc_name
    # Drop one document: its decided suggestions retire, the others keep their decisions.
    (pack / victim).unlink()
    code, out, err = run(capsys, "session", "retriage", target, "--embedder", "hashing")
    assert code == 0, err
    assert out.startswith("saved: re-triaged")
    with Session.open(target) as s:
        now = {r.id: r for r in s.suggestions()}
        for sid in decided:
            if sid in now:
                assert now[sid].decision == "confirmed"
        assert all(r.doc_name != victim for r in now.values())
        assert any(r.action == "retriage" for r in s.audit_log())
