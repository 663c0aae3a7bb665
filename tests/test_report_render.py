"""Renderers from a hand-built ReportModel: every format, escaping, determinism, quotes."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import replace
from html.parser import HTMLParser

import docx
import pytest

from triage.report import FORMATS, render, render_request
from triage.report.hints import EVIDENCE_HINTS
from triage.report.model import (
    CodeRow,
    Development,
    EvidenceRequestItem,
    Manifest,
    ManifestFile,
    ManualItem,
    OutcomeColumn,
    Quote,
    ReportModel,
    SectionRow,
    TraceLine,
)
from triage.report.quotes import keywords, pick_quote

HOSTILE = '<script>alert("x")</script> & <b>bold</b>'
SECTION_TITLES = {
    1: "A stable careers programme",
    2: "Learning from career and labour market information",
    3: "Addressing the needs of each student",
}
CODES = {1: ["1.1", "1.2"], 2: ["2.1", "2.2"], 3: ["3.1", "3.4"]}
LEVELS = ("insufficient_progress", "good_progress", "fully_meeting")


def _outcomes() -> tuple[OutcomeColumn, ...]:
    return (
        OutcomeColumn(
            "insufficient_progress",
            "i",
            "Insufficient progress towards fully meeting the Standard",
            "Inadequate inputs.",
            "",
            "Making insufficient progress means ...",
        ),
        OutcomeColumn(
            "good_progress",
            "ii",
            "Achieving the Standard, making good progress towards fully meeting the national criteria",
            "Evidence of good progress.",
            "Congratulations (good progress).",
            "meaning ii",
        ),
        OutcomeColumn(
            "fully_meeting",
            "iii",
            "Achieving the Standard, fully meeting the national criteria",
            "Has met all the criteria.",
            "Congratulations (fully meeting).",
            "meaning iii",
        ),
    )


def make_model(*, provisional: bool = True, overall: str = "insufficient_progress") -> ReportModel:
    quote = Quote(
        text=f"Our careers leader {HOSTILE} reports to the head.",
        doc_id="a" * 64,
        doc_name="policy <v2>.pdf",
        page=3,
        start=100,
        end=150,
        chunk_id="aaaa:0-400",
        suggestion_id=7,
        cut_before=False,
        cut_after=True,
    )
    manual = ManualItem(
        kind="learner_voice",
        kind_label="Learner voice",
        text="Year 10 said the fair helped.",
        note="from focus group",
    )
    sections = []
    outcome_of = {1: "good_progress", 2: "insufficient_progress", 3: "fully_meeting"}
    for n, title in SECTION_TITLES.items():
        rows = []
        for i, code in enumerate(CODES[n]):
            missing = n == 2 and i == 1
            rows.append(
                CodeRow(
                    code=code,
                    section=n,
                    description=f"Description of {code}",
                    status=("missing_evidence" if missing else "evidenced"),
                    level="insufficient_progress" if missing else outcome_of[n],
                    rated=not (n == 1 and i == 1),
                    coverage="missing_evidence"
                    if missing
                    else ("unrated" if n == 1 and i == 1 else outcome_of[n]),
                    quotes=(quote,) if code == "1.2" else (),
                    manual=(manual,) if code == "3.4" else (),
                )
            )
        sections.append(
            SectionRow(
                number=n,
                title=title,
                outcome=outcome_of[n],
                computed="insufficient_progress" if n == 1 else outcome_of[n],
                overridden=n == 1,
                override_justification="Strong plan seen on visit." if n == 1 else "",
                reasons=(f"Reason for section {n}.",),
                development_level={
                    "good_progress": "fully_meeting",
                    "insufficient_progress": "good_progress",
                }.get(outcome_of[n]),
                development=() if n == 3 else (Development("i", f"Next step for section {n}."),),
                codes=tuple(rows),
            )
        )
    return ReportModel(
        provider_name=f"Hill {HOSTILE} School",
        provider_type="school",
        provider_type_label="School",
        assessors="A. Assessor",
        assessment_date="2026-11-20",
        generated_at="2026-11-22T09:00:00Z",
        provisional=provisional,
        provisional_reasons=("2 codes are not rated.",) if provisional else (),
        overall=overall,
        outcomes=_outcomes(),
        sections=tuple(sections),
        missing=("2.2",),
        evidence_request=(
            EvidenceRequestItem("2.2", 2, SECTION_TITLES[2], "Engaging parents", EVIDENCE_HINTS["2.2"]),
        ),
        trace=(TraceLine("R1-missing-evidence", "code 2.2", "No confirmed evidence.", "Guide 5"),),
        manifest=Manifest(
            session_id="sess-1",
            tool_version="0.1.0",
            session_tool_version="0.1.0",
            criteria_version="qic-2023.1",
            rules_version="qic-2023",
            model_id="hashing",
            model_hash="deadbeef",
            pack_path="/packs/hill",
            files=(ManifestFile("policy <v2>.pdf", "a" * 64, "pdf", "ok", 1234),),
        ),
    )


class _Collector(HTMLParser):
    """Tags with attributes and text, enough to check the report's structure."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.cells: dict[tuple[str, str], str] = {}

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in ("br", "meta", "span"):
            self.stack.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        while self.stack and self.stack[-1][0] != tag:
            self.stack.pop()
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)
        if self.stack and self.stack[-1][0] == "td":
            attrs = self.stack[-1][1]
            owner = next(
                (a for _, a in reversed(self.stack) if a.get("data-section") or a.get("data-code")), {}
            )
            key = (owner.get("data-section") or owner.get("data-code") or "", attrs.get("data-outcome") or "")
            self.cells[key] = self.cells.get(key, "") + data


