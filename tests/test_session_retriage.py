"""Re-triage of a changed pack through the real loaders and chunker: decisions on passages whose
text is unchanged survive, changed passages come back as needing review."""

from __future__ import annotations

from pathlib import Path

import docx

from triage.chunking import chunk_documents
from triage.ingest import ingest_pack
from triage.records import MatchResult, Suggestion
from triage.session import Session

LEADER = (
    "Our Careers Leader is a member of the senior leadership team and has two days each week for the role. "
    "She plans the careers programme with the governor responsible for careers, reports to the governing body "
    "every term and has completed the funded Careers Leader training course with a local university this year."
)
DESTINATIONS = (
    "Every autumn the careers team analyses destinations data for the previous Year 11 cohort, comparing "
    "sustained destinations for disadvantaged learners with their peers. The findings are presented to senior "
    "leaders and used to change the programme, for example by adding apprenticeship talks for Year 10 groups."
)
DESTINATIONS_V2 = DESTINATIONS.replace("previous Year 11 cohort", "previous Year 11 and Year 13 cohorts")
EMPLOYERS = (
    "Each learner in Years 7 to 11 meets at least one employer every year through our careers fair, subject "
    "lessons with visiting speakers and mock interviews. Learners prepare questions beforehand and reflect on "
    "what they learned afterwards in their tutor time, and employers give feedback on every event we run."
)

KEYWORDS = {"Careers Leader": "1.2", "destinations data": "3.4", "employer": "5.1"}


def write_pack(folder: Path, destinations: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "careers_policy.md").write_text(
        f"# Careers policy\n\n## Leadership\n\n{LEADER}\n\n## Destinations\n\n{destinations}\n",
        encoding="utf-8",
    )
    d = docx.Document()
    d.add_heading("Employer engagement", level=1)
    d.add_paragraph(EMPLOYERS)
    d.save(folder / "employers.docx")


def triage(folder: Path):
    """Real ingest and chunking; the 'matcher' suggests a chunk for a code when it names its keyword."""
    docs = ingest_pack([folder])
    chunks = chunk_documents(docs)
    suggestions = []
    by_id = {d.id: d for d in docs}
    for keyword, code in KEYWORDS.items():
        hits = [c for c in chunks if keyword in c.text]
        for rank, ch in enumerate(hits, start=1):
            suggestions.append(
                Suggestion(
                    code=code,
                    chunk_id=ch.id,
                    doc_id=ch.doc_id,
                    doc_name=ch.doc_name,
                    page=by_id[ch.doc_id].page_at(ch.start),
                    start=ch.start,
                    end=ch.end,
                    text=ch.text,
                    score=0.8,
                    rank=rank,
                )
            )
    result = MatchResult(
        provider_type="school",
        suggestions=tuple(suggestions),
        missing=(),
        weak=(),
        best_score={},
        model_id="keyword-test",
        model_hash="none",
        criteria_version="qic-2023.1",
        threshold=0.5,
        weak_margin=0.1,
    )
    return docs, chunks, result


def only(s: Session, code: str):
    rows = s.suggestions(code)
    assert len(rows) == 1, rows
    return rows[0]


def test_retriage_of_a_changed_pack_keeps_unchanged_decisions(tmp_path):
    pack = tmp_path / "pack"
    write_pack(pack, DESTINATIONS)
    with Session.create(tmp_path / "s.sqlite", pack_path=str(pack), provider_type="school") as s:
        docs, chunks, result = triage(pack)
        assert {d.status for d in docs} == {"ok"}
        s.record_triage(docs, chunks, result)
        leader, dest, emp = only(s, "1.2"), only(s, "3.4"), only(s, "5.1")
        assert LEADER in leader.text and DESTINATIONS in dest.text and EMPLOYERS in emp.text
        s.decide(leader.id, "confirm")
        s.decide(dest.id, "confirm", note="KS4 only")
        s.decide(emp.id, "reject")

        # The provider edits one paragraph of the policy; the Word file is untouched.
        write_pack(pack, DESTINATIONS_V2)
        docs2, chunks2, result2 = triage(pack)
        policy_ids = {d.name: d.id for d in docs}, {d.name: d.id for d in docs2}
        assert policy_ids[0]["careers_policy.md"] != policy_ids[1]["careers_policy.md"]
        summary = s.retriage(docs2, chunks2, result2)

        assert (summary.kept, summary.new, summary.retired) == (2, 1, 1)
        kept = only(s, "1.2")
        assert (kept.id, kept.decision, kept.needs_review) == (leader.id, "confirmed", False)
        assert kept.doc_id == policy_ids[1]["careers_policy.md"]  # now points into the new file
        assert only(s, "5.1").decision == "rejected"
        changed = only(s, "3.4")
        assert changed.id != dest.id and changed.decision is None and changed.needs_review
        assert "Year 13" in changed.text
        assert s.rules_input().evidence == {"1.2": (f"s:{leader.id}",)}
        retriage_rows = [r for r in s.audit_log() if r.action in ("retriage", "retire")]
        assert [r.action for r in retriage_rows] == ["retire", "retriage"]
        for ch in s.chunks():
            assert ch.text == s.document(ch.doc_id).text[ch.start : ch.end]


