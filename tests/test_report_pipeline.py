"""End to end: pack -> triage_pack (hashing embedder) -> session -> decisions -> report."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import docx
import pytest
from test_report_session import _write_pack

from triage.embed import HashingEmbedder
from triage.pipeline import triage_pack
from triage.report import build_report, render
from triage.session import Session

GENERATED = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CONFIRM = ("1.2", "2.1", "3.4", "5.1")


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    root = tmp_path_factory.mktemp("report-pipeline")
    pack = _write_pack(root)
    triaged = triage_pack(pack, provider_type="school", embedder=HashingEmbedder())
    with Session.create(
        root / "s.sqlite", pack_path=str(pack), provider_type="school", provider_name="Hill School"
    ) as s:
        s.record_triage(triaged.documents, triaged.chunks, triaged.result)
        for code in CONFIRM:
            best = min(s.suggestions(code), key=lambda r: r.rank)
            s.decide(best.id, "confirm", who="assessor")
            s.rate(code, "good_progress", who="assessor")
        yield s, triaged


def test_pipeline_session_report_quotes_and_manifest(reviewed):
    session, triaged = reviewed
    model = build_report(session, generated_at=GENERATED)
    chunks = {c.id: c for c in triaged.chunks}
    docs = {d.id: d for d in triaged.documents}
    quoted = {c.code for c in model.codes if c.quotes}
    assert quoted == set(CONFIRM)
    for code in model.codes:
        for q in code.quotes:
            chunk = chunks[q.chunk_id]
            assert q.text in chunk.text
            assert docs[q.doc_id].text[q.start : q.end] == q.text
            assert chunk.page_start <= q.page <= chunk.page_end
    assert model.manifest.model_id == triaged.result.model_id
    assert {f.sha256 for f in model.manifest.files} == set(docs)
    # Most suggestions are still unreviewed, so the report must say it is provisional.
    assert model.provisional

    document = docx.Document(io.BytesIO(render(model, "docx")))
    grid = next(t for t in document.tables if t.rows[0].cells[0].text == "Codes")
    rows = {r.cells[0].text: r for r in grid.rows[1:]}
    for code in CONFIRM:
        q = next(c for c in model.codes if c.code == code).quotes[0]
        assert f"({q.doc_name}, p. {q.page})" in rows[code].cells[-1].text
        assert rows[code].cells[3].text == "✓"  # rated making good progress
    assert render(model, "html") == render(build_report(session, generated_at=GENERATED), "html")
