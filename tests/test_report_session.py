"""Reports built from a real session: real files through the real parsers, a real SQLite file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from criteria_index import load_index
from triage.cli import main
from triage.ingest import ingest_pack
from triage.records import Chunk, MatchResult, Suggestion
from triage.report import FORMATS, build_report, render, render_request
from triage.report.hints import EVIDENCE_HINTS
from triage.session import Session

GENERATED = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)

PDF_PAGES = [
    [
        "Careers Leadership at Hill School",
        "Our Careers Leader, Ms Patel, is a member of the senior leadership team.",
        "She has two days a week and a budget of 4000 pounds for the careers programme.",
    ],
    [
        "Destinations",
        "Destinations data for Year 11 leavers is analysed every autumn by the Careers Leader.",
        "After the 2025 analysis we added apprenticeship talks because fewer students chose them.",
    ],
]
TXT = (
    "Labour market information\n\n"
    "Students use the local labour market dashboard in Year 9 tutor time and in options lessons.\n\n"
    "Parents\n\n"
    "We send a termly newsletter with links to careers websites.\n"
)
DOCX_PARAS = [
    "Employer encounters",
    "Every student in Years 7 to 11 meets at least one employer each year through talks and our careers fair.",
    "Enterprise day is run with local businesses in Year 8.",
]


def _write_pack(root: Path) -> Path:
    pack = root / "pack"
    pack.mkdir()
    c = canvas.Canvas(str(pack / "careers-policy.pdf"), pagesize=A4)
    for lines in PDF_PAGES:
        y = 780
        for line in lines:
            c.drawString(60, y, line)
            y -= 24
        c.showPage()
    c.save()
    (pack / "lmi-and-parents.txt").write_text(TXT, encoding="utf-8")
    d = docx.Document()
    for para in DOCX_PARAS:
        d.add_paragraph(para)
    d.save(str(pack / "encounters.docx"))
    return pack


def _chunks(documents) -> list[Chunk]:
    """One chunk per non-empty line block; keeps chunk.text == doc.text[start:end]."""
    out = []
    for doc in documents:
        for m in re.finditer(r"[^\n]+(?:\n[^\n]+)*", doc.text):
            start, end = m.start(), m.end()
            if len(m.group().split()) < 4:
                continue
            out.append(
                Chunk(
                    id=Chunk.make_id(doc.id, start, end),
                    doc_id=doc.id,
                    doc_name=doc.name,
                    start=start,
                    end=end,
                    text=doc.text[start:end],
                    page_start=doc.page_at(start),
                    page_end=doc.page_at(end - 1),
                    index=len(out),
                )
            )
    return out


def _find(chunks: list[Chunk], needle: str) -> Chunk:
    return next(c for c in chunks if needle in c.text)


# code -> (phrase in the chunk, rank)
PLAN = {
    "1.2": ("Careers Leader, Ms Patel", 1),
    "3.4": ("Destinations data for Year 11", 1),
    "2.1": ("labour market dashboard", 1),
    "2.2": ("termly newsletter", 1),
    "5.1": ("meets at least one employer", 1),
    "5.2": ("Enterprise day", 1),
    "1.6": ("Destinations data for Year 11", 1),
}


def make_session(tmp_path: Path) -> Session:
    """A reviewed session over a small real pack (also used for the visual check)."""
    pack = _write_pack(tmp_path)
    documents = ingest_pack(pack)
    assert {d.status for d in documents} <= {"ok", "warning"}
    chunks = _chunks(documents)
    index = load_index()
    suggestions = []
    for code, (needle, rank) in PLAN.items():
        ch = _find(chunks, needle)
        doc = next(d for d in documents if d.id == ch.doc_id)
        suggestions.append(
            Suggestion(
                code=code,
                chunk_id=ch.id,
                doc_id=ch.doc_id,
                doc_name=ch.doc_name,
                page=doc.page_at(ch.start),
                start=ch.start,
                end=ch.end,
                text=ch.text,
                score=0.8,
                rank=rank,
            )
        )
    evidenced = set(PLAN)
    result = MatchResult(
        provider_type="school",
        suggestions=tuple(suggestions),
        missing=tuple(c.code for c in index.codes if c.code not in evidenced),
        weak=(),
        best_score={s.code: s.score for s in suggestions},
        model_id="hashing-test",
        model_hash="0123abcd",
        criteria_version=index.version,
        threshold=0.5,
        weak_margin=0.05,
    )
    s = Session.create(
        tmp_path / "review.sqlite",
        pack_path=str(pack),
        provider_type="school",
        provider_name="Hill <School> & Sixth Form",
        assessor="A. Assessor",
    )
    s.record_triage(documents, chunks, result)
    by_code = {row.code: row for row in s.suggestions()}
    for code in ("1.2", "3.4", "2.1", "5.1"):
        s.decide(by_code[code].id, "confirm", who="assessor")
    s.decide(by_code["2.2"].id, "reject", note="information only", who="assessor")
    # 5.2 and 1.6 stay unreviewed: the report must be provisional.
    s.add_manual_evidence(
        "3.4",
        kind="learner_voice",
        text="Year 11 students said the apprenticeship talk changed their plans.",
        who="assessor",
    )
    marked = _find(chunks, "two days a week")
    s.add_manual_evidence(
        "8.2",
        kind="document",
        text=marked.text,
        doc_id=marked.doc_id,
        start=marked.start,
        end=marked.end,
        note="marked by hand",
        who="assessor",
    )
    s.rate("1.2", "fully_meeting", who="assessor")
    s.rate("3.4", "good_progress", who="assessor")
    s.override(
        8, "good_progress", "Guidance interviews seen on the visit for most of Year 11.", who="assessor"
    )
    return s


@pytest.fixture
def session(tmp_path):
    """A fresh session for tests that change it."""
    s = make_session(tmp_path)
    yield s
    s.close()


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One session for the tests that only read it."""
    s = make_session(tmp_path_factory.mktemp("report-session"))
    yield s
    s.close()