def _parse(html_bytes: bytes) -> _Collector:
    parser = _Collector()
    parser.feed(html_bytes.decode("utf-8"))
    return parser


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_deterministic(fmt):
    model = make_model()
    first, second = render(model, fmt), render(model, fmt)
    assert first == second
    assert len(first) > 200


def test_only_the_timestamp_changes_the_output():
    model = make_model()
    later = replace(model, generated_at="2027-01-01T00:00:00Z")
    for fmt in ("html", "md", "json"):
        a = render(model, fmt).decode("utf-8").replace(model.generated_at, "TS")
        b = render(later, fmt).decode("utf-8").replace(later.generated_at, "TS")
        assert a == b, fmt


def test_html_escapes_document_text_and_needs_no_network():
    out = render(make_model(), "html").decode("utf-8")
    assert "<script>" not in out
    assert "&lt;script&gt;" in out
    parser = _parse(out.encode())
    # No external resources of any kind.
    for tag, attrs in parser.tags:
        assert tag not in ("script", "link", "img", "iframe")
        for key in ("src", "href"):
            assert not attrs.get(key), (tag, attrs)
    assert "@media print" in out
    assert "@import" not in out and "url(" not in out


def test_html_summary_grid_ticks_one_column_per_section():
    model = make_model()
    parser = _parse(render(model, "html"))
    for section in model.sections:
        ticks = {o.id: parser.cells.get((str(section.number), o.id), "").strip() for o in model.outcomes}
        assert ticks[section.outcome] == "✓"
        assert [k for k, v in ticks.items() if v] == [section.outcome]
    headings = [t for t in parser.text if "(✓)" in t]
    assert headings[:3] == [f"{o.grid_label} (✓)" for o in model.outcomes]


def test_html_recording_grid_marks_levels_and_unrated():
    model = make_model()
    parser = _parse(render(model, "html"))
    assert parser.cells[("1.1", "good_progress")].strip() == "✓"
    assert parser.cells[("1.2", "good_progress")].strip() == "✓*"  # evidenced but not rated
    assert parser.cells[("2.2", "insufficient_progress")].strip() == "✓"
    assert parser.cells.get(("2.2", "fully_meeting"), "").strip() == ""


def test_provisional_banner_comes_before_the_grids():
    out = render(make_model(provisional=True), "html").decode()
    assert out.index('id="provisional"') < out.index('id="summary-grid"')
    assert 'id="provisional"' not in render(make_model(provisional=False), "html").decode()
    md = render(make_model(provisional=True), "md").decode()
    assert md.index("PROVISIONAL") < md.index("Summary Grid")


def test_overall_citation_matches_outcome():
    award = render(make_model(overall="fully_meeting"), "md").decode()
    assert "Congratulations (fully meeting)." in award
    refused = render(make_model(overall="insufficient_progress"), "md").decode()
    assert "Congratulations" not in refused and "Making insufficient progress means" in refused


