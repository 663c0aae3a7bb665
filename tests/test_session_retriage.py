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