def _model(session):
    return build_report(session, generated_at=GENERATED)


def test_model_follows_the_assessment(shared):
    model = _model(shared)
    assessment = shared.assessment()
    assert model.overall == assessment.overall
    assert [s.outcome for s in model.sections] == [
        s.outcome for s in sorted(assessment.sections, key=lambda s: s.section)
    ]
    assert len(model.codes) == 32
    assert model.provisional and any("not yet reviewed" in r for r in model.provisional_reasons)
    missing = tuple(c.code for c in assessment.codes if c.status == "missing_evidence")
    assert model.missing == missing
    assert [i.code for i in model.evidence_request] == list(missing)
    assert all(i.documents == EVIDENCE_HINTS[i.code] for i in model.evidence_request)
    sec8 = model.sections[7]
    assert sec8.overridden and sec8.outcome == "good_progress"
    assert "Guidance interviews seen" in sec8.override_justification


def test_quotes_are_verbatim_with_the_right_document_and_page(shared):
    model = _model(shared)
    docs = {d.id: d for d in shared.documents()}
    chunks = {c.id: c for c in shared.chunks()}
    quotes = [q for c in model.codes for q in c.quotes]
    assert {q.suggestion_id for q in quotes} == {
        r.id for r in shared.suggestions() if r.decision == "confirmed"
    }
    for q in quotes:
        doc, chunk = docs[q.doc_id], chunks[q.chunk_id]
        assert doc.text[q.start : q.end] == q.text
        assert q.text in chunk.text
        assert chunk.page_start <= q.page <= chunk.page_end
        assert q.doc_name == doc.name
        assert len(q.text.split()) <= 40
    q34 = next(c for c in model.codes if c.code == "3.4").quotes[0]
    assert q34.doc_name == "careers-policy.pdf" and q34.page == 2
    q12 = next(c for c in model.codes if c.code == "1.2").quotes[0]
    assert q12.page == 1 and "Careers Leader" in q12.text
    manual = next(c for c in model.codes if c.code == "8.2").manual[0]
    assert manual.kind == "document" and manual.doc_name == "careers-policy.pdf" and manual.page == 1


def test_development_is_the_next_level_up(shared):
    model = _model(shared)
    index = load_index()
    for section in model.sections:
        expected = {"insufficient_progress": "good_progress", "good_progress": "fully_meeting"}.get(
            section.outcome
        )
        assert section.development_level == expected
        if expected:
            assert [d.text for d in section.development] == [
                d.text for d in index.section(section.number).descriptors[expected]
            ]
        else:
            assert section.development == ()


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.quotes: list[dict[str, str | None]] = []
        self.manifest: dict[str, str] = {}
        self.request_codes: list[str] = []
        self._row: str | None = None
        self._cell: str | None = None
        self._key: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and (a.get("data-section") or a.get("data-code")):
            self._row = a.get("data-section") or a.get("data-code")
            self.rows.setdefault(self._row, {})
        if tag == "td" and a.get("data-outcome") and self._row:
            self._cell = a["data-outcome"]
            self.rows[self._row][self._cell] = ""
        if tag == "td" and a.get("data-key"):
            self._key = a["data-key"]
        if tag == "p" and "quote" in (a.get("class") or ""):
            self.quotes.append(a)
        if tag == "li" and a.get("data-code"):
            self.request_codes.append(a["data-code"])

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = self._key = None
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._cell and self._row:
            self.rows[self._row][self._cell] += data.strip()
        if self._key:
            self.manifest[self._key] = self.manifest.get(self._key, "") + data