def test_docx_has_real_tables_headings_ticks_and_shading():
    model = make_model()
    data = render(model, "docx")
    document = docx.Document(io.BytesIO(data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Required Assessment Summary Grid" in headings
    assert "Assessment Recording Grid" in headings
    summary = next(t for t in document.tables if t.rows[0].cells[0].text == model.section_heading)
    assert [c.text for c in summary.rows[0].cells[1:]] == [f"{o.grid_label} (✓)" for o in model.outcomes]
    for row, section in zip(summary.rows[1:], model.sections, strict=True):
        assert row.cells[0].text == f"{section.number}. {section.title}"
        ticked = [o.id for o, c in zip(model.outcomes, row.cells[1:], strict=True) if c.text == "✓"]
        assert ticked == [section.outcome]
    grid = next(t for t in document.tables if t.rows[0].cells[0].text == "Codes")
    by_code = {r.cells[0].text: r for r in grid.rows[1:]}
    assert set(by_code) >= {"1.1", "1.2", "2.1", "2.2", "3.1", "3.4"}
    evidence = by_code["1.2"].cells[-1].text
    assert "(policy <v2>.pdf, p. 3)" in evidence and evidence.count("…") == 1
    assert "Learner voice: Year 10 said the fair helped." in by_code["3.4"].cells[-1].text
    fills = {
        shd.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}fill")
        for shd in document.element.body.iter(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}shd"
        )
    }
    assert {"F4B6B0", "8FCF86", "FFF0B3"} <= fills  # missing, fully meeting and unrated cells coloured
    assert document.core_properties.created.year == 2026


def test_docx_zip_entries_have_fixed_times():
    with zipfile.ZipFile(io.BytesIO(render(make_model(), "docx"))) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert z.namelist()[0] == "[Content_Types].xml"


def test_csv_is_the_recording_grid():
    model = make_model()
    text = render(model, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:6] == ["Codes", "Description", *model.level_headings, "Key evidence"]
    assert [r[0] for r in rows[1:]] == [c.code for c in model.codes]
    row_12 = next(r for r in rows if r[0] == "1.2")
    assert row_12[3] == "✓*" and "policy <v2>.pdf, p. 3" in row_12[5]
    assert next(r for r in rows if r[0] == "2.2")[5] == "No confirmed evidence."


def test_json_is_the_complete_record():
    model = make_model()
    data = json.loads(render(model, "json"))
    assert data["overall"] == model.overall
    assert data["manifest"]["files"][0]["sha256"] == "a" * 64
    assert [c["code"] for s in data["sections"] for c in s["codes"]] == [c.code for c in model.codes]
    assert data["sections"][0]["codes"][1]["quotes"][0]["page"] == 3
    assert data["evidence_request"][0]["code"] == "2.2"


@pytest.mark.parametrize("fmt", ["md", "txt"])
def test_evidence_request_alone(fmt):
    out = render_request(make_model(), fmt).decode()
    assert "2.2" in out and EVIDENCE_HINTS["2.2"].split()[0] in out
    assert "1.1" not in out
    if fmt == "txt":
        assert "**" not in out and max(len(line) for line in out.splitlines()) <= 90


def test_unknown_format_is_refused():
    with pytest.raises(ValueError):
        render(make_model(), "pdf")


def test_hints_cover_all_32_codes():
    expected = [f"{s}.{i}" for s, n in enumerate([9, 2, 7, 3, 3, 2, 2, 4], 1) for i in range(1, n + 1)]
    assert sorted(EVIDENCE_HINTS, key=lambda c: tuple(map(int, c.split(".")))) == expected
    assert all(len(h.split()) >= 8 for h in EVIDENCE_HINTS.values())


# ---- quotes --------------------------------------------------------------------------------------


def test_quote_is_a_substring_and_prefers_the_relevant_sentence():
    text = (
        "Careers at Hill\n"
        "We run a busy enrichment week every summer for all year groups.\n"
        "- Destinations data for KS4 leavers is analysed each autumn and the programme changed as a result. "
        "Thanks to all staff."
    )
    span = pick_quote(text, keywords("Analysing student destinations data and using the analysis"))
    quote = text[span.start : span.end]
    assert quote.startswith("Destinations data for KS4 leavers")
    assert quote.endswith("as a result.")
    assert not span.cut_after


def test_long_sentence_is_cut_to_forty_words_with_ellipsis_flag():
    words = [f"word{i}" for i in range(90)]
    text = "Intro line here.\n" + " ".join(words) + "."
    span = pick_quote(text, frozenset({"word5"}))
    quote = text[span.start : span.end]
    assert quote in text and len(quote.split()) == 40 and span.cut_after
