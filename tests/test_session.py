"""The review session store against a real SQLite file: durability, audit, locking, migration,
re-triage. Records are built directly (no model is loaded)."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from triage.records import Chunk, Document, MatchResult, Page, Suggestion
from triage.session import SCHEMA_VERSION, Session, SessionError, SessionLocked, SessionReadOnly
from triage.session.schema import MIGRATIONS, _split

REPO = Path(__file__).resolve().parent.parent


def make_pack(files: dict[str, list[tuple[str, tuple[str, ...]]]], *, model_id: str = "hashing-bow-256"):
    """Documents, chunks and a MatchResult from {file name: [(paragraph, codes it is suggested for)]}.

    Each paragraph becomes one chunk; offsets are real offsets into the document text, and each
    paragraph sits on its own page so page numbers are meaningful.
    """
    documents, chunks, suggestions = [], [], []
    per_code: dict[str, int] = {}
    for name, paragraphs in files.items():
        text = "\n\n".join(p for p, _ in paragraphs)
        doc_id = hashlib.sha256(f"{name}\0{text}".encode()).hexdigest()
        pages, offset = [], 0
        spans = []
        for i, (para, codes) in enumerate(paragraphs):
            start = text.index(para, offset)
            end = start + len(para)
            pages.append(Page(i + 1, start, end))
            spans.append((start, end, codes))
            offset = end
        doc = Document(
            id=doc_id,
            name=name,
            path=f"/pack/{name}",
            type="txt",
            status="ok",
            text=text,
            pages=tuple(pages),
            size_bytes=len(text.encode()),
        )
        documents.append(doc)
        for i, (start, end, codes) in enumerate(spans):
            ch = Chunk(
                id=Chunk.make_id(doc_id, start, end),
                doc_id=doc_id,
                doc_name=name,
                start=start,
                end=end,
                text=text[start:end],
                page_start=i + 1,
                page_end=i + 1,
                heading_path=(name,),
                index=i,
            )
            chunks.append(ch)
            for code in codes:
                per_code[code] = per_code.get(code, 0) + 1
                suggestions.append(
                    Suggestion(
                        code=code,
                        chunk_id=ch.id,
                        doc_id=doc_id,
                        doc_name=name,
                        page=i + 1,
                        start=start,
                        end=end,
                        text=ch.text,
                        score=0.9 - 0.1 * per_code[code],
                        rank=per_code[code],
                        signals={"dense": 0.5},
                    )
                )
    result = MatchResult(
        provider_type="school",
        suggestions=tuple(suggestions),
        missing=(),
        weak=(),
        best_score={s.code: s.score for s in suggestions if s.rank == 1},
        model_id=model_id,
        model_hash="none",
        criteria_version="qic-2023.1",
        threshold=0.5,
        weak_margin=0.1,
    )
    return documents, chunks, result


PLAN = "Our Careers Leader, Ms Patel, reports to the senior leadership team and leads the careers programme."
DESTINATIONS = "We analyse Key Stage 4 destinations data every autumn and adjust the programme."
ENCOUNTERS = "Every learner in Years 7 to 11 meets at least one employer each year."
GUIDANCE = "All Year 11 learners have a guidance interview with a Level 6 qualified adviser."

PACK_V1 = {
    "careers_plan.txt": [(PLAN, ("1.2",)), (DESTINATIONS, ("3.4",))],
    "employers.txt": [(ENCOUNTERS, ("5.1",)), (GUIDANCE, ("8.2", "8.1"))],
}


@pytest.fixture
def session(tmp_path):
    s = Session.create(
        tmp_path / "review.sqlite",
        pack_path="/pack",
        provider_type="school",
        provider_name="Hollins Park",
        assessor="A. Assessor",
    )
    docs, chunks, result = make_pack(PACK_V1)
    s.record_triage(docs, chunks, result)
    yield s
    s.close()


def by_code(s: Session, code: str):
    (row,) = s.suggestions(code)
    return row


# ---- creating, storing and reading back ------------------------------------------------------


def test_create_stores_meta_documents_chunks_and_suggestions(session):
    m = session.meta
    assert (m.provider_type, m.provider_name, m.assessor, m.pack_path) == (
        "school",
        "Hollins Park",
        "A. Assessor",
        "/pack",
    )
    assert m.model_id == "hashing-bow-256" and m.criteria_version == "qic-2023.1" and m.rules_version
    docs = session.documents()
    assert [d.name for d in docs] == ["careers_plan.txt", "employers.txt"]
    assert docs[0].pages[1].number == 2 and docs[0].text.startswith("Our Careers Leader")
    for ch in session.chunks():
        assert ch.text == session.document(ch.doc_id).text[ch.start : ch.end]
    rows = session.suggestions()
    assert [r.code for r in rows] == ["1.2", "3.4", "5.1", "8.1", "8.2"]
    assert by_code(session, "3.4").text == DESTINATIONS and by_code(session, "3.4").page == 2
    assert all(r.decision is None and not r.needs_review for r in rows)
    assert session.match_summary()["threshold"] == 0.5


def test_default_path_is_under_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(tmp_path / "data"))
    with Session.create(None, pack_path="/p", provider_type="college") as s:
        assert s.path == tmp_path / "data" / "sessions" / f"{s.id}.sqlite"
        assert s.path.is_file()


def test_sqlite_is_configured_for_durability(session):
    conn = session._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_every_write_is_visible_to_another_connection_at_once(session):
    row = by_code(session, "1.2")
    session.decide(row.id, "confirm", note="named Careers Leader")
    session.rate("1.2", "good_progress")
    session.add_manual_evidence("5.1", kind="learner_voice", text="Year 9 said the employer talk helped.")
    session.override(2, "good_progress", "CLMI visible on the website")
    session.set_gatsby_status(4, "partially_met")
    other = sqlite3.connect(session.path)  # a separate connection sees only what was committed
    assert other.execute(
        "SELECT decision, note FROM decisions WHERE suggestion_id = ?", (row.id,)
    ).fetchone() == ("confirmed", "named Careers Leader")
    assert other.execute("SELECT level FROM ratings WHERE code = '1.2'").fetchone() == ("good_progress",)
    assert other.execute("SELECT count(*) FROM manual_evidence").fetchone() == (1,)
    assert other.execute("SELECT outcome FROM overrides WHERE section = 2").fetchone() == ("good_progress",)
    assert other.execute("SELECT status FROM gatsby_status WHERE benchmark = 4").fetchone() == (
        "partially_met",
    )
    other.close()


def test_decisions_undo_and_the_audit_log(session):
    row = by_code(session, "3.4")
    session.decide(row.id, "confirm", who="assessor1")
    session.decide(row.id, "reject", note="only KS4, no KS5 analysis", who="assessor1")
    assert session.suggestion(row.id).decision == "rejected"
    assert session.suggestion(row.id).note == "only KS4, no KS5 analysis"
    session.undo_decision(row.id, who="assessor2")
    assert session.suggestion(row.id).decision is None
    log = [r for r in session.audit_log() if r.target == f"suggestion {row.id}"]
    assert [r.action for r in log] == ["decide", "decide", "undo"]
    assert '"confirmed"' in log[0].new and '"confirmed"' in log[1].old and '"rejected"' in log[1].new
    assert log[2].who == "assessor2" and '"rejected"' in log[2].old and log[2].new is None
    assert [r.action for r in session.audit_log()][:2] == ["create", "triage"]


def test_who_defaults_to_the_os_user(session):
    import getpass

    session.rate("2.1", "good_progress")
    assert session.audit_log()[-1].who == getpass.getuser()


def test_audit_log_is_append_only(session):
    session.rate("2.1", "fully_meeting")
    conn = sqlite3.connect(session.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit_log SET who = 'someone else'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit_log")
    conn.close()
    assert len(session.audit_log()) == 3


def test_manual_evidence_ratings_overrides_gatsby_and_drafts(session):
    doc = session.documents()[0]
    eid = session.add_manual_evidence(
        "3.4", kind="document", text=doc.text[0:20], doc_id=doc.id, start=0, end=20
    )
    lv = session.add_manual_evidence("3.4", kind="learner_voice", text="Students knew their destinations.")
    assert [e.id for e in session.manual_evidence("3.4")] == [eid, lv]
    session.remove_manual_evidence(eid)
    assert [e.kind for e in session.manual_evidence()] == ["learner_voice"]
    with pytest.raises(ValueError, match="kind"):
        session.add_manual_evidence("3.4", kind="rumour", text="x")
    with pytest.raises(ValueError, match="unknown code"):
        session.add_manual_evidence("9.9", kind="other", text="x")
    with pytest.raises(ValueError, match="past the end"):
        session.add_manual_evidence("3.4", kind="document", text="x", doc_id=doc.id, start=0, end=10**6)

    session.rate("3.4", "fully_meeting")
    session.rate("3.4", None)
    assert session.ratings() == {}
    with pytest.raises(ValueError):
        session.rate("3.4", "excellent")

    with pytest.raises(ValueError, match="justification"):
        session.override(3, "good_progress", "   ")
    session.override(3, "good_progress", "Best fit: destinations work is new but robust")
    assert session.overrides() == {3: ("good_progress", "Best fit: destinations work is new but robust")}
    session.clear_override(3)
    assert session.overrides() == {}

    session.set_gatsby_status(3, "fully_met")
    assert session.gatsby_status() == {3: "fully_met"}
    with pytest.raises(ValueError):
        session.set_gatsby_status(9, "fully_met")

    d = session.add_draft("rationale", "LLM draft: strong evidence for 3.4", code="3.4", model="local-llm")
    assert [x.id for x in session.drafts("3.4")] == [d]
    session.set_provider_type("special_school")
    assert session.provider_type == "special_school"
    actions = [r.action for r in session.audit_log()]
    for action in (
        "evidence_add",
        "evidence_remove",
        "rate",
        "override",
        "override_clear",
        "gatsby",
        "draft",
        "provider_type",
    ):
        assert action in actions


def test_the_database_refuses_an_override_without_justification(session):
    conn = sqlite3.connect(session.path)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO overrides VALUES (1, 'good_progress', '  ', 'x', 'now')")
    conn.close()


def test_rules_input_and_assessment_read_only_confirmed_evidence(session):
    confirmed, rejected = by_code(session, "1.2"), by_code(session, "8.2")
    session.decide(confirmed.id, "confirm")
    session.decide(rejected.id, "reject")
    mid = session.add_manual_evidence("8.2", kind="learner_voice", text="I had my interview in Year 11.")
    session.rate("5.1", "fully_meeting")  # rated but not evidenced: R1 applies
    before = session.assessment()
    # LLM drafts and decision notes never reach the rules.
    session.add_draft("rationale", "the LLM thinks 5.1 is fully meeting", code="5.1")
    session.add_draft(
        "evidence", "5.1 evidence: employer fair", code="5.1", suggestion_id=by_code(session, "5.1").id
    )
    assert session.assessment() == before
    inputs = session.rules_input()
    assert inputs.evidence == {"1.2": (f"s:{confirmed.id}",), "8.2": (f"m:{mid}",)}
    assert inputs.ratings == {"5.1": "fully_meeting"}
    assert inputs.unreviewed == 3  # 3.4, 5.1 and 8.1 not yet decided
    a = session.assessment()
    codes = {c.code: c for c in a.codes}
    assert codes["1.2"].evidence_ids == (f"s:{confirmed.id}",)
    assert codes["5.1"].status == "missing_evidence"
    assert a.overall == "insufficient_progress" and a.provisional


# ---- locking and read-only -----------------------------------------------------------------


def test_second_read_write_open_is_locked_and_read_only_works(session):
    session.rate("1.1", "good_progress")
    with pytest.raises(SessionLocked, match="another process"):
        Session.open(session.path)
    with Session.open(session.path, read_only=True) as ro:
        assert ro.read_only and ro.ratings() == {"1.1": "good_progress"}
        with pytest.raises(SessionReadOnly):
            ro.rate("1.1", "fully_meeting")
        session.rate("1.3", "fully_meeting")  # the writer carries on; the reader sees it
        assert ro.ratings()["1.3"] == "fully_meeting"
    session.close()
    with Session.open(session.path) as again:
        assert again.ratings() == {"1.1": "good_progress", "1.3": "fully_meeting"}


HOLDER = textwrap.dedent("""
    import sys
    from triage.session import Session
    s = Session.open(sys.argv[1])
    s.rate("2.2", "good_progress", who="process-a")
    print("open", flush=True)
    sys.stdin.readline()
    s.close()