def test_html_grids_quotes_and_manifest_match_the_session(shared):
    model = _model(shared)
    page = render(model, "html").decode("utf-8")
    assert "Hill &lt;School&gt; &amp; Sixth Form" in page
    parser = _Cells()
    parser.feed(page)
    assessment = shared.assessment()
    for sec in assessment.sections:
        ticks = parser.rows[str(sec.section)]
        assert [k for k, v in ticks.items() if v] == [sec.outcome]
    for code in assessment.codes:
        marks = parser.rows[code.code]
        assert [k for k, v in marks.items() if v] == [code.level], code.code
    docs = {d.id: d for d in shared.documents()}
    assert len(parser.quotes) == sum(len(c.quotes) for c in model.codes) > 0
    for attrs in parser.quotes:
        doc = docs[attrs["data-doc-id"]]
        start, end = int(attrs["data-start"]), int(attrs["data-end"])
        assert doc.page_at(start) == int(attrs["data-page"])
        assert doc.text[start:end].strip()
    assert parser.manifest["Session id"] == shared.meta.id
    assert parser.manifest["Rules version"] == assessment.rules_version
    assert parser.manifest["Embedding model"] == "hashing-test"
    for d in docs.values():
        assert d.id in page
    assert parser.request_codes == list(model.missing)
    assert "Guidance interviews seen on the visit" in page


def test_docx_grids_quotes_and_manifest_match_the_session(shared, tmp_path):
    model = _model(shared)
    document = docx.Document(io.BytesIO(render(model, "docx")))
    assessment = shared.assessment()
    summary = next(t for t in document.tables if t.rows[0].cells[0].text == model.section_heading)
    index = load_index()
    for row, sec in zip(summary.rows[1:], sorted(assessment.sections, key=lambda s: s.section), strict=True):
        assert row.cells[0].text == f"{sec.section}. {index.section(sec.section).title}"
        assert [o.id for o, c in zip(model.outcomes, row.cells[1:], strict=True) if c.text == "✓"] == [
            sec.outcome
        ]
    grid = next(t for t in document.tables if t.rows[0].cells[0].text == "Codes")
    rows = {r.cells[0].text: r for r in grid.rows[1:] if re.fullmatch(r"\d\.\d", r.cells[0].text)}
    assert list(rows) == [c.code for c in index.codes]
    for code in assessment.codes:
        cells = rows[code.code].cells
        ticked = [o.id for o, c in zip(model.outcomes, cells[2:5], strict=True) if c.text.startswith("✓")]
        assert ticked == [code.level]
    destinations = rows["3.4"].cells[-1].text
    assert "(careers-policy.pdf, p. 2)" in destinations
    assert "Learner voice: Year 11 students said" in destinations
    text = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    for d in shared.documents():
        assert d.id in text
    assert shared.meta.id in text


def test_manifest_hashes_are_the_files_sha256(shared):
    model = _model(shared)
    pack = Path(shared.meta.pack_path)
    on_disk = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in pack.iterdir()}
    assert {f.name: f.sha256 for f in model.manifest.files} == on_disk
    assert model.manifest.session_id == shared.meta.id
    assert model.manifest.criteria_version == load_index().version


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_session_same_bytes(shared, fmt):
    first = render(build_report(shared, generated_at=GENERATED), fmt)
    second = render(build_report(shared, generated_at=GENERATED), fmt)
    assert first == second


def test_a_new_decision_changes_the_report(session):
    before = render(_model(session), "json")
    row = next(r for r in session.suggestions() if r.decision is None)
    session.decide(row.id, "confirm", who="assessor")
    after = render(_model(session), "json")
    assert before != after
    assert json.loads(after)["provisional"] is True  # 1.6/5.2 unrated now


def test_finished_review_is_not_provisional(session):
    for row in session.suggestions():
        if row.decision is None:
            session.decide(row.id, "reject", who="assessor")
    for code in session.assessment().codes:
        if code.status == "evidenced" and not code.rated:
            session.rate(code.code, "good_progress", who="assessor")
    model = _model(session)
    assert not model.provisional
    assert "PROVISIONAL" not in render(model, "html").decode()
    assert "PROVISIONAL" not in render(model, "md").decode()