def test_retriage_of_an_identical_pack_changes_nothing(tmp_path):
    pack = tmp_path / "pack"
    write_pack(pack, DESTINATIONS)
    with Session.create(tmp_path / "s.sqlite", pack_path=str(pack), provider_type="school") as s:
        s.record_triage(*triage(pack))
        for row in s.suggestions():
            s.decide(row.id, "confirm")
        before = s.suggestions()
        summary = s.retriage(*triage(pack))
        assert (summary.new, summary.retired, summary.kept_decided) == (0, 0, len(before))
        assert s.suggestions() == before


def test_retriage_names_decisions_that_stop_counting_and_restores_them_when_the_file_returns(tmp_path):
    # A confirmed passage whose file left the pack used to vanish from the outcome with only
    # "1 with decisions kept" printed; and putting the file back did not bring the decision back.
    pack = tmp_path / "pack"
    write_pack(pack, DESTINATIONS)
    with Session.create(tmp_path / "s.sqlite", pack_path=str(pack), provider_type="school") as s:
        s.record_triage(*triage(pack))
        emp = only(s, "5.1")
        s.decide(emp.id, "confirm", note="fair and mock interviews")
        s.decide(only(s, "1.2").id, "confirm")

        (pack / "employers.docx").rename(tmp_path / "employers.docx")
        summary = s.retriage(*triage(pack))
        assert summary.lost_decisions == ((emp.id, "5.1", "confirmed"),)
        assert s.suggestions("5.1") == [] and "5.1" not in s.rules_input().evidence

        (tmp_path / "employers.docx").rename(pack / "employers.docx")
        summary = s.retriage(*triage(pack))
        assert summary.lost_decisions == ()
        back = only(s, "5.1")
        assert (back.id, back.decision, back.note) == (emp.id, "confirmed", "fair and mock interviews")
        assert s.rules_input().evidence["5.1"] == (f"s:{emp.id}",)
        # Still retired decisions are not retired (or audited) a second time.
        summary = s.retriage(*triage(pack))
        assert (summary.retired, summary.lost_decisions) == (0, ())
        actions = [r.action for r in s.audit_log()]
        assert actions.count("retire") == 1 and actions.count("restore") == 1


def test_session_retriage_command_warns_about_lost_decisions(tmp_path, capsys, monkeypatch):
    from triage import pipeline
    from triage.cli import main

    pack = tmp_path / "pack"
    write_pack(pack, DESTINATIONS)
    path = tmp_path / "s.sqlite"
    with Session.create(path, pack_path=str(pack), provider_type="school") as s:
        s.record_triage(*triage(pack))
        emp_id = only(s, "5.1").id
        s.decide(emp_id, "confirm")

    class Triaged:
        def __init__(self, docs, chunks, result):
            self.documents, self.chunks, self.result = docs, chunks, result

    # The keyword 'matcher' above stands in for the real one; ingest and chunking stay real.
    monkeypatch.setattr(pipeline, "triage_pack", lambda inputs, **kw: Triaged(*triage(Path(inputs[0]))))
    (pack / "employers.docx").unlink()
    assert main(["session", "retriage", str(path)]) == 0
    err = capsys.readouterr().err
    assert "1 decision(s) no longer count" in err
    assert f"suggestion {emp_id} for code 5.1 (was confirmed)" in err


def test_changing_a_decision_without_a_note_keeps_the_note(tmp_path):
    # The review UI's confirm/reject keys call decide() without a note; they used to wipe it.
    pack = tmp_path / "pack"
    write_pack(pack, DESTINATIONS)
    with Session.create(tmp_path / "s.sqlite", pack_path=str(pack), provider_type="school") as s:
        s.record_triage(*triage(pack))
        sid = only(s, "3.4").id
        s.decide(sid, "reject", note="KS4 only, no KS5")
        s.decide(sid, "confirm")
        assert (s.suggestion(sid).decision, s.suggestion(sid).note) == ("confirmed", "KS4 only, no KS5")
        s.decide(sid, "confirm", note="")
        assert s.suggestion(sid).note == ""