""")


def test_two_processes_at_once(session):
    path = session.path
    session.close()
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert proc.stdout.readline().strip() == "open"
        with pytest.raises(SessionLocked):
            Session.open(path)
        with Session.open(path, read_only=True) as ro:
            assert ro.ratings() == {"2.2": "good_progress"}
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    assert proc.returncode == 0
    with Session.open(path) as s:  # the lock goes with the process
        s.rate("2.2", "fully_meeting")
        assert s.integrity_check() == "ok"


# ---- crash safety ----------------------------------------------------------------------------


WORKER = textwrap.dedent("""
    import sys
    from triage.session import Session
    s = Session.open(sys.argv[1])
    rows = s.suggestions()
    n = 0
    while True:  # keep reviewing until killed
        for row in rows:
            n += 1
            s.decide(row.id, "confirm" if n % 2 else "reject", note=f"pass {n}")
            print(f"saved {row.id} {n}", flush=True)
""")


def test_sigkill_mid_review_loses_nothing_reported_saved(session):
    path = session.path
    session.close()
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(path)], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    saved: dict[int, int] = {}
    try:
        for _ in range(12):  # kill it a dozen decisions in, while it is still writing
            line = proc.stdout.readline()
            assert line, "worker died before being killed"
            _, sid, n = line.split()
            saved[int(sid)] = int(n)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with Session.open(path) as s:
        assert s.integrity_check() == "ok"
        for sid, n in saved.items():
            row = s.suggestion(sid)
            # The last pass reported for this suggestion, or a later one the worker saved before dying.
            assert row.decision is not None
            assert int(row.note.split()[-1]) >= n
        logged = {r.target for r in s.audit_log() if r.action == "decide"}
        assert {f"suggestion {sid}" for sid in saved} <= logged


# ---- schema versions -------------------------------------------------------------------------


def test_opening_an_older_schema_migrates_it(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in _split(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO meta VALUES ('id', 'old-session'), ('provider_type', 'college')")
    conn.execute("INSERT INTO ratings VALUES ('4.1', 'good_progress', 'x', 'then')")
    conn.close()
    with pytest.raises(SessionError, match="older schema"):
        Session.open(path, read_only=True)
    with Session.open(path) as s:
        assert s.id == "old-session" and s.ratings() == {"4.1": "good_progress"}
        version = s._conn.execute("PRAGMA user_version").fetchone()[0]
        indexes = {r[0] for r in s._conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert version == SCHEMA_VERSION
    assert "suggestions_by_code" in indexes


def test_files_that_are_not_sessions_are_refused(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database, just text " * 100)
    with pytest.raises(SessionError, match="not a readable triage session"):
        Session.open(junk)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(SessionError, match="not a triage session"):
        Session.open(other)
    assert sqlite3.connect(other).execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]
    newer = tmp_path / "newer.sqlite"
    c = sqlite3.connect(newer)
    c.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    c.close()
    with pytest.raises(SessionError, match="newer version"):
        Session.open(newer)
    with pytest.raises(SessionError, match="no session file"):
        Session.open(tmp_path / "missing.sqlite")


def test_create_refuses_to_overwrite(session):
    with pytest.raises(SessionError, match="already exists"):
        Session.create(session.path, pack_path="/p", provider_type="school")


# ---- re-triage -------------------------------------------------------------------------------


def test_retriage_keeps_unchanged_passages_and_flags_changed_ones(session):
    plan, dest, enc, guid = (by_code(session, c) for c in ("1.2", "3.4", "5.1", "8.2"))
    session.decide(plan.id, "confirm")
    session.decide(dest.id, "confirm")
    session.decide(enc.id, "reject")
    session.decide(guid.id, "confirm")

    changed_dest = DESTINATIONS.replace("Key Stage 4", "Key Stage 4 and 5")
    new_para = "Parents receive a termly labour market newsletter."
    pack_v2 = {
        # A new paragraph first moves every offset in this file; the plan's text is unchanged.
        "careers_plan.txt": [(new_para, ("2.2",)), (PLAN, ("1.2",)), (changed_dest, ("3.4",))],
        "employers.txt": [(ENCOUNTERS, ("5.1",))],  # the guidance paragraph was deleted
    }
    docs, chunks, result = make_pack(pack_v2)
    summary = session.retriage(docs, chunks, result)
    assert (summary.kept, summary.new, summary.retired) == (2, 2, 3)

    kept_plan = by_code(session, "1.2")
    assert (kept_plan.id, kept_plan.decision, kept_plan.needs_review) == (plan.id, "confirmed", False)
    assert kept_plan.start == len(new_para) + 2  # moved with the file
    assert by_code(session, "5.1").decision == "rejected"
    new_dest = by_code(session, "3.4")
    assert new_dest.id != dest.id and new_dest.decision is None and new_dest.needs_review
    assert by_code(session, "2.2").needs_review
    assert session.suggestions("8.2") == []
    retired = [r for r in session.suggestions(include_retired=True) if not r.active]
    assert {r.id for r in retired} == {dest.id, guid.id, by_code_retired(retired, "8.1")}

    inputs = session.rules_input()
    assert inputs.evidence == {"1.2": (f"s:{plan.id}",)}  # the changed/removed confirmations no longer count
    session.decide(new_dest.id, "confirm")
    assert not session.suggestion(new_dest.id).needs_review

    log = session.audit_log()
    assert any(r.action == "retriage" for r in log)
    assert {r.target for r in log if r.action == "retire"} == {
        f"suggestion {dest.id}",
        f"suggestion {guid.id}",
    }
    for ch in session.chunks():
        assert ch.text == session.document(ch.doc_id).text[ch.start : ch.end]


def by_code_retired(rows, code):
    return next(r.id for r in rows if r.code == code)


def test_a_decided_passage_still_in_the_pack_keeps_its_decision_when_no_longer_ranked(session):
    plan = by_code(session, "1.2")
    session.decide(plan.id, "confirm")
    docs, chunks, result = make_pack({**PACK_V1, "careers_plan.txt": [(PLAN, ()), (DESTINATIONS, ("3.4",))]})
    session.retriage(docs, chunks, result)
    assert by_code(session, "1.2").decision == "confirmed"
    assert session.rules_input().evidence == {"1.2": (f"s:{plan.id}",)}


def test_decide_on_unknown_or_retired_suggestion_is_an_error(session):
    with pytest.raises(KeyError):
        session.decide(9999, "confirm")
    with pytest.raises(ValueError):
        session.decide(by_code(session, "1.2").id, "maybe")


def test_writes_from_several_threads_are_serialised(session):
    # The review UI writes from worker threads; every write must land, each with its audit row.
    import threading

    codes = ["1.1", "2.1", "4.1", "6.1"]
    errors: list[BaseException] = []

    def work(code: str) -> None:
        try:
            for i in range(15):
                session.rate(code, ("good_progress", "fully_meeting")[i % 2])
                session.add_manual_evidence(code, kind="observation", text=f"visit note {i}")
        except BaseException as exc:  # surfaced below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in codes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert session.ratings() == dict.fromkeys(codes, "good_progress")
    assert len(session.manual_evidence()) == 60
    actions = [r.action for r in session.audit_log()]
    assert actions.count("rate") == 60 and actions.count("evidence_add") == 60
    assert session.integrity_check() == "ok"