def test_csv_rows_are_the_32_codes(shared):
    rows = list(csv.reader(io.StringIO(render(_model(shared), "csv").decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [c.code for c in load_index().codes]


def test_cli_report_and_request(shared, tmp_path, capsys):
    path = str(shared.path)
    out = tmp_path / "out" / "report.docx"
    assert main(["report", path, "--format", "docx", "--out", str(out)]) == 0
    assert docx.Document(str(out)).tables
    assert main(["report", path, "--format", "json", "--out", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["manifest"]["session_id"] == shared.meta.id
    assert main(["request", path, "--out", str(tmp_path / "req.txt")]) == 0
    request = (tmp_path / "req.txt").read_text(encoding="utf-8")
    assert "**" not in request and "3.1" in request  # 3.1 has no evidence
    assert render_request(_model(shared), "md").decode().count("What would show it") == len(
        _model(shared).missing
    )


def test_cli_missing_session_is_a_readable_error(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope.sqlite"), "--format", "md"]) == 1
    err = capsys.readouterr().err
    assert "no session at" in err and "Traceback" not in err


def test_coverage_picture_matches_code_status(shared):
    model = _model(shared)
    assessment = {c.code: c for c in shared.assessment().codes}

    def expected(code: str) -> str:
        c = assessment[code]
        return "missing_evidence" if c.status == "missing_evidence" else (c.level if c.rated else "unrated")

    page = render(model, "html").decode()
    cells = dict(re.findall(r'<td data-code="([\d.]+)" data-status="(\w+)" style="background:#', page))
    assert cells == {code: expected(code) for code in assessment}
    from triage.report.html_report import COVERAGE_COLOURS

    document = docx.Document(io.BytesIO(render(model, "docx")))
    coverage = next(t for t in document.tables if t.rows[0].cells[0].text == "Section")
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    seen = {}
    for row in coverage.rows[1:]:
        for cell in row.cells[1:]:
            code = cell.text.split("\n")[0]
            if code:
                fill = cell._tc.tcPr.find(f"{ns}shd").get(f"{ns}fill")
                seen[code] = fill
    assert seen == {code: COVERAGE_COLOURS[expected(code)].lstrip("#").upper() for code in assessment}


def test_only_accepted_key_evidence_drafts_reach_the_report(session):
    session.add_draft("key_evidence", "MODEL PROPOSAL not accepted", code="1.2", model="llm-x")
    session.add_draft(
        "accepted_key_evidence", "Named Careers Leader on the senior team.", code="1.2", model="llm-x"
    )
    model = _model(session)
    code = next(c for c in model.codes if c.code == "1.2")
    assert [d.text for d in code.drafts] == ["Named Careers Leader on the senior team."]
    for fmt in ("html", "md", "csv"):
        out = render(model, fmt).decode("utf-8-sig")
        assert "Named Careers Leader on the senior team." in out
        assert "MODEL PROPOSAL" not in out
    # Drafts never change the outcome.
    assert model.overall == session.assessment().overall


def test_gatsby_status_and_pending_reviews_are_shown(session):
    session.set_gatsby_status(3, "partially_met", who="assessor")
    model = _model(session)
    assert model.sections[2].gatsby_status == "partially_met"
    md = render(model, "md").decode()
    assert "Gatsby Benchmark 3 indicators, as recorded by the assessor: partially met." in md
    pending = [c.code for c in model.codes if c.unreviewed]
    assert pending == ["1.6", "5.2"]
    assert md.count("suggested passage awaiting review") == 2


def test_markdown_quotes_are_verbatim(shared):
    model = _model(shared)
    md = render(model, "md").decode()
    for code in model.codes:
        assert f"**{code.code}**" in md
        for q in code.quotes:
            assert q.text in md and f"({q.doc_name}, p. {q.page})" in md


def test_empty_session_still_reports_everything_missing(tmp_path):
    with Session.create(tmp_path / "empty.sqlite", pack_path="(none)", provider_type="college") as s:
        model = _model(s)
        assert model.missing == tuple(c.code for c in load_index().codes)
        assert model.overall == "insufficient_progress"
        assert model.manifest.files == ()
        # College wording of 5.1 is used for a college.
        assert "two meaningful encounters" in next(c for c in model.codes if c.code == "5.1").description
        for fmt in FORMATS:
            assert render(model, fmt)
